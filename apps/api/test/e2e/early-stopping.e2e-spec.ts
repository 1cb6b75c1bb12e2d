import { generateSyntheticBenchmark } from '@fer/datasets';
import { rungDecision } from '@fer/experiments';
import { spawnWorker, stopProcess, waitUntil, workerEnv } from '@fer/testing';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PrismaService } from '../../src/database/prisma.service';
import { ApiHarness, startApiHarness } from '../support/api-test-harness';

/**
 * Early stopping through real processes: a worker reports each rung to PostgreSQL, the rule stops the run, the run
 * ends `pruned` at that epoch with its scores and checkpoint, and boards leave it out unless asked.
 */
describe('a sweep with ASHA early stopping, trained by a worker process', () => {
  let api: ApiHarness;
  let dataRoot: string;
  let home: string;
  let worker: ReturnType<typeof spawnWorker> | undefined;

  before(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), 'fer-e2e-asha-data-'));
    home = mkdtempSync(join(tmpdir(), 'fer-e2e-asha-home-'));
    await generateSyntheticBenchmark({ outDir: dataRoot, perClassTrain: 6, perClassTest: 3, size: 48, seed: 'asha', domains: ['synth-studio', 'synth-dark'] });
    api = await startApiHarness('e2e_asha', { FER_DATA_ROOTS: dataRoot });
    for (const domain of ['synth-studio', 'synth-dark']) {
      const imported = await api.request('POST', '/datasets', { body: { name: domain, domain, format: 'imagefolder', path: join(dataRoot, domain) } });
      assert.equal(imported.status, 201, JSON.stringify(imported.body));
    }
  });

  after(async () => {
    if (worker) await stopProcess(worker, 'SIGKILL');
    await api?.close();
    rmSync(dataRoot, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('should prune at a rung the runs below its cutoff, keep their rung scores, and leave them off the board unless asked', async () => {
    const prisma = api.app.get(PrismaService).client;
    const created = await api.request('POST', '/sweeps', {
      key: api.keys.launch,
      body: {
        name: 'asha',
        benchmark: 'synth5',
        sources: ['synth-studio'],
        targets: ['synth-studio', 'synth-dark'],
        seeds: [0],
        base: { epochs: 4, batchSize: 4, maskNetHidden: 16, selection: 'source-val', sourceValFraction: 0.2, evalEvery: 4 },
        search: { kind: 'grid', parameters: { lambdaDiverse: [0, 1, 2] } },
        earlyStopping: { kind: 'asha', metric: 'source-val', minEpochs: 1, reductionFactor: 3 },
      },
    });
    assert.equal(created.status, 201, created.text);
    const sweepId = created.body.sweep.id as string;
    const runs = await prisma.run.findMany({ where: { sweepId }, orderBy: { id: 'asc' } });
    // An earlier run recorded an accuracy above 100 % at rung 1: every run reaching it falls below the cutoff. (The rung
    // rule itself is table-tested; this pins the outcome so the worker's side is checked exactly.)
    const [anchor, ...trained] = runs;
    await prisma.run.update({ where: { id: anchor.id }, data: { status: 'cancelled', finishedAt: new Date() } });
    await prisma.rungResult.create({ data: { sweepId, runId: anchor.id, sourceDomain: 'synth-studio', bracket: 0, rung: 1, value: 1.01, cutoff: null, stop: false } });

    worker = spawnWorker(workerEnv(api, home, { FER_DATA_ROOTS: dataRoot }));
    await waitUntil(
      async () => ((await prisma.run.count({ where: { id: { in: trained.map((r) => r.id) }, status: { in: ['pruned', 'succeeded', 'failed'] } } })) === trained.length ? true : null),
      'both runs ended',
      180_000,
    );
    for (const run of trained) {
      const ended = await prisma.run.findUniqueOrThrow({ where: { id: run.id } });
      assert.equal(ended.status, 'pruned', `${run.id}: ${ended.error ?? ''}`);
      assert.equal(ended.epoch, 1, 'stopped at the rung');
      const rung = await prisma.rungResult.findUniqueOrThrow({ where: { runId_rung: { runId: run.id, rung: 1 } } });
      assert.equal(rung.stop, true);
      const metric = await prisma.epochMetric.findUniqueOrThrow({ where: { runId_epoch: { runId: run.id, epoch: 1 } } });
      assert.equal(rung.value, metric.sourceValAccuracy, 'the rung read the epoch\'s source-val accuracy');
      assert.equal(await prisma.epochMetric.count({ where: { runId: run.id, epoch: { gt: 1 } } }), 0, 'no epoch after the rung');
      assert.equal(await prisma.evaluation.count({ where: { runId: run.id, epoch: 1 } }), 2, 'targets scored at the rung');
      assert.ok(await prisma.artifact.findFirst({ where: { runId: run.id, kind: 'checkpoint-last' } }), 'its checkpoint is kept');
    }
    // Each decision is what the rule says of the values recorded before it, in the order they were recorded.
    const results = await prisma.rungResult.findMany({ where: { sweepId, rung: 1 }, orderBy: { createdAt: 'asc' } });
    results.forEach((result, i) => {
      if (i === 0) return;
      assert.equal(result.stop, rungDecision(results.slice(0, i).map((r) => r.value), result.value, 3).stop);
    });

    const board = await api.request('GET', '/leaderboards?benchmark=synth5&source=synth-studio&selection=last');
    assert.equal(board.body.rows.length, 0, 'pruned runs are not on the board by default');
    const withPruned = await api.request('GET', '/leaderboards?benchmark=synth5&source=synth-studio&selection=last&includePruned=true');
    assert.equal(withPruned.body.rows.length, 2);
    assert.deepEqual(withPruned.body.provenance.statuses, ['succeeded', 'pruned']);
    for (const row of withPruned.body.rows) assert.ok(row.cells['synth-dark'].runs.every((r: { epoch: number }) => r.epoch === 1), 'scored at the epoch it stopped');
    const sweep = await api.request('GET', `/sweeps/${sweepId}`);
    assert.equal(sweep.body.sweep.runCounts.pruned, 2);
    assert.equal(sweep.body.rungs.length, 3);

    // Re-running the cancelled run is a new attempt of the same run, trained by the worker to its end: its rung-1
    // value was recorded before (the anchor), so the rule hands the stored decision back and it continues.
    const attemptsBefore = (await prisma.run.findUniqueOrThrow({ where: { id: anchor.id } })).attempts;
    const rerun = await api.request('POST', `/sweeps/${sweepId}/rerun`, { key: api.keys.launch, body: { statuses: ['cancelled'] } });
    assert.deepEqual(rerun.body.rerun, [anchor.id]);
    const ended = await waitUntil(async () => {
      const run = await prisma.run.findUniqueOrThrow({ where: { id: anchor.id } });
      return ['succeeded', 'failed', 'pruned'].includes(run.status) ? run : null;
    }, 'the re-run anchor ended', 180_000);
    assert.equal(ended.status, 'succeeded', ended.error ?? '');
    assert.equal(ended.attempts, attemptsBefore + 1, 'one more attempt of the same run id');
  });
});
