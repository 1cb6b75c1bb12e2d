import type { PrismaClient } from '@fer/db';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertRefused } from '../../test/bad-input/bad-input-support';
import { QueueService } from './queue.service';
import { PrismaService } from '../database/prisma.service';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';
import { PROBE_RETENTION_DAYS } from './reconciler.service';

/** Queue probes without a worker: what is stored and enqueued, and what is refused. (With a worker: probes.e2e-spec.) */
describe('queue probes through the API (PostgreSQL and Redis, no worker)', () => {
  let api: ApiHarness;
  let prisma: PrismaClient;
  before(async () => {
    api = await startApiHarness('probes');
    prisma = api.app.get(PrismaService).client;
  });
  after(async () => {
    const queues = api.app.get(QueueService);
    const keys = await queues.redis.keys(`${api.queuePrefix}:*`);
    if (keys.length) await queues.redis.del(...keys);
    await api.close();
  });

  const post =
    (body: unknown, key = api.keys.launch) =>
    () =>
      api.request('POST', '/queues/probes', { body, key });

  it('should store one row and enqueue one probe job each when probes are sent, and report them pending', async () => {
    const sent = await api.request('POST', '/queues/probes', { body: { count: 3 }, key: api.keys.launch });
    assert.equal(sent.status, 202, sent.text);
    assert.equal(sent.body.probeIds.length, 3);
    const probeQueue = api.app.get(QueueService).queues.queue('probe' as never);
    for (const id of sent.body.probeIds) {
      const job = await probeQueue.getJob(`probe.${id}`);
      assert.deepEqual(job?.data, { probeId: id });
      assert.equal(job?.opts.attempts, 1);
    }

    const batch = await api.request('GET', `/queues/probes/${sent.body.batchId}`, { key: api.keys.read });
    assert.equal(batch.status, 200, batch.text);
    assert.deepEqual(batch.body.probes.map((p: { id: string }) => p.id).sort(), [...sent.body.probeIds].sort());
    for (const probe of batch.body.probes) {
      assert.ok(Date.parse(probe.requestedAt) <= Date.parse(probe.enqueuedAt), 'requested before enqueued');
      assert.equal(probe.startedAt, null);
      assert.equal(probe.workerId, null);
    }
    assert.deepEqual(
      {
        count: batch.body.summary.count,
        answered: batch.body.summary.answered,
        pending: batch.body.summary.pending,
        workers: batch.body.summary.workers,
      },
      { count: 3, answered: 0, pending: 3, workers: [] },
    );
    assert.deepEqual(batch.body.summary.requestToStartMs, { p50: null, p99: null });
  });

  it('should send one probe when the body is empty', async () => {
    const sent = await api.request('POST', '/queues/probes', { body: {}, key: api.keys.launch });
    assert.equal(sent.status, 202, sent.text);
    assert.equal(sent.body.probeIds.length, 1);
  });

  it('should refuse a count out of range, a fractional or string count and an unknown field, naming it, storing nothing', async () => {
    const stored = await prisma.queueProbe.count();
    await assertRefused(prisma, 'count 0', post({ count: 0 }), { status: 400, names: /count/, field: 'count' });
    await assertRefused(prisma, 'count 1001', post({ count: 1001 }), { status: 400, names: /count/, field: 'count' });
    await assertRefused(prisma, 'count 2.5', post({ count: 2.5 }), { status: 400, names: /count/, field: 'count' });
    await assertRefused(prisma, 'count "5"', post({ count: '5' }), { status: 400, names: /count/, field: 'count' });
    await assertRefused(prisma, 'unknown field', post({ count: 1, queue: 'train' }), { status: 400, names: /queue/ });
    await assertRefused(prisma, 'an array', post([{ count: 1 }]), { status: 400, names: /expected object|array/i });
    assert.equal(await prisma.queueProbe.count(), stored, 'no probe row was written');
  });

  it('should refuse sending probes with a read key or without a key', async () => {
    const stored = await prisma.queueProbe.count();
    await assertRefused(prisma, 'read key', post({ count: 1 }, api.keys.read), { status: 403, names: /launch/ });
    const anonymous = await api.request('POST', '/queues/probes', { body: { count: 1 }, key: null });
    assert.equal(anonymous.status, 401);
    assert.equal(await prisma.queueProbe.count(), stored);
  });

  it('should document both endpoints in the OpenAPI document, with the body schema', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document, read by path
    const document = (await (await fetch(`${api.url}/api/docs-json`)).json()) as any;
    const post = document.paths['/api/v1/queues/probes'].post;
    assert.ok(post.responses['202']);
    assert.deepEqual(post.requestBody.content['application/json'].schema.properties.count, {
      default: 1,
      type: 'integer',
      minimum: 1,
      maximum: 1000,
    });
    assert.ok(document.paths['/api/v1/queues/probes/{batchId}'].get.responses['404']);
  });

  it('should answer 404 naming the batch when it does not exist', async () => {
    const missing = await api.request('GET', '/queues/probes/no-such-batch', { key: api.keys.read });
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, /probe batch "no-such-batch"/);
  });

  it('should store nothing and answer 503 when Redis refuses the jobs', async () => {
    const queues = api.app.get(QueueService).queues;
    const original = queues.enqueueMany.bind(queues);
    queues.enqueueMany = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    };
    try {
      const stored = await prisma.queueProbe.count();
      const refused = await api.request('POST', '/queues/probes', { body: { count: 5 }, key: api.keys.launch });
      assert.equal(refused.status, 503, refused.text);
      assert.match(refused.body.error.message, /Redis is unavailable; the request changed nothing/);
      assert.equal(await prisma.queueProbe.count(), stored);
    } finally {
      queues.enqueueMany = original;
    }
  });

  it('should prune probes older than the retention and never re-enqueue a probe when reconciling', async () => {
    const old = new Date(Date.now() - (PROBE_RETENTION_DAYS + 1) * 24 * 3600 * 1000);
    await prisma.queueProbe.create({ data: { id: 'old-probe', batchId: 'old-batch', requestedAt: old } });
    const fresh = await prisma.queueProbe.count();
    const report = await api.request('POST', '/queues/reconcile');
    assert.equal(report.status, 200, report.text);
    assert.equal(report.body.probesPruned, 1);
    assert.equal(await prisma.queueProbe.count(), fresh - 1);
    assert.equal(report.body.trainJobsRestored + report.body.evaluateJobsRestored, 0);
  });
});
