import { QueueName } from '@fer/contracts';
import { jobIdOf } from '@fer/experiments';
import { generateSyntheticBenchmark } from '@fer/datasets';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { QueueService } from './queue.service';
import { PrismaService } from '../database/prisma.service';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';

describe('reconciler: Postgres restores what Redis lost', () => {
  let api: ApiHarness;
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'fer-reconcile-'));
    await generateSyntheticBenchmark({ outDir: root, perClassTrain: 2, perClassTest: 1, size: 32, seed: 'r', domains: ['synth-studio'] });
    api = await startApiHarness('reconcile', { FER_DATA_ROOTS: root, FER_WORKER_LOST_AFTER_SECONDS: '5' });
    await api.request('POST', '/datasets', { body: { name: 'synth-studio', format: 'imagefolder', path: join(root, 'synth-studio') } });
  });
  after(async () => {
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('should re-enqueue a queued run whose job vanished when Redis was flushed', async () => {
    const created = await api.request('POST', '/runs', { body: { benchmark: 'synth5', source: 'synth-studio', targets: ['synth-studio'], config: { epochs: 1 } } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const queues = api.app.get(QueueService);
    const train = queues.queues.queue(QueueName.Train);
    assert.ok(await train.getJob(jobIdOf(QueueName.Train, { runId: created.body.id })));

    // Redis restarted without persistence: every key of this platform's prefix is gone.
    const keys = await queues.redis.keys(`${api.queuePrefix}:*`);
    await queues.redis.del(...keys);
    assert.equal(await train.getJob(jobIdOf(QueueName.Train, { runId: created.body.id })), undefined);

    const report = await api.request('POST', '/queues/reconcile');
    assert.equal(report.status, 200);
    assert.equal(report.body.trainJobsRestored, 1);
    assert.ok(await train.getJob(jobIdOf(QueueName.Train, { runId: created.body.id })), 'the job is back');
    const again = await api.request('POST', '/queues/reconcile');
    assert.equal(again.body.trainJobsRestored, 0, 'a live job is never enqueued twice');
  });

  it('should end a run failed, never re-enqueue it, when its attempts are spent and its last failure went unrecorded', async () => {
    const created = await api.request('POST', '/runs', { body: { benchmark: 'synth5', source: 'synth-studio', targets: ['synth-studio'], seed: 3, config: { epochs: 1 } } });
    const runId = created.body.id;
    const prisma = api.app.get(PrismaService).client;
    const queues = api.app.get(QueueService);
    // Five attempts started and the job is gone (BullMQ gave up), but the run still says running.
    await queues.queues.queue(QueueName.Train).remove(jobIdOf(QueueName.Train, { runId }));
    await prisma.run.update({ where: { id: runId }, data: { status: 'running', attempts: 5 } });
    const report = await api.request('POST', '/queues/reconcile');
    assert.equal(report.body.runsFailed, 1);
    assert.equal(report.body.trainJobsRestored, 0);
    assert.equal(await queues.queues.queue(QueueName.Train).getJob(jobIdOf(QueueName.Train, { runId })), undefined, 'not re-enqueued');
    const run = await prisma.run.findUniqueOrThrow({ where: { id: runId } });
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /all 5 attempts were spent/);
    assert.equal((await api.request('POST', '/queues/reconcile')).body.runsFailed, 0, 'once');
  });

  it('should close a trained run whose selection epochs are scored, and restore a scoring job for an epoch that is not', async () => {
    const prisma = api.app.get(PrismaService).client;
    const queues = api.app.get(QueueService);
    const dataset = await prisma.dataset.findFirstOrThrow({ where: { domain: 'synth-studio' } });
    const trained = async (seed: number, scoredEpochs: number[]) => {
      const created = await api.request('POST', '/runs', { body: { benchmark: 'synth5', source: 'synth-studio', targets: ['synth-studio'], seed, config: { epochs: 3 } } });
      const runId: string = created.body.id;
      await queues.queues.queue(QueueName.Train).remove(jobIdOf(QueueName.Train, { runId }));
      await prisma.run.update({ where: { id: runId }, data: { status: 'running', trainedAt: new Date(), attempts: 1, epoch: 3, sourceValBestEpoch: 2 } });
      for (const epoch of scoredEpochs)
        await prisma.evaluation.create({
          data: { id: `${runId}.e${epoch}`, runId, datasetId: dataset.id, domain: 'synth-studio', checkpoint: 'epoch', split: 'test', epoch, accuracy: 0.5, perClassAccuracy: [], macroF1: 0, confusion: [], n: 7 },
        });
      return runId;
    };
    const complete = await trained(10, [1, 2, 3]);
    const missingBest = await trained(11, [1, 3]);
    const report = await api.request('POST', '/queues/reconcile');
    assert.equal(report.body.runsCompleted, 1);
    assert.equal((await prisma.run.findUniqueOrThrow({ where: { id: complete } })).status, 'succeeded');
    assert.equal(report.body.evaluateJobsRestored, 1, 'only the source-val best epoch (2) of the other run is owed');
    const job = await queues.queues.queue(QueueName.Evaluate).getJob(jobIdOf(QueueName.Evaluate, { runId: missingBest, datasetId: dataset.id, checkpoint: 'source-val' }));
    assert.ok(job, 'scored from the kept source-val checkpoint');
    assert.equal((await prisma.run.findUniqueOrThrow({ where: { id: missingBest } })).status, 'running', 'not closed while an epoch is owed');
  });

  it('should end a trained run failed, naming the domain, when a target has no ready dataset left, never succeed without it', async () => {
    const prisma = api.app.get(PrismaService).client;
    await prisma.dataset.create({
      data: { id: 'ds-gone', name: 'gone', domain: 'synth-gone', format: 'imagefolder', root: '/x', version: 1, checksum: 'g', status: 'ready', counts: {}, importReport: {}, samples: { create: [{ key: 'a', split: 'test', label: 0, contentHash: 'a' }] } },
    });
    const created = await api.request('POST', '/runs', { body: { benchmark: 'synth5', source: 'synth-studio', targets: ['synth-gone'], seed: 4, config: { epochs: 1 } } });
    assert.equal(created.status, 201, created.text);
    await prisma.run.update({ where: { id: created.body.id }, data: { status: 'running', trainedAt: new Date(), attempts: 1 } });
    await prisma.dataset.update({ where: { id: 'ds-gone' }, data: { status: 'failed' } });
    const report = await api.request('POST', '/queues/reconcile');
    assert.equal(report.body.runsFailed, 1);
    const run = await prisma.run.findUniqueOrThrow({ where: { id: created.body.id } });
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /no ready dataset for target domain synth-gone/);
  });

  it('should count an audit row PostgreSQL refused and show it at /health instead of dropping it silently', async () => {
    const prisma = api.app.get(PrismaService).client;
    assert.equal((await api.request('GET', '/health', { key: null })).body.dropped.auditRows, 0);
    await prisma.$executeRawUnsafe('ALTER TABLE "AuditLog" RENAME TO "AuditLogAway"');
    try {
      assert.equal((await api.request('POST', '/keys', { body: { name: 'audited', role: 'read' } })).status, 201, 'the write itself succeeds');
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await prisma.$executeRawUnsafe('ALTER TABLE "AuditLogAway" RENAME TO "AuditLog"');
    }
    const health = await api.request('GET', '/health', { key: null });
    assert.equal(health.body.dropped.auditRows, 1);
    await prisma.worker.create({ data: { id: 'lossy', host: 'h', pid: 3, device: 'cpu', backend: 'wasm', queues: ['train'], droppedLogLines: 4 } });
    assert.equal((await api.request('GET', '/health', { key: null })).body.dropped.runLogLines, 4, 'workers report their dropped run log lines');
    await prisma.worker.delete({ where: { id: 'lossy' } });
  });

  it('should mark a silent worker lost', async () => {
    const prisma = api.app.get(PrismaService).client;
    await prisma.worker.create({ data: { id: 'silent', host: 'h', pid: 1, device: 'cpu', backend: 'wasm', queues: ['train'], lastHeartbeatAt: new Date(Date.now() - 60_000) } });
    await prisma.worker.create({ data: { id: 'alive', host: 'h', pid: 2, device: 'cpu', backend: 'wasm', queues: ['train'] } });
    const report = await api.request('POST', '/queues/reconcile');
    assert.equal(report.body.workersMarkedLost, 1);
    const overview = await api.request('GET', '/queues', { key: api.keys.read });
    const status = Object.fromEntries(overview.body.workers.map((w: { id: string; status: string }) => [w.id, w.status]));
    assert.deepEqual(status, { silent: 'lost', alive: 'online' });
  });

  it('should refuse the reconcile endpoint to a non-admin key', async () => {
    assert.equal((await api.request('POST', '/queues/reconcile', { key: api.keys.launch })).status, 403);
  });
});
