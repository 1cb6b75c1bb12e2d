// node --test bench/sections/sweeps.spec.mjs (needs the built libs: npx tsc -b libs/experiments)
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import {
  encodeTrace,
  gridBest,
  gridOrder,
  randomOrder,
  reach,
  replayAll,
  replayOrder,
  replayTpe,
  selected,
  totals,
} from '../measure/sweep-replay.mjs';
import { charts, parseTrace, plan, render } from './sweeps.mjs';

const require = createRequire(import.meta.url);
const { proposeTpe } = require('@fer/experiments');

const flat = (v) => Array(9).fill(v);
/**
 * Four runs of 9 epochs (source-val and target mean per epoch, percent), in grid order of {a: [1, 2], b: [x, y]}.
 * Results (target mean at the first source-val-best epoch): A 60 (epoch 9), B 50 (epoch 9), C 65 (epoch 8), D 70.
 */
const CURVES = [
  { params: { a: 1, b: 'x' }, sourceVal: [50, 60, 70, 72, 74, 76, 78, 79, 80], targetMean: flat(60) },
  { params: { a: 1, b: 'y' }, sourceVal: [40, 45, 50, 55, 60, 62, 64, 66, 68], targetMean: flat(50) },
  { params: { a: 2, b: 'x' }, sourceVal: [55, 60, 65, 66, 67, 68, 69, 70, 70], targetMean: flat(65) },
  { params: { a: 2, b: 'y' }, sourceVal: [60, 70, 75, 76, 77, 78, 79, 80, 81], targetMean: flat(70) },
];
// minEpochs 1, reductionFactor 3, 9 epochs: rungs at epochs 1 and 3; a run stops below the 66.7th percentile
// (numpy's linear interpolation) of the values recorded at the rung before it.
const ASHA = { kind: 'asha', metric: 'source-val', minEpochs: 1, reductionFactor: 3 };
const summaryOf = (trace) => trace.map((t) => [t.trial, t.status, t.trained, t.epochs, t.best]);

