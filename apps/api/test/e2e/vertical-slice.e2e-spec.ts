import { QueueName } from '@fer/contracts';
import { generateSyntheticBenchmark } from '@fer/datasets';
import { jobIdOf } from '@fer/experiments';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PrismaService } from '../../src/database/prisma.service';
import { ApiHarness, startApiHarness } from '../support/api-test-harness';
import { spawnWorker, stopProcess, waitUntil, workerEnv } from '@fer/testing';

/**
 * The vertical slice with real processes: API → PostgreSQL → BullMQ/Redis → a separate worker process → PostgreSQL.
 * A worker SIGKILLed mid-training loses nothing: its job stalls, a new worker resumes it from the last checkpoint.
 */
describe('a run through the API, Redis and a worker process', () => {
  let api: ApiHarness;
  let dataRoot: string;
  let home: string;
  const workers: ReturnType<typeof spawnWorker>[] = [];

  before(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), 'fer-e2e-data-'));
    home = mkdtempSync(join(tmpdir(), 'fer-e2e-home-'));
    await generateSyntheticBenchmark({ outDir: dataRoot, perClassTrain: 6, perClassTest: 3, size: 48, seed: 'e2e', domains: ['synth-studio', 'synth-dark'] });
    api = await startApiHarness('e2e', { FER_DATA_ROOTS: dataRoot });
    for (const domain of ['synth-studio', 'synth-dark']) {
      const imported = await api.request('POST', '/datasets', { body: { name: domain, domain, format: 'imagefolder', path: join(dataRoot, domain) } });
      assert.equal(imported.status, 201, JSON.stringify(imported.body));
    }
  });

  after(async () => {
    for (const worker of workers) await stopProcess(worker, 'SIGKILL');
    await api?.close();
    rmSync(dataRoot, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  const env = () => workerEnv(api, home, { FER_JOB_LOCK_SECONDS: '4', FER_DATA_ROOTS: dataRoot });
  /** The run once it has succeeded or failed. */
  const runEnded = (id: string, what: string, ms: number) =>
    waitUntil(async () => {
      const run = await api.app.get(PrismaService).client.run.findUnique({ where: { id } });
      return run && ['succeeded', 'failed'].includes(run.status) ? run : null;
    }, what, ms);

  it('should go queued → running → succeeded and survive a SIGKILL of its worker mid-training', async () => {
    const created = await api.request('POST', '/runs', {
      key: api.keys.launch,
      body: {
        benchmark: 'synth5',
        source: 'synth-studio',
        targets: ['synth-studio', 'synth-dark'],
        seed: 3,
        config: { epochs: 120, batchSize: 2, maskNetHidden: 16, sourceValFraction: 0.2 },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const runId: string = created.body.id;
    assert.equal(created.body.status, 'queued');

    const first = spawnWorker(env());
    workers.push(first);
    const prisma = api.app.get(PrismaService).client;
    await waitUntil(async () => (await prisma.run.findUnique({ where: { id: runId } }))!.epoch >= 3, 'epoch 3', 120_000);
    const running = await api.request('GET', `/runs/${runId}`);
    assert.equal(running.body.run.status, 'running');
    assert.ok(running.body.run.backend, 'the run records the TF.js backend');
    const overview = await api.request('GET', '/queues');
    assert.ok(
      overview.body.workers.some((w: { currentJob: string | null }) => w.currentJob === jobIdOf(QueueName.Train, { runId })),
      `the queue overview names the job the worker trains: ${JSON.stringify(overview.body.workers)}`,
    );
    await stopProcess(first, 'SIGKILL');
    const epochAtKill = (await prisma.run.findUnique({ where: { id: runId } }))!.epoch;

    const second = spawnWorker(env());
    workers.push(second);
    const done = await waitUntil(async () => {
      const run = await prisma.run.findUnique({ where: { id: runId } });
      return run && ['succeeded', 'failed'].includes(run.status) ? run : null;
    }, 'the run to finish', 240_000);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    assert.ok(done.attempts >= 2, `attempts recorded: ${done.attempts}`);

    const metrics = await prisma.epochMetric.findMany({ where: { runId }, orderBy: { epoch: 'asc' } });
    assert.deepEqual(metrics.map((m) => m.epoch), Array.from({ length: 120 }, (_, i) => i + 1));
    const logs = await prisma.runLog.findMany({ where: { runId } });
    assert.ok(logs.some((l) => /resuming from the last checkpoint/.test(l.message)), 'the second attempt resumed');
    assert.ok(epochAtKill < 120);

    const evaluations = await prisma.evaluation.findMany({ where: { runId } });
    assert.equal(evaluations.length, 2 * 120, 'each target scored at every epoch (cached features: evalEvery 1), none twice');
    assert.ok(done.sourceValBestEpoch !== null && done.sourceValBestEpoch >= 1, 'the source-val best epoch is recorded');
    assert.equal(evaluations.filter((e) => e.epoch === done.sourceValBestEpoch).length, 2, 'its epoch is scored on each target');
    for (const evaluation of evaluations) {
      assert.ok(evaluation.accuracy >= 0 && evaluation.accuracy <= 1);
      assert.equal(evaluation.split, 'test', 'scored on the target test split, and it says so');
      assert.equal(evaluation.frozenEngine, done.frozenEngine, 'each score says which engine computed its features');
      assert.equal((evaluation.confusion as number[][]).flat().reduce((a, b) => a + b, 0), evaluation.n);
    }

    // The repair path: an owed epoch scored after training from its kept checkpoint equals the score training wrote.
    const bestEpoch = done.sourceValBestEpoch!;
    const scored = evaluations.find((e) => e.epoch === bestEpoch && e.domain === 'synth-dark')!;
    await prisma.evaluation.delete({ where: { id: scored.id } });
    await prisma.run.update({ where: { id: runId }, data: { status: 'running', finishedAt: null } });
    const report = await api.request('POST', '/queues/reconcile');
    assert.equal(report.body.evaluateJobsRestored, 1, JSON.stringify(report.body));
    const rescored = await waitUntil(
      () => prisma.evaluation.findFirst({ where: { runId, datasetId: scored.datasetId, epoch: bestEpoch } }),
      'the owed epoch scored from its checkpoint',
      60_000,
    );
    assert.equal(rescored.checkpoint, bestEpoch === 120 ? 'last' : 'source-val');
    assert.equal(rescored.accuracy, scored.accuracy);
    assert.equal(rescored.frozenEngine, done.frozenEngine, 'a score from a kept checkpoint records its engine too');
    assert.ok(done.frozenEngine, 'the run recorded its frozen engine');
    assert.deepEqual(rescored.confusion, scored.confusion);
    await waitUntil(async () => (await prisma.run.findUniqueOrThrow({ where: { id: runId } })).status === 'succeeded', 'the run closed again', 30_000);

    const detail = await api.request('GET', `/runs/${runId}`);
    assert.equal(detail.body.run.progress, 1);
    const workersRow = await prisma.worker.findMany();
    assert.ok(workersRow.every((w) => w.device === 'cpu' && w.backend === 'wasm'));
  });

  it('should stream live epochs over SSE and stop a running job when the run is cancelled', async () => {
    const created = await api.request('POST', '/runs', {
      key: api.keys.launch,
      body: { benchmark: 'synth5', source: 'synth-studio', targets: ['synth-dark'], seed: 9, config: { epochs: 1000, batchSize: 1, maskNetHidden: 16 } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const runId: string = created.body.id;
    if (!workers.some((w) => w.exitCode === null && w.signalCode === null)) workers.push(spawnWorker(env()));

    const controller = new AbortController();
    const response = await fetch(`${api.url}/api/v1/runs/${runId}/events`, { headers: { authorization: `Bearer ${api.keys.read}` }, signal: controller.signal });
    assert.equal(response.headers.get('content-type')?.split(';')[0], 'text/event-stream');
    const reader = response.body!.getReader();
    const epochs: number[] = [];
    let buffer = '';
    while (epochs.length < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += new TextDecoder().decode(value);
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop()!;
      for (const block of blocks) {
        const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
        if (fields.event === 'epoch') epochs.push(JSON.parse(fields.data).metrics.epoch);
      }
    }
    controller.abort();
    assert.deepEqual(epochs.slice(0, 3), [1, 2, 3], 'epochs arrive live and in order');

    const cancel = await api.request('POST', `/runs/${runId}/cancel`, { key: api.keys.launch });
    assert.equal(cancel.status, 200);
    const prisma = api.app.get(PrismaService).client;
    const cancelled = await waitUntil(async () => {
      const run = await prisma.run.findUnique({ where: { id: runId } });
      return run?.status === 'cancelled' ? run : null;
    }, 'the run to stop', 30_000);
    assert.ok(cancelled.epoch < 1000, 'training stopped early');
    // The worker SIGKILLed in the first test still has a row (the reconciler would mark it lost): look at live ones.
    const live = { status: 'online' as const, lastHeartbeatAt: { gt: new Date(Date.now() - 3000) } };
    await waitUntil(async () => {
      const rows = await prisma.worker.findMany({ where: live });
      return rows.length > 0 && rows.every((w) => w.currentJob === null);
    }, 'the worker to free itself', 10_000);
    const epochAfterCancel = cancelled.epoch;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal((await prisma.run.findUnique({ where: { id: runId } }))!.epoch, epochAfterCancel, 'no epoch after cancellation');
  });

  it('should train the image-space ResNet-18 mask net (the paper\'s GPU config) through the same path', async () => {
    const created = await api.request('POST', '/runs', {
      key: api.keys.launch,
      body: { benchmark: 'synth5', source: 'synth-studio', targets: ['synth-dark'], seed: 1, config: { maskNet: 'resnet18', imageSize: 32, epochs: 1, batchSize: 14, sourceValFraction: 0 } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    if (!workers.some((w) => w.exitCode === null && w.signalCode === null)) workers.push(spawnWorker(env()));
    const prisma = api.app.get(PrismaService).client;
    const done = await runEnded(created.body.id, 'the ResNet-18 run', 180_000);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    const [evaluation] = await prisma.evaluation.findMany({ where: { runId: created.body.id } });
    assert.equal(evaluation.n, 21, 'every test image of the target (7 classes x 3)');
  });

  it('should train an image-space baseline (erm) on the pixels alone, running no frozen model', async () => {
    const created = await api.request('POST', '/runs', {
      key: api.keys.launch,
      body: { benchmark: 'synth5', source: 'synth-studio', targets: ['synth-dark'], seed: 1, config: { method: 'erm', imageSize: 32, epochs: 2, batchSize: 14, selection: 'last' } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    if (!workers.some((w) => w.exitCode === null && w.signalCode === null)) workers.push(spawnWorker(env()));
    const prisma = api.app.get(PrismaService).client;
    const done = await runEnded(created.body.id, 'the erm run', 180_000);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    const logs = await prisma.runLog.findMany({ where: { runId: done.id } });
    assert.ok(logs.some((l) => /images only \(this method reads no frozen features\)/.test(l.message)), 'no frozen model was run');
    const evaluations = await prisma.evaluation.findMany({ where: { runId: done.id }, orderBy: { epoch: 'asc' } });
    assert.deepEqual(evaluations.map((e) => [e.epoch, e.n, e.frozenEngine]), [[2, 21, null]], 'image-space runs score every 5 epochs and at the last, on no frozen features');
  });

  it('should feed one augmented batch to CLIP and the ResNet-18 mask net each step (frozenPath shared, as cafe-paper)', async () => {
    // The tiny CLIP of libs/cafe's fixtures stands in for ViT-B/32: same code path, 32 px, 24-d features.
    const weights = join(dataRoot, 'clip-tiny.safetensors');
    const repo = join(__dirname, '..', '..', '..', '..', '..');
    copyFileSync(join(repo, 'libs', 'cafe', 'fixtures', 'clip-tiny', 'model.safetensors'), weights);
    const config = { method: 'cafe', backbone: 'clip-vit-b32', backboneWeights: weights, maskNet: 'resnet18', imageSize: 32, epochs: 1, batchSize: 14, selection: 'last', augment: { frozenPath: 'shared', frozenNormalization: 'imagenet' } };
    const created = await api.request('POST', '/runs', { key: api.keys.launch, body: { benchmark: 'synth5', source: 'synth-studio', targets: ['synth-dark'], seed: 1, config } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    if (!workers.some((w) => w.exitCode === null && w.signalCode === null)) workers.push(spawnWorker(env()));
    const prisma = api.app.get(PrismaService).client;
    const done = await runEnded(created.body.id, 'the shared-frozen-path run', 180_000);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    const logs = await prisma.runLog.findMany({ where: { runId: done.id } });
    assert.ok(logs.some((l) => /the frozen model run on each augmented batch \(imagenet normalisation\)/.test(l.message)));
    assert.equal(await prisma.evaluation.count({ where: { runId: done.id } }), 1);
  });

  it('should re-run the frozen model on augmented images every epoch when the frozen path is recomputed', async () => {
    const body = (frozenPath: 'cached' | 'recompute') => ({
      benchmark: 'synth5',
      source: 'synth-studio',
      targets: ['synth-dark'],
      seed: 2,
      config: { epochs: 2, batchSize: 8, maskNetHidden: 16, sourceValFraction: 0, augment: { frozenPath } },
    });
    const recomputed = await api.request('POST', '/runs', { key: api.keys.launch, body: body('recompute') });
    const cached = await api.request('POST', '/runs', { key: api.keys.launch, body: body('cached') });
    if (!workers.some((w) => w.exitCode === null && w.signalCode === null)) workers.push(spawnWorker(env()));
    const prisma = api.app.get(PrismaService).client;
    for (const id of [recomputed.body.id, cached.body.id]) {
      const done = await waitUntil(async () => {
        const run = await prisma.run.findUnique({ where: { id } });
        return run && ['succeeded', 'failed'].includes(run.status) ? run : null;
      }, 'the run', 180_000);
      assert.equal(done.status, 'succeeded', done.error ?? '');
    }
    const losses = async (id: string) => (await prisma.epochMetric.findMany({ where: { runId: id }, orderBy: { epoch: 'asc' } })).map((m) => m.lossTotal);
    assert.notDeepEqual(await losses(recomputed.body.id), await losses(cached.body.id), 'augmented frozen inputs change training');
  });
});
