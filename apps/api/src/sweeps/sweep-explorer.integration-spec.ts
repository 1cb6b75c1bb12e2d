import { contentId, trainingConfigSchema } from '@fer/contracts';
import type { PrismaClient } from '@fer/db';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PrismaService } from '../database/prisma.service';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';

const DOMAINS = ['rafdb', 'ferplus', 'sfew'];
const SWEEP = 'swp-explorer';

/**
 * A sweep trained on rafdb varying lambdaDiverse over two seeds, with accuracies known by hand. At the last epoch (2):
 * rafdb 0.90 for every run; ferplus/sfew 0.50/0.60 (λ=0, seed 0), 0.60/0.70 (λ=0, seed 1), 0.70/0.80 (λ=5, seed 0),
 * 0.80/0.90 (λ=5, seed 1). Epoch 1, the source-val best, is 0.20 lower on the targets. A failed run (0.99 everywhere)
 * and a queued run never count.
 */
async function seed(prisma: PrismaClient) {
  for (const domain of DOMAINS) {
    await prisma.dataset.create({
      data: {
        id: `ds-${domain}`,
        name: domain,
        domain,
        format: 'imagefolder',
        root: '/x',
        version: 1,
        checksum: domain,
        status: 'ready',
        counts: {},
        importReport: {},
        samples: {
          create: [
            { key: 'a', split: 'train', label: 0, contentHash: `a-${domain}` },
            { key: 'b', split: 'test', label: 0, contentHash: `b-${domain}` },
          ],
        },
      },
    });
  }
  const spec = {
    name: 'explorer',
    benchmark: 'fer5',
    sources: ['rafdb'],
    targets: DOMAINS,
    seeds: [0, 1],
    base: { epochs: 2 },
    search: { kind: 'grid', parameters: { lambdaDiverse: [0, 5] } },
  };
  await prisma.sweep.create({
    data: {
      id: SWEEP,
      name: 'explorer',
      benchmark: 'fer5',
      spec,
      baseConfig: spec.base,
      searchSpace: spec.search,
      seeds: [0, 1],
      sources: ['rafdb'],
      targets: DOMAINS,
    },
  });
  const configIds: Record<number, string> = {};
  for (const lambda of [0, 5]) {
    const config = trainingConfigSchema.parse({ lambdaDiverse: lambda, epochs: 2 });
    configIds[lambda] = contentId('cfg', config);
    await prisma.config.create({ data: { id: configIds[lambda], method: config.method, body: config as object } });
  }
  const runs = [
    { lambda: 0, seed: 0, ferplus: 0.5, sfew: 0.6 },
    { lambda: 0, seed: 1, ferplus: 0.6, sfew: 0.7 },
    { lambda: 5, seed: 0, ferplus: 0.7, sfew: 0.8 },
    { lambda: 5, seed: 1, ferplus: 0.8, sfew: 0.9 },
    { lambda: 5, seed: 2, ferplus: 0.99, sfew: 0.99, status: 'failed' as const },
    { lambda: 0, seed: 3, ferplus: 0, sfew: 0, status: 'queued' as const },
  ];
  for (const run of runs) {
    const id = `run-l${run.lambda}-s${run.seed}`;
    await prisma.run.create({
      data: {
        id,
        sweepId: SWEEP,
        configId: configIds[run.lambda],
        groupKey: configIds[run.lambda],
        params: { lambdaDiverse: run.lambda },
        sourceDatasetId: 'ds-rafdb',
        sourceDomain: 'rafdb',
        targets: DOMAINS,
        seed: run.seed,
        epochs: 2,
        sourceValBestEpoch: 1,
        status: run.status ?? 'succeeded',
      },
    });
    if (run.status === 'queued') continue;
    for (const domain of DOMAINS) {
      const last = domain === 'rafdb' ? 0.9 : run[domain as 'ferplus' | 'sfew'];
      for (const [epoch, accuracy] of [
        [1, domain === 'rafdb' ? last : last - 0.2],
        [2, last],
      ] as const) {
        await prisma.evaluation.create({
          data: {
            id: `${id}-${domain}-e${epoch}`,
            runId: id,
            datasetId: `ds-${domain}`,
            domain,
            checkpoint: 'epoch',
            split: 'test',
            epoch,
            accuracy,
            perClassAccuracy: [],
            macroF1: 0,
            confusion: [],
            n: 10,
          },
        });
      }
    }
  }
}

