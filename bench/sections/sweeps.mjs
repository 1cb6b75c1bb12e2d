// Section 5, sweeps: what the platform's searchers spend to find a good point (issue #16). A full grid of CAFE configs
// is trained once, for real, on synth5 with cached frozen features (`train()` of @fer/cafe, every epoch's source-val and
// target accuracies recorded), then grid, random, random + ASHA and TPE are replayed on the recorded curves for three
// searcher seeds with the platform's own rules (`proposeTpe`, `rungEpochs`, `rungDecision` of @fer/experiments): epochs
// and runs each spends until its best-so-far comes within 0.5 points of the full grid's best. Measures with
// bench/measure/sweep-search.mjs (training, replays in bench/measure/sweep-replay.mjs).
import { fr, fx, log, measure, table } from '../lib.mjs';

export const title = '5. Sweeps';

/** The strategies in table order, as the table (`label`) and the plot (`series`) name them; `w` = parallel workers. */
export const STRATEGIES = {
  grid: { label: () => 'grid, full training, in grid order (1 worker)', series: () => 'grid (grid order)' },
  random: {
    label: () => 'random order over the grid points, full training (1 worker)',
    series: () => 'random order',
  },
  'random+asha': {
    label: (w) => `random order + ASHA (${w} workers)`,
    series: (w) => `random + ASHA (${w} workers)`,
  },
  tpe: {
    label: (w) => `TPE, ${w} trials at once (the platform default), full training`,
    series: (w) => `TPE (${w} at once)`,
  },
  'tpe-sequential': { label: () => 'TPE, 1 trial at a time, full training', series: () => 'TPE (1 at a time)' },
};

/** What this section measures; --quick shrinks it. */
export function plan(quick) {
  return {
    // synth5 images per class: the source's train split (sourceValFraction of it held out), each target's test split.
    perClassTrain: quick ? 80 : 120,
    perClassTest: quick ? 30 : 50,
    backbone: 'face-api-expression',
    // ASHA's rungs (minEpochs 1, reductionFactor 3) fall at epochs 1, 3 (and 9 in the full plan).
    epochs: quick ? 9 : 12,
    sourceValFraction: 0.1,
    trainSeed: 1,
    grid: quick
      ? { lambdaDiverse: [0, 5, 20], lambdaSeparation: [0, 1.5], 'optimizer.lr': [0.0005, 0.002, 0.005] }
      : {
          lambdaDiverse: [0, 5, 20],
          lambdaSeparation: [0, 1.5, 5],
          'optimizer.lr': [0.0005, 0.002, 0.005, 0.01],
        },
    seeds: [0, 1, 2],
    workers: 4,
    rule: { kind: 'asha', metric: 'source-val', minEpochs: 1, reductionFactor: 3 },
    startupTrials: 5,
    candidates: 24,
    tolerance: 0.5,
  };
}

