import type { QueueProbeDto } from '@fer/contracts';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { QueueService } from '../../src/queues/queue.service';
import { PrismaService } from '../../src/database/prisma.service';
import { ApiHarness, startApiHarness } from '../support/api-test-harness';
import { runFer } from '@fer/testing';
import { spawnWorker, stopProcess, waitUntil, workerEnv } from '@fer/testing';

/** Probes through the real path: API → PostgreSQL → BullMQ/Redis → a worker process with default settings → PostgreSQL. */
describe('queue probes answered by a worker process', () => {
  let api: ApiHarness;
  let home: string;
  let worker: ReturnType<typeof spawnWorker>;
  let workerId: string;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'fer-probe-home-'));
    api = await startApiHarness('probes_e2e');
    // No FER_WORKER_QUEUES: a worker consumes probes by default, so an answer means "a worker is alive".
    worker = spawnWorker(workerEnv(api, home));
    const prisma = api.app.get(PrismaService).client;
    const row = await waitUntil(
      async () => {
        if (worker.exitCode !== null) throw new Error(`worker exited:\n${worker.output.join('')}`);
        return worker.output.join('').includes('consuming')
          ? prisma.worker.findFirst({ where: { pid: worker.pid } })
          : null;
      },
      'the worker to consume',
      120_000,
    );
    workerId = row.id;
  });
  after(async () => {
    if (worker) await stopProcess(worker);
    const queues = api.app.get(QueueService);
    const keys = await queues.redis.keys(`${api.queuePrefix}:*`);
    if (keys.length) await queues.redis.del(...keys);
    await api.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('should record requested ≤ enqueued ≤ started ≤ finished and the answering worker when probes go round', async () => {
    const sent = await api.request('POST', '/queues/probes', { body: { count: 5 }, key: api.keys.launch });
    assert.equal(sent.status, 202, sent.text);
    const batch = await waitUntil(
      async () => {
        const answer = await api.request('GET', `/queues/probes/${sent.body.batchId}`, { key: api.keys.read });
        return answer.body.summary?.pending === 0 ? answer.body : null;
      },
      'the probes to be answered',
      60_000,
      100,
    );

    assert.equal(batch.probes.length, 5);
    for (const probe of batch.probes as QueueProbeDto[]) {
      const [requested, enqueued, started, finished] = [
        probe.requestedAt,
        probe.enqueuedAt,
        probe.startedAt,
        probe.finishedAt,
      ].map((t) => Date.parse(t!));
      assert.ok(
        requested <= enqueued && enqueued <= started && started <= finished,
        `ordered times: ${JSON.stringify(probe)}`,
      );
      assert.equal(probe.workerId, workerId);
    }
    assert.equal(batch.summary.answered, 5);
    assert.deepEqual(batch.summary.workers, [{ workerId, answered: 5 }]);
    for (const key of ['requestToStartMs', 'enqueueToStartMs', 'requestToFinishMs']) {
      const { p50, p99 } = batch.summary[key];
      assert.ok(p50 >= 0 && p99 >= p50, `${key}: ${JSON.stringify(batch.summary[key])}`);
    }
    const logged = await waitUntil(
      async () => {
        const count = worker.output.join('').match(/probe probe\.\S+: success/g)?.length ?? 0;
        return count >= 5 ? count : 0;
      },
      'the worker to log all five probes',
      10_000,
    );
    assert.ok(logged >= 5);
  });

  it('should print the latencies and the answering worker, and exit 0, when fer queue probe is answered', async () => {
    const text = await runFer(api.url, api.keys.launch, ['queue', 'probe', '--count', '3', '--timeout', '60']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /3\/3 probe\(s\) answered/);
    assert.match(text.stdout, /request → start\s+p50\s+\d+ ms/);
    assert.ok(text.stdout.includes(workerId), text.stdout);

    const json = await runFer(api.url, api.keys.launch, ['queue', 'probe', '--timeout', '60', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const batch = JSON.parse(json.stdout);
    assert.equal(batch.summary.answered, 1);
    assert.equal(batch.probes[0].workerId, workerId);
  });
});
