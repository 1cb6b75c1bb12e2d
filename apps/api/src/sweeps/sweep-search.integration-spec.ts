import { QueueName, type SweepSpec } from '@fer/contracts';
import type { PrismaClient } from '@fer/db';
import { jobIdOf, tpeProposal, type TpeObservation } from '@fer/experiments';
import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiApp } from '../api-app.factory';
import { apiEnvSchema } from '../config/api-env.schema';
import { PrismaService } from '../database/prisma.service';
import { QueueService } from '../queues/queue.service';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';
import { assertRefused } from '../../test/bad-input/bad-input-support';
import { SweepSchedulerService } from './sweep-scheduler.service';

const DOMAINS = ['synth-studio', 'synth-dark'];
const NO_LOOPS = { FER_SWEEP_SCHEDULE_INTERVAL_SECONDS: '3600' };

/** A second API process on the same database and queues (a restarted API, or another replica). */
async function anotherApi(api: ApiHarness): Promise<INestApplication> {
  const env = apiEnvSchema.parse({
    DATABASE_URL: api.databaseUrl,
    REDIS_URL: process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    FER_QUEUE_PREFIX: api.queuePrefix,
    FER_API_PORT: '0',
    LOG_LEVEL: 'silent',
    FER_RECONCILE_INTERVAL_SECONDS: '3600',
    ...NO_LOOPS,
  });
  const app = await createApiApp(env);
  await app.init();
  return app;
}

/** A run as a worker leaves it when it succeeded with this source-val accuracy at its best epoch. */
async function finishRun(prisma: PrismaClient, runId: string, sourceVal: number): Promise<void> {
  await prisma.epochMetric.create({
    data: { runId, epoch: 1, lossTotal: 1, lossCE: 1, lossDiverse: 0, lossSeparation: 0, trainAccuracy: 0.5, sourceValAccuracy: sourceVal, learningRate: 0.001, seconds: 1 },
  });
  await prisma.run.update({ where: { id: runId }, data: { status: 'succeeded', epoch: 2, sourceValBestEpoch: 1, startedAt: new Date(), finishedAt: new Date() } });
}

