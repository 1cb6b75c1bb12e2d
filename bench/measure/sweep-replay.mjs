// The replay half of the sweeps section (bench/sections/sweeps.mjs, bench/measure/sweep-search.mjs): searchers run on
// recorded training curves (a tabular benchmark, as HPO papers do), so each strategy and searcher seed costs no
// training. The search rules are the platform's own, from the built @fer/experiments: `proposeTpe` (TPE) and
// `rungEpochs` / `rungDecision` (ASHA, Ray Tune's rule); this module only schedules runs on workers and counts.
//
// A curve is one grid point trained in full: `params` and, per epoch 1..E (index 0 = epoch 1), `sourceVal` (accuracy on
// the held-out source split, percent) and `targetMean` (mean accuracy over the target domains, percent).
// Selection: a run's result is its target mean at its source-val-best epoch (the first epoch with the highest source-val,
// the trainer's `isBestSourceVal`), i.e. DomainBed's training-domain validation; the searchers' objective (TPE's value,
// ASHA's rung metric) is source-val alone, never a target score.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { proposeTpe, rungDecision, rungEpochs } = require('@fer/experiments');
const { SeededRandom } = require('@fer/contracts');

/** A run's selected epoch (1-based; the first with the best source-val) and its source-val and target mean there. */
export function selected(curve, epochs = curve.sourceVal.length) {
  let best = 0;
  for (let e = 1; e < epochs; e++) if (curve.sourceVal[e] > curve.sourceVal[best]) best = e;
  return { epoch: best + 1, sourceVal: curve.sourceVal[best], targetMean: curve.targetMean[best] };
}

/** The grid's best selected target mean (the point every searcher is asked to come within `tolerance` of). */
export function gridBest(curves) {
  return Math.max(...curves.map((c) => selected(c).targetMean));
}

/** A key of a point's params (names sorted), to find the recorded curve of a proposal. */
export const pointKey = (params) =>
  JSON.stringify(
    Object.keys(params)
      .sort()
      .map((name) => [name, params[name]]),
  );

/**
 * Runs trials on `workers` parallel workers, time in epochs: each running trial trains one epoch per time step; a new
 * trial starts as soon as a worker is free (`next(history)` names its point index, or null when the budget is spent),
 * one at a time in the order the others ended, so a searcher proposing from results sees every result stored by then.
 * With `rule` (ASHA), a trial reaching a rung epoch reports its source-val there and stops when `rungDecision` says so
 * against the values recorded at that rung before it (every reported value is recorded, stopped or not, as Ray Tune
 * does); trials finishing the same epoch are handled in trial order. Returns the trace: one entry per ended trial.
 * `epochs` = worker-epochs spent by then (including the epochs the other workers' trials have trained so far), `trial`
 * = 1-based index of the ended trial (proposal order), `best` = best selected target mean over the trials that
 * completed (a stopped trial never counts: the platform's leaderboards leave pruned runs out by default).
 */
export function simulate(curves, { workers = 1, next, rule = null }) {
  const maxEpochs = curves[0].sourceVal.length;
  const rungs = rule ? rungEpochs(rule, maxEpochs, 0) : [];
  const recorded = new Map(rungs.map((epoch) => [epoch, []]));
  const history = [];
  const trace = [];
  const active = [];
  let proposed = 0;
  let spent = 0;
  let best = null;
  let time = 0;
  const fill = () => {
    while (active.length < workers) {
      const point = next(history, proposed);
      if (point === null || point === undefined) return;
      active.push({ trial: proposed++, point, start: time, trained: 0 });
    }
  };
  fill();
  while (active.length > 0) {
    time += 1;
    spent += active.length;
    const ended = [];
    for (const run of active) {
      run.trained += 1;
      const curve = curves[run.point];
      if (recorded.has(run.trained)) {
        const value = curve.sourceVal[run.trained - 1];
        const decision = rungDecision(recorded.get(run.trained), value, rule.reductionFactor);
        recorded.get(run.trained).push(value);
        if (decision.stop) {
          ended.push({ ...run, status: 'pruned', cutoff: decision.cutoff });
          continue;
        }
      }
      if (run.trained === maxEpochs) ended.push({ ...run, status: 'completed' });
    }
    for (const run of ended) {
      active.splice(
        active.findIndex((a) => a.trial === run.trial),
        1,
      );
      const curve = curves[run.point];
      let value = null;
      if (run.status === 'completed') {
        const s = selected(curve);
        value = s.targetMean;
        best = best === null ? value : Math.max(best, value);
        history.push({ trial: run.trial, params: curve.params, value: s.sourceVal });
      }
      trace.push({
        time,
        epochs: spent,
        trial: run.trial + 1,
        point: run.point,
        status: run.status,
        trained: run.trained,
        targetMean: value,
        best,
      });
      fill();
    }
  }
  return trace;
}

/** The first point of a trace where the best-so-far comes within `tolerance` points of `target`; null when never. */
export function reach(trace, target, tolerance = 0.5) {
  const hit = trace.find((t) => t.best !== null && t.best >= target - tolerance);
  return hit ? { epochs: hit.epochs, runs: hit.trial, time: hit.time } : null;
}

/** Totals of a trace: worker-epochs, trials, pruned trials, best found. */
export function totals(trace) {
  return {
    epochs: trace.length ? Math.max(...trace.map((t) => t.epochs)) : 0,
    runs: trace.length,
    pruned: trace.filter((t) => t.status === 'pruned').length,
    best: trace.length ? trace[trace.length - 1].best : null,
  };
}