export async function run(p) {
  const points = Object.values(p.grid).reduce((n, values) => n * values.length, 1);
  log(`sweeps: training the grid (${points} points x ${p.epochs} epochs on synth5), then the searchers' replays`);
  return measure('sweep-search.mjs', p, ['--backend', 'wasm']);
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const perSeed = (seeds, value) => seeds.map((s) => `${value(s)}${s.reached ? '' : '*'}`).join(', ');

/**
 * A headline value: the mean ratio over searcher seeds; when a seed never came within the tolerance (its ratio is its
 * whole spend, which flatters it), the row says so instead of showing a bare ratio.
 */
function headline(seeds, ratioOf) {
  const value = mean(seeds.map(ratioOf));
  const missed = seeds.filter((v) => !v.reached).length;
  return missed === 0
    ? value
    : `${value.toFixed(2)}x, not reached in ${missed} of ${seeds.length} seeds (counted at their whole spend)`;
}

/** A trace string of the raw JSON (`epochs:trial:best ...`) as [{ epochs, trial, best }]. */
export function parseTrace(text) {
  return text
    .split(' ')
    .filter(Boolean)
    .map((entry) => {
      const [epochs, trial, best] = entry.split(':');
      return { epochs: Number(epochs), trial: Number(trial), best: best === '-' ? null : Number(best) };
    });
}

export function render(r, summary) {
  const { replays: x } = r;
  const s = x.strategies;
  summary.push(["ASHA: epochs to the grid's best / grid epochs", headline(s['random+asha'], (v) => v.epochsRatio)]);
  summary.push(["TPE: runs to the grid's best / grid runs", headline(s.tpe, (v) => v.runsRatio)]);
  const rows = Object.entries(STRATEGIES)
    .filter(([name]) => s[name])
    .map(([name, { label }]) => {
      const seeds = s[name];
      return [
        label(x.workers),
        `${fx(mean(seeds.map((v) => v.epochs)))} (${perSeed(seeds, (v) => v.epochs)})`,
        `${fr(mean(seeds.map((v) => v.epochsRatio)))} (${perSeed(seeds, (v) => v.epochsRatio.toFixed(2))})`,
        `${fx(mean(seeds.map((v) => v.runs)))} (${perSeed(seeds, (v) => v.runs)})`,
        `${fr(mean(seeds.map((v) => v.runsRatio)))} (${perSeed(seeds, (v) => v.runsRatio.toFixed(2))})`,
        `${fx(mean(seeds.map((v) => v.total.epochs)))} / ${fx(mean(seeds.map((v) => v.total.runs)))} / ${fx(mean(seeds.map((v) => v.total.pruned)))}`,
        seeds[0].distinct === undefined ? 'all' : `${seeds.map((v) => v.distinct).join(', ')}`,
        seeds.map((v) => fx(v.total.best)).join(', '),
      ];
    });
  const grid = Object.entries(gridOf(r));
  const best = r.grid.reduce((a, b) => (b.targetMean > a.targetMean ? b : a));
  const near = r.grid.filter((g) => g.targetMean >= x.target - x.tolerance).length;
  const params = (p) =>
    Object.entries(p)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return [
    `The same search space searched four ways, on recorded curves (a tabular benchmark, as HPO papers do): the full grid (${grid.map(([k, v]) => `\`${k}\` ${v.join(' / ')}`).join(' x ')}; ${x.gridRuns} points) is trained once, for real, with \`train()\` of @fer/cafe (the worker's training loop; TF.js ${r.backend}) for ${r.epochs} epochs each, one training seed (${r.trainSeed}), on synth5 with cached frozen features (${r.backbone.name}, ${r.backbone.dim}-d, through \`extractFeatures\` and a FeatureCache as the worker does): source ${r.source} (${r.counts.train} training + ${r.counts.val} source-val images, \`sourceValFraction\` ${r.config.sourceValFraction}), targets ${r.targets.join(', ')} (${Object.values(r.counts.targets).join(' / ')} test images), the CPU config otherwise (MLP mask net ${r.config.maskNetHidden}, batch ${r.config.batchSize}, Adam, ExponentialLR ${r.config.optimizer.gamma}), \`evalEvery\` 1: every epoch's source-val and target accuracies are recorded (training ${fx(r.timings.trainSeconds)} s, features ${fx(r.timings.featureSeconds)} s). The searchers then run on those curves with the platform's own rules (bench/measure/sweep-replay.mjs calls \`proposeTpe\`, \`rungEpochs\` and \`rungDecision\` of @fer/experiments), for searcher seeds ${x.strategies.tpe.map((v) => v.seed).join(', ')}.`,
    '',
    `**Result of a run** = its target mean (mean accuracy over the ${r.targets.length} targets) at its source-val-best epoch (the first epoch with the highest source-val accuracy: DomainBed's training-domain validation). The grid's best is ${fx(x.target)} (${params(best.params)}, epoch ${best.selectedEpoch}); ${near} of ${x.gridRuns} points are within ${x.tolerance} points of it. **Epochs / runs to the grid's best** = worker-epochs spent, and trials proposed, until a searcher's best-so-far comes within ${x.tolerance} points of it; the ratios divide by the full grid's ${x.gridEpochs} epochs and ${x.gridRuns} runs (goals of issue #16: ASHA <= 0.4x the epochs, TPE <= 0.5x the runs). A seed marked * never got there: its figure is its whole spend. The searchers see source-val only, never a target score: TPE's objective is each trial's source-val at its source-val-best epoch (metric \`source-val\`, selection \`source-val\`: the platform refuses oracle-like objectives), ASHA's rung metric is the epoch's source-val.`,
    '',
    table(
      [
        'strategy',
        `epochs to within ${x.tolerance} of the grid's best, mean (per seed)`,
        `/ grid's ${x.gridEpochs} epochs, mean (per seed)`,
        'runs to it, mean (per seed)',
        `/ grid's ${x.gridRuns} runs, mean (per seed)`,
        'whole budget: epochs / runs / pruned, mean',
        'distinct points run (per seed)',
        'best found (per seed)',
      ],
      rows,
    ),
    '',
    `* not reached within the whole budget. **random** and **random + ASHA**: each grid point once, in a seeded uniform order (random search without repeats). **random + ASHA**: Ray Tune's asynchronous successive halving as the platform applies it (\`${x.rule.kind}\`, metric \`${x.rule.metric}\`, \`minEpochs\` ${x.rule.minEpochs}, \`reductionFactor\` ${x.rule.reductionFactor}: rungs at epochs ${x.rungs.join(', ')} of ${r.epochs}), simulated on ${x.workers} parallel workers epoch by epoch: a run reaching a rung reports its source-val and stops when below the (1 - 1/rf) quantile of the values recorded at that rung before it (the first at a rung continues; every reported value is recorded); a stopped run spends only the epochs it trained and frees its worker for the next point. Its best-so-far counts **completed runs only** (a pruned run's result never counts, as the platform's leaderboards leave pruned runs out by default), and its epochs spent include what the other workers' runs had trained by then. **TPE**: \`proposeTpe\` over the grid's values as \`choice\` distributions (${x.startupTrials} startup trials, ${x.candidates} candidates, the searcher seed as \`samplerSeed\`), a budget of ${x.gridRuns} trials, each trained in full; with ${x.workers} at once a new trial is proposed each time one ends, from every result stored by then (the scheduler's rule). A proposal equal to a point already run re-uses its recorded curve (same config and seed, same numbers) but, as on the platform (a trial's runs are new runs), is a run of its own and spends its epochs; "distinct points run" shows how many of the trials were new points. **grid**: the platform's grid order (parameter names sorted, the last varying fastest), so its own figures depend on where the best point sits in that order.`,
    '',
    '<details><summary>The grid as trained (result = target mean at the source-val-best epoch)</summary>',
    '',
    table(
      [
        'point',
        'source-val-best epoch',
        'source-val %',
        'target mean % (result)',
        'target mean % at the last epoch',
        's',
      ],
      r.grid.map((g) => [
        params(g.params),
        g.selectedEpoch,
        fx(g.sourceVal),
        g.targetMean >= x.target - x.tolerance ? `**${fx(g.targetMean)}**` : fx(g.targetMean),
        fx(g.lastTargetMean),
        fx(g.seconds),
      ]),
    ),
    '',
    '</details>',
  ].join('\n');
}