describe('sweep replay', () => {
  it("should select each run's first source-val-best epoch and take the grid's best from those", () => {
    assert.deepEqual(selected(CURVES[2]), { epoch: 8, sourceVal: 70, targetMean: 65 });
    assert.deepEqual(selected(CURVES[0]), { epoch: 9, sourceVal: 80, targetMean: 60 });
    const peaked = { params: {}, sourceVal: [1, 9, 9, 2], targetMean: [10, 20, 30, 40] };
    assert.deepEqual(selected(peaked), { epoch: 2, sourceVal: 9, targetMean: 20 }, 'the first of tied best epochs');
    assert.equal(gridBest(CURVES), 70);
  });

  it('should spend full runs in grid order without a rule', () => {
    const trace = replayOrder(CURVES, gridOrder(4));
    assert.deepEqual(summaryOf(trace), [
      [1, 'completed', 9, 9, 60],
      [2, 'completed', 9, 18, 60],
      [3, 'completed', 9, 27, 65],
      [4, 'completed', 9, 36, 70],
    ]);
    assert.deepEqual(reach(trace, 70, 0.5), { epochs: 36, runs: 4, time: 36 });
    assert.deepEqual(reach(trace, 65.4, 0.5), { epochs: 27, runs: 3, time: 27 });
  });

  it('should stop runs at the rungs by rungDecision and count only the epochs they trained (one worker)', () => {
    const trace = replayOrder(CURVES, gridOrder(4), { rule: ASHA });
    // A: first at both rungs, completes (9). B: 40 < 50 (the only value at rung 1): stopped after 1 epoch (10).
    // C: rung 1, 55 >= 46.67 (p66.7 of 50, 40); rung 3, 65 < 70 (A's): stopped after 3 epochs (13).
    // D: rung 1, 60 >= 51.67 (of 50, 40, 55); rung 3, 75 >= 68.33 (of 70, 65): completes (22).
    assert.deepEqual(summaryOf(trace), [
      [1, 'completed', 9, 9, 60],
      [2, 'pruned', 1, 10, 60],
      [3, 'pruned', 3, 13, 60],
      [4, 'completed', 9, 22, 70],
    ]);
    assert.deepEqual(totals(trace), { epochs: 22, runs: 4, pruned: 2, best: 70 });
    assert.deepEqual(reach(trace, 70, 0.5), { epochs: 22, runs: 4, time: 22 });
  });

  it("should run ASHA asynchronously on parallel workers, counting the other workers' epochs spent by then", () => {
    const trace = replayOrder(CURVES, gridOrder(4), { workers: 2, rule: ASHA });
    // t1: A and B train epoch 1; B stops (2 spent), C starts. t4: C stops at its rung 3 (8 spent), D starts.
    // t9: A completes (18 spent). t13: D completes alone (22 spent): the same epochs as one worker, sooner.
    assert.deepEqual(
      trace.map((t) => [t.time, t.trial, t.status, t.trained, t.epochs, t.best]),
      [
        [1, 2, 'pruned', 1, 2, null],
        [4, 3, 'pruned', 3, 8, null],
        [9, 1, 'completed', 9, 18, 60],
        [13, 4, 'completed', 9, 22, 70],
      ],
    );
    assert.deepEqual(reach(trace, 70, 0.5), { epochs: 22, runs: 4, time: 13 });
    assert.equal(reach(trace, 80, 0.5), null, 'never within 0.5 of a value no completed run has');
  });

  it('should give every seed a permutation of the grid points, the same one for the same seed', () => {
    for (const seed of [0, 1, 2]) {
      assert.deepEqual(
        [...randomOrder(10, seed)].sort((a, b) => a - b),
        gridOrder(10),
      );
      assert.deepEqual(randomOrder(10, seed), randomOrder(10, seed));
    }
    assert.notDeepEqual(randomOrder(10, 0), randomOrder(10, 1));
  });

  it("should propose with the platform's TPE from source-val only, a repeated point costing a full run", () => {
    const parameters = { a: { type: 'choice', values: [1, 2] }, b: { type: 'choice', values: ['x', 'y'] } };
    const options = { parameters, seed: 3, budget: 8, workers: 1, startupTrials: 2, candidates: 24 };
    const { trace, proposals } = replayTpe(CURVES, options);
    // Startup trials are TPE's random draws, whatever the results.
    for (const i of [0, 1]) {
      const startup = proposeTpe({ ...options, history: [], trialIndex: i, goal: 'maximize' });
      assert.equal(startup.source, 'startup');
      assert.deepEqual(CURVES[proposals[i].point].params, startup.params);
    }
    // The third proposal models the first two results: their source-val at the selected epoch, never a target score.
    const history = proposals
      .slice(0, 2)
      .map((p) => ({ params: CURVES[p.point].params, value: selected(CURVES[p.point]).sourceVal }));
    const third = proposeTpe({ ...options, history, trialIndex: 2, goal: 'maximize' });
    assert.equal(third.source, 'tpe');
    assert.deepEqual(CURVES[proposals[2].point].params, third.params);
    // 8 trials over 4 points: at least 4 repeats, each a run of 9 epochs.
    assert.equal(trace.length, 8);
    assert.deepEqual(
      trace.map((t) => t.epochs),
      [9, 18, 27, 36, 45, 54, 63, 72],
    );
    assert.ok(proposals.filter((p) => p.repeat).length >= 4);
    assert.equal(new Set(proposals.map((p) => p.point)).size, proposals.filter((p) => !p.repeat).length);
    assert.deepEqual(replayTpe(CURVES, options).proposals, proposals, 'deterministic for a seed');
  });

  it('should replay every strategy per seed with ratios to the full grid, and a trace the section can read', () => {
    const r = replayAll(CURVES, {
      grid: { a: [1, 2], b: ['x', 'y'] },
      seeds: [0, 1],
      workers: 2,
      rule: ASHA,
      startupTrials: 2,
      candidates: 24,
    });
    assert.equal(r.target, 70);
    assert.equal(r.gridEpochs, 36);
    assert.equal(r.gridRuns, 4);
    assert.deepEqual(r.rungs, [1, 3]);
    assert.deepEqual(Object.keys(r.strategies), ['grid', 'random', 'random+asha', 'tpe', 'tpe-sequential']);
    for (const grid of r.strategies.grid) {
      assert.deepEqual([grid.reached, grid.epochs, grid.runs, grid.epochsRatio, grid.runsRatio], [true, 36, 4, 1, 1]);
      assert.deepEqual(parseTrace(grid.trace), [
        { epochs: 9, trial: 1, best: 60 },
        { epochs: 18, trial: 2, best: 60 },
        { epochs: 27, trial: 3, best: 65 },
        { epochs: 36, trial: 4, best: 70 },
      ]);
    }
    for (const seeds of Object.values(r.strategies)) {
      for (const v of seeds) {
        assert.equal(v.epochsRatio, v.epochs / 36);
        assert.equal(v.runsRatio, v.runs / 4);
        if (!v.reached)
          assert.deepEqual([v.epochs, v.runs], [v.total.epochs, v.total.runs], 'not reached: the whole spend');
      }
    }
    assert.equal(parseTrace(encodeTrace([{ epochs: 2, trial: 2, best: null }]))[0].best, null);
  });
});

