import type { QueueOverviewDto, QueueProbeBatchDto } from '@fer/contracts';
import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { formatProbeReport, noWorkerAdvice, PROBE_EXIT, runQueueProbe } from './queue-probe.command';

const batch = (answered: number, count: number): QueueProbeBatchDto => ({
  batchId: 'b-1',
  probes: [],
  summary: {
    count,
    answered,
    pending: count - answered,
    requestToStartMs: answered ? { p50: 3, p99: 12 } : { p50: null, p99: null },
    enqueueToStartMs: answered ? { p50: 1, p99: 9 } : { p50: null, p99: null },
    requestToFinishMs: answered ? { p50: 5, p99: 15 } : { p50: null, p99: null },
    workers: answered ? [{ workerId: 'host-1-abc', answered }] : [],
  },
});

const overview = (online: string[]): QueueOverviewDto => ({
  queues: [
    {
      name: 'probe',
      waiting: 0,
      prioritized: 4,
      active: 0,
      delayed: 0,
      completed: 0,
      failed: 0,
      completedPerMinute: 0,
    },
  ],
  workers: online.map((id) => ({
    id,
    host: 'h',
    device: 'cpu',
    backend: 'wasm',
    status: 'online',
    currentJob: null,
    lastHeartbeatAt: '',
    heartbeatAgeSeconds: 1,
  })),
});

describe('fer queue probe', () => {
  it('should print the latencies and the workers that answered when probes were answered', () => {
    const text = formatProbeReport(batch(4, 4), 0.42);
    assert.match(text, /4\/4 probe\(s\) answered in 0\.4 s \(batch b-1\)/);
    assert.match(text, /request → start\s+p50\s+3 ms\s+p99\s+12 ms/);
    assert.match(text, /host-1-abc\s+4/);
  });

  it('should say to start a worker, and which registered workers ignore probes, when none answered', () => {
    assert.match(
      noWorkerAdvice(4, 2, overview([])),
      /no worker answered any of 4 probe\(s\) within 2 s\. No worker is registered online\..*Start a worker/,
    );
    const ignored = noWorkerAdvice(4, 2, overview(['w-1']));
    assert.match(ignored, /1 online worker\(s\) \(w-1\).*REDIS_URL and FER_QUEUE_PREFIX.*FER_WORKER_QUEUES/);
    assert.match(ignored, /4 probe job\(s\) are waiting in Redis/);
    assert.match(noWorkerAdvice(1, 1, null), /Start a worker/);
  });

  describe('against a stub API', () => {
    let server: Server;
    let url: string;
    let answered = 0;
    before(async () => {
      server = createServer((request, response) => {
        response.setHeader('content-type', 'application/json');
        if (request.method === 'POST') return response.end(JSON.stringify({ batchId: 'b-1', probeIds: ['p1', 'p2'] }));
        if (request.url === '/api/v1/queues') return response.end(JSON.stringify(overview([])));
        response.end(JSON.stringify(batch(answered, 2)));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());

    const run = async () => {
      const out = { stdout: '', stderr: '' };
      const code = await runQueueProbe(
        { url, key: 'k' },
        { count: 2, timeoutSeconds: 0.3, json: false, pollMs: 20 },
        { stdout: (t) => (out.stdout += t), stderr: (t) => (out.stderr += t), progress: false },
      );
      return { code, ...out };
    };

    it('should exit 0 when every probe was answered', async () => {
      answered = 2;
      const result = await run();
      assert.equal(result.code, PROBE_EXIT.answered);
      assert.match(result.stdout, /2\/2 probe/);
    });

    it('should exit non-zero with the advice when no worker answered before the timeout', async () => {
      answered = 0;
      const result = await run();
      assert.equal(result.code, PROBE_EXIT.noWorker);
      assert.match(result.stderr, /no worker answered any of 2 probe\(s\) within 0\.3 s/);
    });

    it('should exit 2 naming the unanswered probes when only some were answered', async () => {
      answered = 1;
      const result = await run();
      assert.equal(result.code, PROBE_EXIT.partial);
      assert.match(result.stderr, /1 of 2 probe\(s\) unanswered/);
    });
  });
});
