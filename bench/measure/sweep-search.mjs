#!/usr/bin/env node
// The sweeps section (bench/sections/sweeps.mjs): what the platform's searchers spend to find a good point. Trains a
// full grid of CAFE configs once, for real, on synth5 with cached frozen features, then replays the searchers on the
// recorded curves (bench/measure/sweep-replay.mjs: grid, random, random + ASHA, TPE, with the rules of @fer/experiments).
//   1. synth5: `generateSyntheticBenchmark` of @fer/datasets writes the source's train split and the four targets' test
//      splits (PNG files, imagefolder layout) to a temporary folder; the imagefolder reader reads them back.
//   2. Frozen features: `extractFeatures` of @fer/cafe with the default backbone (face-api-expression) into a
//      FeatureCache in the temporary folder, as the worker does (source train split: original + flipped view; each
//      target's test split: original).
//   3. The grid: `train()` of @fer/cafe per point on the source domain (`splitSourceValidation` holds out
//      `sourceValFraction` of it, as the worker does; one fixed training seed), evalEvery 1 and every target scored each
//      epoch through `onEpoch`, so every epoch's source-val and target accuracies are recorded.
//   4. The replays, per searcher seed.
// Prints one JSON line. Usage:
//   node bench/measure/sweep-search.mjs --plan '{"perClassTrain":40,"perClassTest":20,"epochs":6,"grid":{"lambdaDiverse":[0,5],"optimizer.lr":[0.0005,0.002]},"seeds":[0,1,2],"workers":4,"rule":{"kind":"asha","metric":"source-val","minEpochs":1,"reductionFactor":3}}'
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { emit } from '../lib.mjs';
import { replayAll, round, selected } from './sweep-replay.mjs';

const require = createRequire(import.meta.url);
const { parseTrainingConfig, CPU_DEFAULTS, BUILTIN_BENCHMARKS } = require('@fer/contracts');
const {
  selectBackend,
  train,
  loadBackbone,
  extractFeatures,
  FeatureCache,
  splitSourceValidation,
} = require('@fer/cafe');
const { generateSyntheticBenchmark, getReader, loadRgb, sampleContentHash } = require('@fer/datasets');

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' }, plan: { type: 'string' } } });
const plan = JSON.parse(values.plan);
const log = (line) => process.stderr.write(`[sweep-search] ${line}\n`);

const selection = await selectBackend({ override: values.backend });
const domains = BUILTIN_BENCHMARKS.find((b) => b.name === 'synth5').domains;
const source = plan.source ?? domains[0];
const targets = domains.filter((d) => d !== source);
const dir = await mkdtemp(join(os.tmpdir(), 'fer-bench-sweeps-'));
const timings = {};

/** Every grid point in the platform's grid order (parameter names sorted, the last varying fastest). */
function gridPoints(grid) {
  let points = [{}];
  for (const name of Object.keys(grid).sort())
    points = points.flatMap((p) => grid[name].map((v) => ({ ...p, [name]: v })));
  return points;
}

/** A config field from a parameter path (`optimizer.lr`), as a sweep applies its parameters. */
function applyParameters(base, params) {
  const config = JSON.parse(JSON.stringify(base));
  for (const [path, value] of Object.entries(params)) {
    const keys = path.split('.');
    let at = config;
    for (const key of keys.slice(0, -1)) at = at[key] ??= {};
    at[keys[keys.length - 1]] = value;
  }
  return config;
}