describe('sweeps that spend wisely: tpe search, budgets, growth, lineage', () => {
  let api: ApiHarness;
  let prisma: PrismaClient;
  before(async () => {
    api = await startApiHarness('sweep_search', NO_LOOPS);
    prisma = api.app.get(PrismaService).client;
    for (const domain of DOMAINS) {
      await prisma.dataset.create({
        data: { id: `ds-${domain}`, name: domain, domain, format: 'imagefolder', root: '/nowhere', version: 1, checksum: domain, status: 'ready', counts: {}, importReport: {}, samples: { create: [{ key: 'a', split: 'train', label: 0, contentHash: `a-${domain}` }, { key: 'b', split: 'test', label: 0, contentHash: `b-${domain}` }] } },
      });
    }
  });
  after(async () => api.close());

  const common = { benchmark: 'synth5', sources: ['synth-studio'], targets: DOMAINS, seeds: [0], base: { epochs: 2, selection: 'source-val' } };
  const tpeSpec = {
    ...common,
    name: 'tpe',
    search: { kind: 'tpe', parameters: { lambdaDiverse: { type: 'uniform', min: 0, max: 10 }, 'optimizer.lr': { type: 'loguniform', min: 1e-4, max: 1e-2 } }, budget: 5, startupTrials: 2, parallelTrials: 2, samplerSeed: 7 },
    objective: { metric: 'source-val', selection: 'source-val' },
  };

  it('should refuse a budget of 0, a reduction factor of 1, an oracle objective and unknown metrics, each naming the field', async () => {
    const send = (body: object) => () => api.request('POST', '/sweeps', { key: api.keys.launch, body });
    await assertRefused(prisma, 'budget 0', send({ ...tpeSpec, search: { ...tpeSpec.search, budget: 0 } }), { status: 400, names: /budget/, field: 'search.budget' });
    await assertRefused(prisma, 'reduction factor 1', send({ ...common, name: 'x', earlyStopping: { kind: 'asha', reductionFactor: 1 } }), { status: 400, names: /never stops/, field: 'earlyStopping.reductionFactor' });
    await assertRefused(prisma, 'oracle objective', send({ ...tpeSpec, objective: { metric: 'target-mean', selection: 'oracle' } }), { status: 400, names: /leak the test domains/, field: 'objective.selection' });
    await assertRefused(prisma, 'unknown objective metric', send({ ...tpeSpec, objective: { metric: 'affectnet', selection: 'last' } }), { status: 400, names: /unknown objective metric "affectnet"/, field: 'objective.metric' });
    await assertRefused(prisma, 'unknown early-stopping metric', send({ ...common, name: 'x', earlyStopping: { kind: 'asha', metric: 'val-loss' } }), { status: 400, names: /source-val/, field: 'earlyStopping.metric' });
    await assertRefused(prisma, 'maxConcurrentRuns 0', send({ ...common, name: 'x', maxConcurrentRuns: 0 }), { status: 400, names: /maxConcurrentRuns/, field: 'maxConcurrentRuns' });
    await assertRefused(prisma, 'maxGpuHours 0', send({ ...common, name: 'x', maxGpuHours: 0 }), { status: 400, names: /maxGpuHours/, field: 'maxGpuHours' });
    await assertRefused(prisma, 'tpe without objective', send({ ...tpeSpec, objective: undefined }), { status: 400, names: /objective/, field: 'objective' });
    await assertRefused(prisma, 'source-val objective without a hold-out', send({ ...tpeSpec, base: { epochs: 2, selection: 'last' } }), { status: 400, names: /held-out source split/, field: 'objective.metric' });
    await assertRefused(prisma, 'early stopping without a rung', send({ ...common, name: 'x', earlyStopping: { kind: 'asha', minEpochs: 2 } }), { status: 400, names: /rung/, field: 'earlyStopping.minEpochs' });
  });

  it('should propose each tpe trial once from the stored results, across an API restart and two replicas, as the seed and history fix it', async () => {
    const created = await api.request('POST', '/sweeps', { key: api.keys.launch, body: tpeSpec });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.runsCreated, 2, 'the first parallelTrials trials start at once');
    const sweepId = created.body.sweep.id as string;
    const spec = (await prisma.sweep.findUniqueOrThrow({ where: { id: sweepId } })).spec as unknown as SweepSpec;
    const search = spec.search as Extract<SweepSpec['search'], { kind: 'tpe' }>;
    const runOf = async (trial: number) => (await prisma.run.findFirstOrThrow({ where: { sweepId, trial } })).id;
    const trialParams = async (index: number) => (await prisma.sweepTrial.findUniqueOrThrow({ where: { sweepId_index: { sweepId, index } } })).params;

    const history: TpeObservation[] = [];
    for (const [index, value] of [[0, 0.5]] as const) {
      await finishRun(prisma, await runOf(index), value);
      history.push({ params: (await trialParams(index)) as TpeObservation['params'], value: value * 100 });
    }
    const before = await anotherApi(api);
    const first = await before.get(SweepSchedulerService).schedule(sweepId);
    assert.deepEqual(first.proposed, [2]);
    assert.deepEqual(await trialParams(2), tpeProposal(search, 2, history).params);

    // That API stops; another starts, and a second replica beside it: the searcher's state is the trials table.
    await before.close();
    const restarted = await anotherApi(api);
    const replica = await anotherApi(api);
    try {
      for (const [index, value] of [[1, 0.7], [2, 0.6]] as const) {
        await finishRun(prisma, await runOf(index), value);
        history.push({ params: (await trialParams(index)) as TpeObservation['params'], value: value * 100 });
      }
      const rounds = await Promise.all([restarted.get(SweepSchedulerService).schedule(sweepId), replica.get(SweepSchedulerService).schedule(sweepId)]);
      assert.deepEqual(rounds.flatMap((r) => r.proposed).sort(), [3, 4], 'trials 3 and 4, each proposed by one replica only');
      const trials = await prisma.sweepTrial.findMany({ where: { sweepId }, orderBy: { index: 'asc' } });
      assert.deepEqual(trials.map((t) => t.index), [0, 1, 2, 3, 4], 'no trial skipped or duplicated');
      assert.deepEqual(trials[3].params, tpeProposal(search, 3, history).params, 'the same seed and results give the same proposal');
      assert.equal(trials[3].source, 'tpe');
      assert.equal(await prisma.run.count({ where: { sweepId } }), 5);
      assert.deepEqual((await restarted.get(SweepSchedulerService).schedule(sweepId)).proposed, [], 'the budget is spent');
      const train = restarted.get(QueueService).queues.queue(QueueName.Train);
      for (const index of [3, 4]) assert.ok(await train.getJob(jobIdOf(QueueName.Train, { runId: await runOf(index) })), `trial ${index}'s run is enqueued`);
    } finally {
      await restarted.close();
      await replica.close();
    }
    const detail = await api.request('GET', `/sweeps/${sweepId}`);
    assert.equal(detail.body.trials.length, 5);
    assert.equal(detail.body.trials[1].value, 70);
    assert.equal(detail.body.sweep.status, 'running', 'trials 3 and 4 are open');
  });

  it('should hold runs beyond maxConcurrentRuns with the reason, release them as slots free, and hold the rest once maxGpuHours are spent', async () => {
    const created = await api.request('POST', '/sweeps', {
      key: api.keys.launch,
      body: { ...common, name: 'budget', search: { kind: 'grid', parameters: { lambdaDiverse: [0, 1, 2, 3] } }, maxConcurrentRuns: 2, maxGpuHours: 1 },
    });
    assert.equal(created.status, 201, created.text);
    const sweepId = created.body.sweep.id as string;
    const runs = () => prisma.run.findMany({ where: { sweepId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    const train = api.app.get(QueueService).queues.queue(QueueName.Train);
    let all = await runs();
    const admitted = all.filter((r) => r.heldReason === null);
    assert.equal(admitted.length, 2);
    for (const run of admitted) assert.ok(await train.getJob(jobIdOf(QueueName.Train, { runId: run.id })), 'admitted runs are enqueued');
    for (const run of all.filter((r) => r.heldReason !== null)) {
      assert.match(run.heldReason!, /maxConcurrentRuns 2/);
      assert.equal(await train.getJob(jobIdOf(QueueName.Train, { runId: run.id })), undefined, 'a held run has no job');
    }
    assert.equal(created.body.sweep.budget.held, 2);
    const table = await api.request('GET', `/runs/table?sweepId=${sweepId}`);
    assert.equal(table.body.rows.filter((row: { heldReason: string | null }) => row.heldReason?.includes('maxConcurrentRuns 2')).length, 2, 'the runs table says which runs are held and why');

    await finishRun(prisma, admitted[0].id, 0.5);
    const round = await api.app.get(SweepSchedulerService).schedule(sweepId);
    assert.equal(round.released.length, 1, 'one slot freed, one run released');
    assert.ok(await train.getJob(jobIdOf(QueueName.Train, { runId: round.released[0] })));

    // One run trained for two hours: the 1-hour budget is spent, so nothing more starts.
    await prisma.run.update({ where: { id: admitted[0].id }, data: { startedAt: new Date(Date.now() - 2 * 3600_000) } });
    const spent = await api.app.get(SweepSchedulerService).schedule(sweepId);
    assert.deepEqual(spent.released, []);
    all = await runs();
    const queued = all.filter((r) => r.status === 'queued');
    assert.equal(queued.length, 3);
    for (const run of queued) {
      assert.match(run.heldReason!, /maxGpuHours 1 spent \(2\.\d\d worker hours used\)/);
      assert.equal(await train.getJob(jobIdOf(QueueName.Train, { runId: run.id })), undefined, 'jobs of runs held by a spent budget are taken back');
    }
    // Raising the budget releases them again, up to maxConcurrentRuns.
    const raised = await api.request('PATCH', `/sweeps/${sweepId}`, { key: api.keys.launch, body: { maxGpuHours: 10 } });
    assert.equal(raised.status, 200, raised.text);
    assert.equal(raised.body.runsCreated, 0);
    assert.equal((await runs()).filter((r) => r.status === 'queued' && r.heldReason === null).length, 2);
  });

  it('should create only the new runs when PATCH adds seeds or grid values, and refuse what would rewrite existing points', async () => {
    const created = await api.request('POST', '/sweeps', { key: api.keys.launch, body: { ...common, name: 'grow', search: { kind: 'grid', parameters: { lambdaDiverse: [0, 5] } } } });
    const sweepId = created.body.sweep.id as string;
    const original = (await prisma.run.findMany({ where: { sweepId } })).map((r) => r.id).sort();
    assert.equal(original.length, 2);
    await finishRun(prisma, original[0], 0.4);
    const seeds = await api.request('PATCH', `/sweeps/${sweepId}`, { key: api.keys.launch, body: { seeds: [1] } });
    assert.equal(seeds.status, 200, seeds.text);
    assert.equal(seeds.body.runsCreated, 2);
    const values = await api.request('PATCH', `/sweeps/${sweepId}`, { key: api.keys.launch, body: { values: { lambdaDiverse: [5, 10] } } });
    assert.equal(values.body.runsCreated, 2, 'value 10 x seeds 0 and 1; 5 existed');
    const after = await prisma.run.findMany({ where: { sweepId } });
    assert.equal(after.length, 6);
    for (const id of original) assert.ok(after.some((r) => r.id === id), 'existing runs keep their ids');
    assert.equal(after.find((r) => r.id === original[0])!.status, 'succeeded', 'a finished run is untouched');
    const stored = await prisma.sweep.findUniqueOrThrow({ where: { id: sweepId } });
    assert.deepEqual(stored.seeds, [0, 1]);
    await assertRefused(prisma, 'a new parameter', () => api.request('PATCH', `/sweeps/${sweepId}`, { key: api.keys.launch, body: { values: { lambdaSeparation: [1] } } }), { status: 400, names: /not a parameter/, field: 'values.lambdaSeparation' });
    await assertRefused(prisma, 'an empty patch', () => api.request('PATCH', `/sweeps/${sweepId}`, { key: api.keys.launch, body: {} }), { status: 400, names: /nothing to change/ });
    await assertRefused(prisma, 'a budget on a grid', () => api.request('PATCH', `/sweeps/${sweepId}`, { key: api.keys.launch, body: { budget: 9 } }), { status: 400, names: /no budget/, field: 'budget' });
    await assertRefused(prisma, 'a read key', () => api.request('PATCH', `/sweeps/${sweepId}`, { key: api.keys.read, body: { seeds: [7] } }), { status: 403, names: /launch/ });
  });

  it('should re-queue failed runs under the same ids, their attempts counted on', async () => {
    const created = await api.request('POST', '/sweeps', { key: api.keys.launch, body: { ...common, name: 'rerun', search: { kind: 'grid', parameters: { lambdaDiverse: [1, 2] } } } });
    const sweepId = created.body.sweep.id as string;
    const [failed, ok] = await prisma.run.findMany({ where: { sweepId }, orderBy: { id: 'asc' } });
    await prisma.run.update({ where: { id: failed.id }, data: { status: 'failed', attempts: 3, error: 'boom', finishedAt: new Date() } });
    await finishRun(prisma, ok.id, 0.5);
    const rerun = await api.request('POST', `/sweeps/${sweepId}/rerun`, { key: api.keys.launch, body: { statuses: ['failed'] } });
    assert.deepEqual(rerun.body.rerun, [failed.id]);
    const again = await prisma.run.findUniqueOrThrow({ where: { id: failed.id } });
    assert.equal(again.status, 'queued');
    assert.equal(again.attempts, 3, 'attempts are kept; the worker counts the next one on from here');
    assert.equal(again.error, null);
    assert.ok(await api.app.get(QueueService).queues.queue(QueueName.Train).getJob(jobIdOf(QueueName.Train, { runId: failed.id })));
    assert.equal((await prisma.run.findUniqueOrThrow({ where: { id: ok.id } })).status, 'succeeded');
  });

  it('should mark boards stale on a new target version, announce it once, and re-evaluate exactly the dependent runs, retraining none', async () => {
    const created = await api.request('POST', '/sweeps', { key: api.keys.launch, body: { ...common, name: 'lineage', search: { kind: 'grid', parameters: { lambdaDiverse: [7, 8] } } } });
    const sweepId = created.body.sweep.id as string;
    const [scored, other] = await prisma.run.findMany({ where: { sweepId }, orderBy: { id: 'asc' } });
    for (const run of [scored, other]) {
      await finishRun(prisma, run.id, 0.5);
      await prisma.run.update({ where: { id: run.id }, data: { sourceValBestEpoch: 2 } });
    }
    // Only `scored` was scored on synth-dark v1; `other` only on synth-studio.
    const evaluation = (runId: string, domain: string) => ({
      id: `${runId}.${domain}`, runId, datasetId: `ds-${domain}`, domain, checkpoint: 'epoch', split: 'test', epoch: 2, accuracy: 0.5, perClassAccuracy: [], macroF1: 0.5, confusion: [], n: 1,
    });
    await prisma.evaluation.createMany({ data: [evaluation(scored.id, 'synth-dark'), evaluation(scored.id, 'synth-studio'), evaluation(other.id, 'synth-studio')] });
    const hook = await prisma.webhook.create({ data: { id: 'hook-stale', url: 'http://127.0.0.1:9/hook', secret: 's', events: ['leaderboard.stale'] } });
    const v2 = await prisma.dataset.create({
      data: { id: 'ds-synth-dark-v2', name: 'synth-dark', domain: 'synth-dark', format: 'imagefolder', root: '/nowhere', version: 2, checksum: 'dark-2', status: 'ready', counts: {}, importReport: {}, samples: { create: [{ key: 'b', split: 'test', label: 0, contentHash: 'b2' }] } },
    });
    const { LineageService } = await import('../benchmarks/lineage.service');
    await api.app.get(LineageService).datasetChanged(v2);
    await api.app.get(LineageService).datasetChanged(v2);
    const deliveries = await prisma.webhookDelivery.findMany({ where: { webhookId: hook.id } });
    assert.equal(deliveries.length, 1, 'one announcement per new version');
    assert.equal((deliveries[0].payload as { data: { runsToReevaluate: number } }).data.runsToReevaluate, 1);

    const board = await api.request('GET', '/leaderboards?benchmark=synth5&source=synth-studio');
    assert.deepEqual(board.body.provenance.stale, [{ role: 'target', domain: 'synth-dark', name: 'synth-dark', usedVersion: 1, newestVersion: 2 }]);

    const runsBefore = await prisma.run.count();
    const refreshed = await api.request('POST', '/benchmarks/synth5/refresh', { key: api.keys.launch });
    assert.equal(refreshed.status, 200, refreshed.text);
    const mine = (refreshed.body.reevaluated as { runId: string; datasets: string[] }[]).filter((r) => [scored.id, other.id].includes(r.runId));
    assert.deepEqual(mine, [{ runId: scored.id, datasets: ['ds-synth-dark-v2'] }], 'only the run scored on the old version');
    assert.deepEqual(refreshed.body.retrained, []);
    assert.equal(await prisma.run.count(), runsBefore, 'nothing retrained');
    const evaluate = api.app.get(QueueService).queues.queue(QueueName.Evaluate);
    assert.ok(await evaluate.getJob(jobIdOf(QueueName.Evaluate, { runId: scored.id, datasetId: 'ds-synth-dark-v2', checkpoint: 'last' })));
    assert.equal(await evaluate.getJob(jobIdOf(QueueName.Evaluate, { runId: other.id, datasetId: 'ds-synth-dark-v2', checkpoint: 'last' })), undefined);
    await assertRefused(prisma, 'refresh of an unknown benchmark', () => api.request('POST', '/benchmarks/nope/refresh', { key: api.keys.launch }), { status: 404, names: /nope/ });

    // A sweep that opted in to autoRefresh is refreshed by the import itself; the other sweep waits to be asked.
    const auto = await api.request('POST', '/sweeps', { key: api.keys.launch, body: { ...common, name: 'auto', autoRefresh: true, search: { kind: 'grid', parameters: { lambdaDiverse: [9] } } } });
    const [autoRun] = await prisma.run.findMany({ where: { sweepId: auto.body.sweep.id } });
    await finishRun(prisma, autoRun.id, 0.5);
    await prisma.run.update({ where: { id: autoRun.id }, data: { sourceValBestEpoch: 2 } });
    await prisma.evaluation.create({ data: { ...evaluation(autoRun.id, 'synth-dark'), id: `${autoRun.id}.v2`, datasetId: v2.id } });
    const v3 = await prisma.dataset.create({
      data: { id: 'ds-synth-dark-v3', name: 'synth-dark', domain: 'synth-dark', format: 'imagefolder', root: '/nowhere', version: 3, checksum: 'dark-3', status: 'ready', counts: {}, importReport: {}, samples: { create: [{ key: 'b', split: 'test', label: 0, contentHash: 'b3' }] } },
    });
    await api.app.get(LineageService).datasetChanged(v3);
    assert.ok(await evaluate.getJob(jobIdOf(QueueName.Evaluate, { runId: autoRun.id, datasetId: v3.id, checkpoint: 'last' })), 'the autoRefresh sweep was refreshed');
    assert.equal(await evaluate.getJob(jobIdOf(QueueName.Evaluate, { runId: scored.id, datasetId: v3.id, checkpoint: 'last' })), undefined, 'the other sweep was not');
  });

  it('should share the queue fairly between owners: a colleague\'s first run goes ahead of a big sweep\'s later ones', async () => {
    const big = await api.request('POST', '/sweeps', { key: api.keys.launch, body: { ...common, name: 'big', search: { kind: 'grid', parameters: { lambdaSeparation: [1, 2, 3, 4, 5] } } } });
    const small = await api.request('POST', '/sweeps', { key: api.keys.admin, body: { ...common, name: 'small', search: { kind: 'grid', parameters: { lambdaSeparation: [9] } } } });
    const train = api.app.get(QueueService).queues.queue(QueueName.Train);
    const priorities = async (sweepId: string) => {
      const runs = await prisma.run.findMany({ where: { sweepId }, orderBy: { id: 'asc' } });
      return Promise.all(runs.map(async (run) => (await train.getJob(jobIdOf(QueueName.Train, { runId: run.id })))!.opts.priority!));
    };
    const bigPriorities = (await priorities(big.body.sweep.id)).sort((a, b) => a - b);
    const [smallPriority] = await priorities(small.body.sweep.id);
    assert.equal(new Set(bigPriorities).size, 5, 'each of the big sweep\'s runs ranks behind the one before');
    assert.ok(smallPriority < bigPriorities[1], `the small sweep's run (${smallPriority}) goes before the big one's second (${bigPriorities[1]})`);
  });
});