/** The grid's values per parameter, from the points as trained. */
function gridOf(r) {
  const values = {};
  for (const g of r.grid)
    for (const [k, v] of Object.entries(g.params)) if (!(values[k] ??= []).includes(v)) values[k].push(v);
  return values;
}

/**
 * Best-so-far against epochs spent, one line per strategy: the mean over searcher seeds of each seed's best-so-far
 * (as points below the grid's best, so the 0.5-point goal is a line near zero), at every spend where a seed's
 * best-so-far changes or a trial ends; from the first spend where every seed has a completed run.
 */
export function charts(r) {
  const x = r.replays;
  const points = [];
  for (const [name, seeds] of Object.entries(x.strategies)) {
    const traces = seeds.map((v) => parseTrace(v.trace));
    const spends = [...new Set(traces.flatMap((t) => t.map((e) => e.epochs)))].sort((a, b) => a - b);
    for (const spend of spends) {
      const bests = traces.map((t) => t.filter((e) => e.epochs <= spend && e.best !== null).pop()?.best ?? null);
      if (bests.some((b) => b === null)) continue;
      points.push({ x: spend, y: x.target - mean(bests), series: STRATEGIES[name]?.series(x.workers) ?? name });
    }
  }
  points.push(
    { x: 0, y: x.tolerance, series: `goal: within ${x.tolerance} points` },
    { x: x.gridEpochs, y: x.tolerance, series: `goal: within ${x.tolerance} points` },
  );
  return [
    {
      name: 'sweeps-best-so-far',
      title: `Sweeps: best-so-far target mean vs epochs spent (mean of ${x.strategies.tpe.length} searcher seeds)`,
      xTitle: 'epochs spent (all workers)',
      yTitle: "points below the full grid's best",
      points,
    },
  ];
}