describe('sweeps section', () => {
  it('should plan a grid of CAFE knobs on synth5, smaller with --quick, three searcher seeds and ASHA at rf 3', () => {
    const size = (p) => Object.values(p.grid).reduce((n, v) => n * v.length, 1);
    const [full, quick] = [plan(false), plan(true)];
    assert.ok(size(full) >= 24 && size(full) <= 36);
    assert.ok(size(quick) < size(full) && quick.epochs < full.epochs && quick.perClassTrain < full.perClassTrain);
    for (const p of [full, quick]) {
      assert.deepEqual(p.seeds, [0, 1, 2]);
      assert.equal(p.sourceValFraction, 0.1);
      assert.deepEqual(p.rule, ASHA);
      assert.equal(p.workers, 4);
    }
  });

  it("should render the two headline rows from the seeds' mean ratios, saying when a seed never got there", () => {
    const seed = (s, reached, epochs, runs) => ({
      seed: s,
      reached,
      epochs,
      runs,
      epochsRatio: epochs / 36,
      runsRatio: runs / 4,
      total: { epochs: reached ? 36 : epochs, runs: 4, pruned: 0, best: reached ? 70 : 65 },
      trace: reached ? `${epochs}:${runs}:70.00` : `${epochs}:${runs}:65.00`,
    });
    const strategies = {
      grid: [0, 1, 2].map((s) => seed(s, true, 36, 4)),
      random: [0, 1, 2].map((s) => seed(s, true, 18, 2)),
      'random+asha': [seed(0, true, 9, 2), seed(1, true, 18, 3), seed(2, false, 27, 4)],
      tpe: [seed(0, true, 9, 1), seed(1, true, 18, 2), seed(2, true, 27, 3)].map((v) => ({
        ...v,
        distinct: 3,
        repeats: 1,
      })),
    };
    const grid = CURVES.map((c) => ({
      params: c.params,
      ...selected(c),
      lastTargetMean: c.targetMean[8],
      seconds: 1,
    })).map(({ epoch, ...g }) => ({ ...g, selectedEpoch: epoch }));
    const result = {
      backend: 'wasm',
      backbone: { name: 'face-api-expression', dim: 256 },
      source: 'synth-studio',
      targets: ['synth-lowres', 'synth-wild'],
      counts: { train: 90, val: 10, targets: { 'synth-lowres': 70, 'synth-wild': 70 } },
      epochs: 9,
      trainSeed: 1,
      config: { sourceValFraction: 0.1, maskNetHidden: 512, batchSize: 32, optimizer: { gamma: 0.9 } },
      timings: { trainSeconds: 10, featureSeconds: 2 },
      grid,
      replays: {
        target: 70,
        tolerance: 0.5,
        gridEpochs: 36,
        gridRuns: 4,
        workers: 4,
        rule: ASHA,
        rungs: [1, 3],
        startupTrials: 5,
        candidates: 24,
        strategies,
      },
    };
    const summary = [];
    const text = render(result, summary);
    assert.deepEqual(summary, [
      [
        "ASHA: epochs to the grid's best / grid epochs",
        '0.50x, not reached in 1 of 3 seeds (counted at their whole spend)',
      ],
      ["TPE: runs to the grid's best / grid runs", (1 / 4 + 2 / 4 + 3 / 4) / 3],
    ]);
    const asha = text.split('\n').find((line) => line.startsWith('| random order + ASHA (4 workers)'));
    assert.ok(asha.includes('18.0 (9, 18, 27*)'), asha);
    assert.ok(asha.includes('**0.50x** (0.25, 0.50, 0.75*)'), asha);
    assert.ok(text.includes('| a 2, b y | 9 | 81.0 | **70.0** |'), 'the grid table marks the points within 0.5');
    const [chart] = charts(result);
    const tpe = chart.points.filter((p) => p.series === 'TPE (4 at once)');
    // Mean over seeds of the gap to the grid's best, from the first spend where every seed has a result.
    assert.deepEqual(
      tpe.map((p) => [p.x, p.y]),
      [[27, 0]],
    );
    const ashaPoints = chart.points.filter((p) => p.series === 'random + ASHA (4 workers)');
    assert.deepEqual(
      ashaPoints.map((p) => [p.x, Number(p.y.toFixed(3))]),
      [[27, Number((70 - (70 + 70 + 65) / 3).toFixed(3))]],
    );
  });
});