interface RunPoint {
  runId: string;
  seed: number;
  source: string;
  params: Record<string, unknown>;
  targetMean: number;
  perDomain: Record<string, number>;
}

const close = (actual: number | null, expected: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

describe('sweep explorer: per-run target means, error bars and importance on GET /sweeps/:id', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApiHarness('sweep_explorer');
    await seed(api.app.get(PrismaService).client);
  });
  after(async () => api.close());

  it('should give each succeeded run its target mean over the targets other than its source, as computed by hand', async () => {
    const { status, body } = await api.request('GET', `/sweeps/${SWEEP}?selection=last`, { key: api.keys.read });
    assert.equal(status, 200, JSON.stringify(body));
    const points = body.runPoints as RunPoint[];
    assert.deepEqual(
      points.map((p) => p.runId).sort(),
      ['run-l0-s0', 'run-l0-s1', 'run-l5-s0', 'run-l5-s1'],
      'succeeded runs only',
    );
    const by = Object.fromEntries(points.map((p) => [p.runId, p]));
    close(by['run-l0-s0'].targetMean, (50 + 60) / 2, 'λ=0 seed 0');
    close(by['run-l0-s1'].targetMean, (60 + 70) / 2, 'λ=0 seed 1');
    close(by['run-l5-s0'].targetMean, (70 + 80) / 2, 'λ=5 seed 0');
    close(by['run-l5-s1'].targetMean, (80 + 90) / 2, 'λ=5 seed 1');
    close(by['run-l5-s1'].perDomain.rafdb, 90, 'the source is in perDomain');
    assert.deepEqual(by['run-l5-s1'].params, { lambdaDiverse: 5 });
    assert.equal(by['run-l5-s1'].seed, 1);
    assert.equal(by['run-l5-s1'].source, 'rafdb');

    // Error bars: mean ± sample std over the seeds per value.
    const effects = body.parameterEffects as {
      parameter: string;
      value: number;
      mean: number;
      std: number;
      runs: number;
      seeds: number[];
    }[];
    assert.equal(effects.length, 2);
    close(effects[0].mean, 60, 'λ=0 mean');
    close(effects[0].std, Math.sqrt(50), 'λ=0 std');
    close(effects[1].mean, 80, 'λ=5 mean');
    assert.deepEqual(effects[1].seeds, [0, 1]);
    // They agree with the ablation's target mean for the same value.
    const ablation = body.ablation.find((row: { value: number }) => row.value === 5);
    close(ablation.targetMean, effects[1].mean, 'ablation and explorer agree');

    // Importance: |Spearman ρ| of [0, 0, 5, 5] with [55, 65, 75, 85] is 4/√20 (average ranks for the ties).
    const factor = body.importance.factors[0];
    assert.equal(factor.parameter, 'lambdaDiverse');
    assert.equal(factor.encoding, 'numeric');
    assert.equal(factor.correlationMethod, 'spearman');
    assert.equal(factor.swept, true);
    close(factor.correlation, 4 / Math.sqrt(20), '|ρ|');
    assert.equal(body.importance.runs, 4);
    assert.equal(body.importance.factors.length, 1, 'one source: no source factor');
    assert.equal(typeof factor.permutation, 'number');
    const again = (await api.request('GET', `/sweeps/${SWEEP}?selection=last`, { key: api.keys.read })).body;
    assert.deepEqual(again.importance, body.importance, 'deterministic');
  });

  it('should follow the selection in force', async () => {
    const { body } = await api.request('GET', `/sweeps/${SWEEP}?selection=source-val`, { key: api.keys.read });
    const by = Object.fromEntries((body.runPoints as RunPoint[]).map((p) => [p.runId, p]));
    close(by['run-l0-s0'].targetMean, (30 + 40) / 2, 'source-val picks epoch 1');
    close(by['run-l5-s1'].targetMean, (60 + 70) / 2, 'source-val picks epoch 1');
    close(body.parameterEffects[1].mean, 60, 'λ=5 mean under source-val');
    const oracle = (await api.request('GET', `/sweeps/${SWEEP}?selection=oracle`, { key: api.keys.read })).body;
    close(
      oracle.runPoints.find((p: RunPoint) => p.runId === 'run-l0-s0').targetMean,
      55,
      'the oracle: the best stored epoch per target',
    );
  });
});