try {
  let t0 = performance.now();
  log(`synth5: ${plan.perClassTrain} train / ${plan.perClassTest} test images per class and domain`);
  // Only the source's train split and the targets' test splits are used: each is written alone.
  const write = (domains, perClassTrain, perClassTest) =>
    generateSyntheticBenchmark({
      outDir: join(dir, 'synth5'),
      perClassTrain,
      perClassTest,
      size: 64,
      seed: 'bench-sweeps',
      domains,
      concurrency: 2,
    });
  const written = {
    domains: [
      ...(await write([source], plan.perClassTrain, 0)).domains,
      ...(await write(targets, 0, plan.perClassTest)).domains,
    ],
  };
  timings.generateSeconds = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const backbone = await loadBackbone(plan.backbone ?? 'face-api-expression');
  const cache = new FeatureCache(join(dir, 'features'));
  const reader = getReader('imagefolder');
  const featureSet = async (domain, split, views) => {
    const root = written.domains.find((d) => d.domain === domain).root;
    const samples = (await reader.read(root, { numClasses: 7 })).samples
      .filter((s) => s.split === split)
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    const items = await Promise.all(
      samples.map(async (sample) => ({
        contentHash: await sampleContentHash(sample),
        loadRgb: (size) => loadRgb(sample, size),
      })),
    );
    const extracted = await extractFeatures(backbone, items, { cache, views, batchSize: 32 });
    return {
      n: samples.length,
      dim: extracted.dim,
      features: extracted.views.original,
      flipped: extracted.views.flipped,
      labels: Int32Array.from(samples.map((s) => s.label)),
    };
  };
  const sourceSet = await featureSet(source, 'train', ['original', 'flipped']);
  const targetSets = [];
  for (const domain of targets) targetSets.push({ key: domain, set: await featureSet(domain, 'test', ['original']) });
  timings.featureSeconds = (performance.now() - t0) / 1000;
  log(`features: ${backbone.name} ${backbone.featureDim}-d, ${fmt(timings.featureSeconds)} s`);

  // The sweep's base as written; each point is the base plus its parameters, resolved as a whole (as a sweep does).
  const baseInput = {
    ...CPU_DEFAULTS,
    ...(plan.base ?? {}),
    epochs: plan.epochs,
    sourceValFraction: plan.sourceValFraction ?? 0.1,
    evalEvery: 1,
    numClasses: 7,
  };
  const base = parseTrainingConfig(baseInput);
  const { train: trainSet, val } = splitSourceValidation(sourceSet, base.sourceValFraction, plan.trainSeed);
  const points = gridPoints(plan.grid);
  const curves = [];
  t0 = performance.now();
  for (const [i, params] of points.entries()) {
    const config = parseTrainingConfig(applyParameters(baseInput, params));
    const curve = {
      params,
      sourceVal: [],
      targetMean: [],
      targets: Object.fromEntries(targets.map((d) => [d, []])),
      seconds: [],
    };
    const started = performance.now();
    await train({
      config,
      seed: plan.trainSeed,
      train: trainSet,
      val,
      targets: targetSets,
      onEpoch: (metrics, _checkpoint, _isBest, evaluations) => {
        if (evaluations.length !== targets.length)
          throw new Error(`epoch ${metrics.epoch}: ${evaluations.length} target scores`);
        curve.sourceVal.push(100 * metrics.sourceValAccuracy);
        for (const e of evaluations) curve.targets[e.key].push(100 * e.metrics.accuracy);
        curve.targetMean.push((100 * evaluations.reduce((sum, e) => sum + e.metrics.accuracy, 0)) / evaluations.length);
        curve.seconds.push(metrics.seconds);
      },
    });
    curve.wallSeconds = (performance.now() - started) / 1000;
    curves.push(curve);
    const s = selected(curve);
    log(
      `grid ${i + 1}/${points.length} ${JSON.stringify(params)}: source-val best ${fmt(s.sourceVal)} at epoch ${s.epoch}, target mean there ${fmt(s.targetMean)} (${fmt(curve.wallSeconds)} s)`,
    );
  }
  timings.trainSeconds = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const replays = replayAll(curves, {
    grid: plan.grid,
    seeds: plan.seeds,
    workers: plan.workers,
    rule: plan.rule,
    startupTrials: plan.startupTrials,
    candidates: plan.candidates,
    tolerance: plan.tolerance,
  });
  timings.replaySeconds = (performance.now() - t0) / 1000;

  emit({
    backend: selection.backend,
    backbone: { name: backbone.name, dim: backbone.featureDim },
    source,
    targets,
    counts: {
      train: trainSet.n,
      val: val?.n ?? 0,
      targets: Object.fromEntries(targetSets.map((t) => [t.key, t.set.n])),
    },
    epochs: plan.epochs,
    trainSeed: plan.trainSeed,
    config: base,
    timings,
    // Per grid point: its selection, and its per-epoch curves as space-separated percentages (to keep the raw JSON
    // short; enough to replay any searcher again).
    grid: curves.map((c) => {
      const s = selected(c);
      return {
        params: c.params,
        selectedEpoch: s.epoch,
        sourceVal: round(s.sourceVal, 2),
        targetMean: round(s.targetMean, 2),
        lastTargetMean: round(c.targetMean[c.targetMean.length - 1], 2),
        seconds: round(c.wallSeconds, 2),
        sourceValCurve: c.sourceVal.map((v) => v.toFixed(2)).join(' '),
        targetMeanCurve: c.targetMean.map((v) => v.toFixed(2)).join(' '),
      };
    }),
    replays,
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}

function fmt(v) {
  return v == null ? 'n/a' : v.toFixed(2);
}