/** Grid points in order, one after another, each trained in full. */
export const gridOrder = (n) => Array.from({ length: n }, (_, i) => i);

/** A seeded uniform order over the grid points (random search without repeats). */
export const randomOrder = (n, seed) => Array.from(new SeededRandom(seed).permutation(n));

/** Trials in a fixed order (grid, random), on `workers`, with an optional ASHA rule. */
export function replayOrder(curves, order, { workers = 1, rule = null } = {}) {
  return simulate(curves, { workers, rule, next: (_history, k) => (k < order.length ? order[k] : null) });
}

/**
 * TPE over the grid's values as `choice` distributions, `budget` trials with full training on `workers`; the objective
 * is each trial's source-val at its source-val-best epoch (never a target score). A proposal equal to a point already
 * run re-uses its recorded curve (the same seeded training gives the same numbers) but is a trial of its own: it
 * spends its epochs and counts as a run. Returns the trace and the proposals (their source and whether a repeat).
 */
export function replayTpe(curves, { parameters, seed, budget, workers = 1, startupTrials = 5, candidates = 24 }) {
  const index = new Map(curves.map((c, i) => [pointKey(c.params), i]));
  const proposals = [];
  const seen = new Set();
  const trace = simulate(curves, {
    workers,
    next: (history, trialIndex) => {
      if (trialIndex >= budget) return null;
      const proposal = proposeTpe({
        parameters,
        // In trial order, as the platform's trialStates gives it (order only breaks ties).
        history: [...history].sort((a, b) => a.trial - b.trial).map(({ params, value }) => ({ params, value })),
        trialIndex,
        seed,
        startupTrials,
        candidates,
        goal: 'maximize',
      });
      const key = pointKey(proposal.params);
      const point = index.get(key);
      if (point === undefined) throw new Error(`TPE proposed ${key}, which is not a grid point`);
      proposals.push({ point, source: proposal.source, repeat: seen.has(point) });
      seen.add(point);
      return point;
    },
  });
  return { trace, proposals };
}

/** `choice` distributions of a grid's values, as a TPE search over the same space is written. */
export const choiceSpace = (grid) =>
  Object.fromEntries(Object.entries(grid).map(([name, values]) => [name, { type: 'choice', values }]));

/** The strategies of the section, each a function of the searcher seed giving a trace (and TPE's proposals). */
export function strategies(curves, { grid, workers, rule, startupTrials, candidates }) {
  const n = curves.length;
  const parameters = choiceSpace(grid);
  return {
    grid: () => ({ trace: replayOrder(curves, gridOrder(n)) }),
    random: (seed) => ({ trace: replayOrder(curves, randomOrder(n, seed)) }),
    'random+asha': (seed) => ({ trace: replayOrder(curves, randomOrder(n, seed), { workers, rule }) }),
    tpe: (seed) => replayTpe(curves, { parameters, seed, budget: n, workers, startupTrials, candidates }),
    'tpe-sequential': (seed) =>
      replayTpe(curves, { parameters, seed, budget: n, workers: 1, startupTrials, candidates }),
  };
}

/**
 * Every strategy for every searcher seed: per seed, epochs and runs to come within `tolerance` of the grid's best
 * (ratios to the grid's total epochs and runs; a seed that never gets there is "not reached", its ratio its whole
 * spend), totals, and the trace (best-so-far against epochs spent, for the plot).
 */
export function replayAll(curves, options) {
  const { seeds, tolerance = 0.5 } = options;
  const target = gridBest(curves);
  const gridEpochs = curves.length * curves[0].sourceVal.length;
  const gridRuns = curves.length;
  const out = {};
  for (const [name, replay] of Object.entries(strategies(curves, options))) {
    out[name] = seeds.map((seed) => {
      const { trace, proposals } = replay(seed);
      const hit = reach(trace, target, tolerance);
      const total = totals(trace);
      return {
        seed,
        reached: hit !== null,
        epochs: hit ? hit.epochs : total.epochs,
        runs: hit ? hit.runs : total.runs,
        epochsRatio: (hit ? hit.epochs : total.epochs) / gridEpochs,
        runsRatio: (hit ? hit.runs : total.runs) / gridRuns,
        total,
        ...(proposals
          ? {
              repeats: proposals.filter((p) => p.repeat).length,
              distinct: new Set(proposals.map((p) => p.point)).size,
            }
          : {}),
        trace: encodeTrace(trace),
      };
    });
  }
  const { workers, rule, startupTrials, candidates } = options;
  const rungs = rule ? rungEpochs(rule, curves[0].sourceVal.length, 0) : [];
  return {
    target: round(target),
    tolerance,
    gridEpochs,
    gridRuns,
    workers,
    rule,
    rungs,
    startupTrials,
    candidates,
    strategies: out,
  };
}

export const round = (v, digits = 3) => (v == null ? v : Number(v.toFixed(digits)));

/**
 * A trace as one short string for the raw JSON, `epochs:trial:best` per ended trial (best `-` before any trial
 * completed); bench/sections/sweeps.mjs reads it back for the plot.
 */
export const encodeTrace = (trace) =>
  trace.map((t) => `${t.epochs}:${t.trial}:${t.best === null ? '-' : t.best.toFixed(2)}`).join(' ');
