import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_BACKBONE, SeededRandom, parseTrainingConfig, type EpochMetrics } from '@fer/contracts';
import { readStateDict, SafetensorsFile } from '@fer/weights';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { selectBackend, type BackendSelection } from '../backends/backend';
import { loadBackbone } from '../backbones/backbone.registry';
import { clipVitOnOnnx, readClipVitWeights } from '../backbones/clip-vit.backbone';
import {
  resolveFrozenEngine,
  type FrozenEngine,
  type FrozenEngineChoice,
} from '../backbones/onnx/frozen-engine';
import { embedImages } from '../backbones/embed-images';
import type { FeatureSet } from '../data/feature-set';
import { gaussianClusters } from '../data/gaussian-clusters';
import type { ForwardMode } from '../mask-nets/mask-net';
import { createResnet18Trunk } from '../mask-nets/resnet18.mask-net';
import { deserializeCheckpoint } from '../model/checkpoint';
import { disposeVariables } from '../model/model-parameters';
import { GOLDEN_TOLERANCES, GoldenComparison, maxRelativeError } from '../parity/golden-compare';
import { runAdamTrace, runHeadFixture } from '../parity/golden-parity';
import { runMethodLoss } from '../parity/method-loss-parity';
import { train } from '../training/trainer';
import { loadTrunkWeights, trunkVariableName } from '../weights/load-trunk-weights';

/**
 * `fer worker selftest` and a worker's boot check (FER_SELFTEST=boot): on the backend that loaded, the PyTorch golden
 * files with the parity specs' tolerances, a 3-step training run with a checkpoint resume, and a frozen-feature batch.
 * Every check is caught: a broken file or kernel is a FAIL line naming it, never a crash. Timings are informative only.
 */

/** The committed fixtures (libs/cafe/fixtures), found from src/ and dist/ alike. */
export const DEFAULT_FIXTURES_DIR = resolve(__dirname, '..', '..', 'fixtures');
export const DEFAULT_GOLDEN_DIR = join(DEFAULT_FIXTURES_DIR, 'golden');

/**
 * The golden files a complete checkout has (relative to the golden dir): a missing one fails the selftest, so a
 * partial copy cannot pass on fewer checks. Any other matching file found there is run too.
 */
export const GOLDEN_FILES = {
  head: ['head-clip512-k7.json', 'head-face128-k7.json'],
  adamTrace: ['adam-trace-c64-k7.json'],
  methods: [
    'methods/eac-b2-k7-h4-w4.json',
    'methods/eac-b3-k8-h5-w6.json',
    'methods/eac-b4-k7-h7-w7.json',
    'methods/rul-b32-d64-k7.json',
    'methods/rul-b6-d10-k8.json',
    'methods/rul-b8-d16-k7.json',
    'methods/scn-b10-c24-k8.json',
    'methods/scn-b32-c64-k7.json',
    'methods/scn-b8-c16-k7.json',
  ],
} as const;

export type SelftestStatus = 'PASS' | 'FAIL';

export interface SelftestSpeed {
  value: number;
  /** e.g. `samples/s`, `images/s`. */
  unit: string;
}

export interface SelftestCheck {
  name: string;
  status: SelftestStatus;
  /** What was checked and how close it came; on FAIL, what differed (file, field, both values), one item a line. */
  detail: string;
  seconds: number;
  speed?: SelftestSpeed;
}

export interface SelftestReport {
  backend: string;
  /** e.g. `CPU (wasm, SIMD, 1 thread)`, `GPU (tfjs-node-gpu): NVIDIA H200`. */
  device: string;
  /**
   * Where frozen features are computed (FER_FROZEN_ENGINE resolved): `tfjs (wasm)` or the ONNX Runtime line, e.g.
   * `onnx (onnxruntime-node 1.23.0, cuda > cpu, 16 threads)`; `none` when the engine asked for does not load.
   */
  frozenEngine: string;
  goldenDir: string;
  checks: SelftestCheck[];
  /** Things worth knowing that are not checks (a check skipped, a hint after a failure). */
  notes: string[];
  pass: boolean;
  seconds: number;
}

export interface SelftestOptions {
  /** `auto` or a backend name, as FER_BACKEND; default: `auto`. */
  backend?: string;
  /** The folder of head-*.json, adam-trace-*.json and methods/*.json; default: the committed fixtures/golden. */
  goldenDir?: string;
  /** The folder holding weights/ (ResNet-18 forward) and clip-tiny/ (CLIP forward); default: the committed fixtures. */
  fixturesDir?: string;
  /** The frozen model of the feature batch; default: the platform default (face-api-expression). */
  backbone?: string;
  /** A clip-vit-b32 .safetensors: when given, a batch goes through it too, on the frozen engine. */
  clipWeights?: string;
  /** Where CLIP runs, as FER_FROZEN_ENGINE (`auto`: ONNX Runtime when it loads); default `auto`. */
  frozenEngine?: FrozenEngineChoice;
  /** ONNX Runtime's threads, as FER_FROZEN_THREADS (default: the cores this process may use). */
  frozenThreads?: number;
  /** The GPU as nvidia-smi knows it (index or UUID, as CUDA_VISIBLE_DEVICES), to name it in `device`. */
  cudaDevice?: string;
  /** Each line of the terminal report as it is known: the header, one per check as it ends, the verdict. */
  onLine?(line: string): void;
}

/** Mismatches listed in a FAIL detail (the rest are counted). */
const MAX_LISTED = 5;

export async function runSelftest(options: SelftestOptions = {}): Promise<SelftestReport> {
  const started = performance.now();
  const goldenDir = resolve(options.goldenDir ?? DEFAULT_GOLDEN_DIR);
  const fixturesDir = resolve(options.fixturesDir ?? DEFAULT_FIXTURES_DIR);
  const backboneName = options.backbone ?? DEFAULT_BACKBONE;
  const checks: SelftestCheck[] = [];
  const notes: string[] = [];
  const emit = (line: string) => options.onLine?.(line);

  let selection: BackendSelection;
  try {
    selection = await selectBackend({ override: options.backend ?? 'auto' });
  } catch (error) {
    const check: SelftestCheck = { name: 'backend', status: 'FAIL', detail: message(error), seconds: 0 };
    const report: SelftestReport = {
      backend: 'none',
      device: 'none',
      frozenEngine: 'none',
      goldenDir,
      checks: [check],
      notes,
      pass: false,
      seconds: elapsed(started),
    };
    formatSelftestReport(report).split('\n').forEach(emit);
    return report;
  }
  const device = await describeDevice(selection, options.cudaDevice);
  const tinyClip = join(fixturesDir, 'clip-tiny');
  let engine: FrozenEngine | null = null;
  let frozenEngine: string;
  let engineError = '';
  try {
    engine = resolveFrozenEngine(options.frozenEngine ?? 'auto');
    frozenEngine =
      engine === 'onnx' ? await describeOnnx(tinyClip, options.frozenThreads) : `tfjs (${selection.backend})`;
  } catch (error) {
    engineError = message(error);
    frozenEngine = 'none';
  }
  header(selection.backend, device, frozenEngine, goldenDir).forEach(emit);

  const tensorsBefore = tf.memory().numTensors;
  const run = async (name: string, body: () => Promise<Omit<SelftestCheck, 'name' | 'seconds'>>) => {
    const t0 = performance.now();
    let check: SelftestCheck;
    try {
      check = { name, ...(await body()), seconds: elapsed(t0) };
    } catch (error) {
      check = { name, status: 'FAIL', detail: message(error), seconds: elapsed(t0) };
    }
    checks.push(check);
    emit(formatCheckLine(check));
  };

  await run('parity: CAFE head', async () => goldenResult(checkHeadFiles(goldenDir)));
  await run('parity: Adam + ExponentialLR trace', async () => goldenResult(checkAdamTraces(goldenDir)));
  await run('parity: SCN / RUL / EAC losses', async () => goldenResult(checkMethodLosses(goldenDir)));
  await run('parity: ResNet-18 trunk forward', () => checkTrunkForward(join(fixturesDir, 'weights')));
  // TF.js always (the in-graph path, augment.frozenPath shared), ONNX Runtime too when it is the frozen engine.
  await run('parity: CLIP ViT forward (tiny, tfjs)', () => checkClipTiny(tinyClip, 'tfjs'));
  if (engine === 'onnx')
    await run('parity: CLIP ViT forward (tiny, onnx)', () => checkClipTiny(tinyClip, 'onnx', options.frozenThreads));
  if (engineError) checks.push(failed('frozen engine', engineError, emit));
  await run('training: 3 steps + resume', () => checkTraining());
  const load = { engine: engine ?? 'tfjs', threads: options.frozenThreads };
  await run(`frozen features: ${backboneName}`, () => checkFrozenBatch(backboneName, load, 8));
  if (options.clipWeights && engine) {
    const clip = { ...load, weightsPath: options.clipWeights };
    await run(`frozen features: clip-vit-b32 (${engine})`, () => checkFrozenBatch('clip-vit-b32', clip, 4));
  } else if (!options.clipWeights && backboneName !== 'clip-vit-b32') {
    notes.push(
      'no clip-vit-b32 batch: no CLIP weights file given (fer worker selftest --clip-weights, FER_SELFTEST_CLIP_WEIGHTS)',
    );
  }
  await run('memory: no tensors left behind', async () => {
    const left = tf.memory().numTensors - tensorsBefore;
    return left === 0
      ? { status: 'PASS', detail: `${tf.memory().numTensors} tensors before and after` }
      : { status: 'FAIL', detail: `${left} more tensors after the checks than before (a kernel or check leaks)` };
  });

  const pass = checks.every((c) => c.status === 'PASS');
  if (!pass && selection.backend === 'tensorflow' && /GPU/.test(device)) {
    notes.push(
      'on Ampere and newer GPUs TensorFlow computes float32 matmuls and convolutions in TF32 by default, which misses ' +
        'these tolerances: rerun with NVIDIA_TF32_OVERRIDE=0 to tell that apart from a broken kernel',
    );
  }
  const report: SelftestReport = {
    backend: selection.backend,
    device,
    frozenEngine,
    goldenDir,
    checks,
    notes,
    pass,
    seconds: elapsed(started),
  };
  footer(report).forEach(emit);
  return report;
}

// ---------------------------------------------------------------------------------------------------------------
// Golden files

interface GoldenOutcome {
  files: number;
  comparison: GoldenComparison;
}

function goldenResult({ files, comparison }: GoldenOutcome): Omit<SelftestCheck, 'name' | 'seconds'> {
  if (comparison.ok) {
    const worst = comparison.worstPath
      ? `; worst ${(comparison.worstRatio * 100).toPrecision(2)}% of tolerance at ${comparison.worstPath}`
      : '';
    return {
      status: 'PASS',
      detail: `${files} file${files === 1 ? '' : 's'}, ${comparison.compared} numbers within tolerance${worst}`,
    };
  }
  const listed = comparison.mismatches.slice(0, MAX_LISTED).map((m) => `${m.path}: ${m.message}`);
  const more = comparison.mismatches.length - listed.length;
  return {
    status: 'FAIL',
    detail: [...listed, ...(more > 0 ? [`... and ${more} more mismatches`] : [])].join('\n'),
  };
}

/** The files of one kind: the required ones (missing ones recorded as mismatches) plus any other match found. */
function goldenFiles(
  goldenDir: string,
  required: readonly string[],
  subdir: string,
  pattern: RegExp,
  comparison: GoldenComparison,
): string[] {
  if (!existsSync(goldenDir) || !statSync(goldenDir).isDirectory()) {
    comparison.fail(goldenDir, 'golden directory does not exist');
    return [];
  }
  const folder = join(goldenDir, subdir);
  const found = existsSync(folder)
    ? readdirSync(folder)
        .filter((f) => pattern.test(f))
        .map((f) => (subdir ? `${subdir}/${f}` : f))
    : [];
  for (const file of required)
    if (!found.includes(file)) comparison.fail(file, `missing golden file (looked in ${goldenDir})`);
  return found.sort();
}

/** A golden file's JSON; a read or parse error is recorded and gives undefined. */
function readGolden(
  goldenDir: string,
  file: string,
  comparison: GoldenComparison,
): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(join(goldenDir, file), 'utf8');
  } catch (error) {
    comparison.fail(file, `cannot read: ${message(error)}`);
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    comparison.fail(file, `not valid JSON: ${message(error)}`);
    return undefined;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    comparison.fail(file, 'not a golden file: expected a JSON object');
    return undefined;
  }
  return json as Record<string, unknown>;
}

/** Runs one file's check; an error thrown by the model code (a malformed field) is that file's mismatch. */
function guarded(file: string, comparison: GoldenComparison, body: () => void): void {
  try {
    body();
  } catch (error) {
    comparison.fail(file, message(error));
  }
}

function objectAt(json: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = json[key];
  if (value === null || typeof value !== 'object') throw new Error(`field "${key}" must be an object`);
  return value as Record<string, unknown>;
}

/** golden-parity.spec.ts, head files: every output, values to 1e-5 relative, gradients to 1e-4 absolute. */
export function checkHeadFiles(goldenDir: string): GoldenOutcome {
  const comparison = new GoldenComparison();
  const files = goldenFiles(goldenDir, GOLDEN_FILES.head, '', /^head-.*\.json$/, comparison);
  for (const file of files) {
    const json = readGolden(goldenDir, file, comparison);
    if (!json) continue;
    guarded(file, comparison, () => {
      const { grad, ...values } = objectAt(json, 'outputs');
      const result = runHeadFixture(json) as unknown as Record<string, unknown>;
      const keys = (o: object) => Object.keys(o).sort().join(', ');
      if (keys(result) !== keys(objectAt(json, 'outputs'))) {
        comparison.fail(`${file} outputs`, `keys ${keys(objectAt(json, 'outputs'))}, computed ${keys(result)}`);
      }
      comparison.compare(result, values, `${file} outputs`, GOLDEN_TOLERANCES.values);
      comparison.compare(result.grad, grad, `${file} outputs.grad`, GOLDEN_TOLERANCES.gradients);
    });
  }
  return { files: files.length, comparison };
}

/** golden-parity.spec.ts, Adam traces with host and tensor execution: losses 1e-5 relative, parameters 1e-4 absolute. */
export function checkAdamTraces(goldenDir: string): GoldenOutcome {
  const comparison = new GoldenComparison();
  const files = goldenFiles(goldenDir, GOLDEN_FILES.adamTrace, '', /^adam-trace-.*\.json$/, comparison);
  for (const file of files) {
    const json = readGolden(goldenDir, file, comparison);
    if (!json) continue;
    for (const execution of ['host', 'tensor'] as const) {
      guarded(`${file} (${execution})`, comparison, () => {
        const expected = json.trace;
        if (!Array.isArray(expected)) throw new Error('field "trace" must be an array');
        const { trace } = runAdamTrace(json, execution);
        if (trace.length !== expected.length) {
          comparison.fail(`${file} trace`, `${trace.length} steps computed, ${expected.length} golden`);
          return;
        }
        trace.forEach((step, i) => {
          const { lossTotal, ...params } = expected[i] as Record<string, unknown>;
          const path = `${file} (${execution}) trace[${i}]`;
          comparison.compare(step.lossTotal, lossTotal, `${path}.lossTotal`, GOLDEN_TOLERANCES.values);
          comparison.compare(step, params, path, GOLDEN_TOLERANCES.gradients);
        });
      });
    }
  }
  return { files: files.length, comparison };
}

/** method-loss-parity.spec.ts: loss and gradients to 1e-5 relative, SCN's relabelled samples exactly. */
export function checkMethodLosses(goldenDir: string): GoldenOutcome {
  const comparison = new GoldenComparison();
  const files = goldenFiles(goldenDir, GOLDEN_FILES.methods, 'methods', /^(scn|rul|eac)-.*\.json$/, comparison);
  for (const file of files) {
    const golden = readGolden(goldenDir, file, comparison);
    if (!golden) continue;
    guarded(file, comparison, () => {
      const outputs = objectAt(golden, 'outputs');
      const result = runMethodLoss({ method: golden.method, config: golden.config, inputs: golden.inputs });
      comparison.compare(result.loss, outputs.loss, `${file} outputs.loss`, GOLDEN_TOLERANCES.values);
      const grads = objectAt(outputs, 'grads');
      for (const name of Object.keys(grads)) {
        comparison.compare(result.grads[name], grads[name], `${file} outputs.grads.${name}`, GOLDEN_TOLERANCES.values);
      }
      if (Array.isArray(outputs.relabeled)) {
        comparison.compareExact(result.relabeled, outputs.relabeled as number[], `${file} outputs.relabeled`);
      }
    });
  }
  return { files: files.length, comparison };
}

// ---------------------------------------------------------------------------------------------------------------
// Model forwards written by PyTorch


/**
 * load-trunk-weights.spec.ts: a torchvision ResNet-18 state dict in the TF.js trunk; pooled features in eval and train
 * mode and the BatchNorm running statistics after the train-mode forward, all to 1e-4 (relative above 1).
 */
async function checkTrunkForward(folder: string): Promise<Omit<SelftestCheck, 'name' | 'seconds'>> {
  const reference = new Map<string, { shape: number[]; values: Float32Array }>();
  const file = await SafetensorsFile.open(join(folder, 'resnet18-forward.safetensors'));
  try {
    for (const name of file.entries.keys()) reference.set(name, await file.readFloat32(name));
  } finally {
    await file.close();
  }
  const tensors = await readStateDict(join(folder, 'resnet18-forward.pth'));
  const input = reference.get('input');
  if (!input) throw new Error(`${folder}/resnet18-forward.safetensors has no "input" tensor`);
  const failures: string[] = [];
  let worst = 0;
  // One trunk for both phases: a train-mode forward returns its BatchNorm updates without assigning them.
  const trunk = createResnet18Trunk(new SeededRandom(1));
  try {
    loadTrunkWeights(trunk.parameters, tensors, 'resnet18-forward.pth');
    for (const phase of ['eval', 'train'] as const) {
      const mode: ForwardMode = { training: phase === 'train', stateUpdates: [] };
      let pooled: tf.Tensor | undefined;
      try {
        pooled = tf.tidy(() => {
          const images = tf.transpose(
            tf.tensor4d(input.values, input.shape as [number, number, number, number]),
            [0, 2, 3, 1],
          ) as tf.Tensor4D;
          return trunk.pooled(images, mode);
        });
        const expected = reference.get(`${phase}.pooled`);
        if (!expected) throw new Error(`no "${phase}.pooled" tensor in the reference`);
        const error = maxRelativeError(await pooled.data(), expected.values);
        worst = Math.max(worst, error);
        if (!(error <= 1e-4))
          failures.push(
            `${phase}-mode pooled features differ from PyTorch by ${error.toPrecision(3)} (tolerance 1e-4)`,
          );
        if (phase === 'train') {
          const updated = new Map(mode.stateUpdates!.map((u) => [u.variable, u.value]));
          let compared = 0;
          for (const [key, stats] of reference) {
            const match = /^train\.(.*running_(mean|var))$/.exec(key);
            if (!match) continue;
            const variable = trunk.parameters.find((p) => p.name === trunkVariableName(match[1]))?.variable;
            const value = variable && updated.get(variable);
            if (!value) {
              failures.push(`${match[1]}: no running statistic updated by the train-mode forward`);
              continue;
            }
            const statError = maxRelativeError(await value.data(), stats.values);
            worst = Math.max(worst, statError);
            if (!(statError <= 1e-4))
              failures.push(`${match[1]} after the train-mode forward differs by ${statError.toPrecision(3)}`);
            compared++;
          }
          if (compared === 0) failures.push('the reference holds no BatchNorm running statistics');
        }
      } finally {
        tf.dispose(
          [pooled, ...(mode.stateUpdates ?? []).map((u) => u.value)].filter((t): t is tf.Tensor => t !== undefined),
        );
      }
    }
  } finally {
    disposeVariables(trunk.parameters);
  }
  return failures.length
    ? { status: 'FAIL', detail: failures.slice(0, MAX_LISTED).join('\n') }
    : {
        status: 'PASS',
        detail: `eval and train mode, BatchNorm statistics: max error ${worst.toExponential(1)} (tolerance 1e-4)`,
      };
}

/**
 * The tiny CLIP vision tower against PyTorch's embeddings: on TF.js to 1e-4 absolute (clip-vit.backbone.spec.ts), on
 * ONNX Runtime to 1e-4 relative above 1 (frozen-engine.spec.ts).
 */
async function checkClipTiny(
  folder: string,
  engine: FrozenEngine,
  threads?: number,
): Promise<Omit<SelftestCheck, 'name' | 'seconds'>> {
  const expected = JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8')) as {
    images: { shape: [number, number, number, number]; data: number[] };
    embeddings: number[][];
  };
  const backbone = await loadBackbone('clip-vit-b32', {
    weightsPath: join(folder, 'model.safetensors'),
    engine,
    threads,
  });
  try {
    const [count, size] = expected.images.shape;
    const values = await embedImages(backbone, Uint8Array.from(expected.images.data), count, size);
    const dim = values.length / count;
    const rows = Array.from({ length: count }, (_, i) => Array.from(values.subarray(i * dim, (i + 1) * dim)));
    if (engine === 'onnx') {
      const error = maxRelativeError(values, expected.embeddings.flat());
      return error <= 1e-4
        ? { status: 'PASS', detail: `${count} images, max error ${error.toExponential(1)} (tolerance 1e-4)` }
        : {
            status: 'FAIL',
            detail: `clip-tiny/expected.json embeddings: ONNX Runtime differs from PyTorch by ${error.toPrecision(3)} (tolerance 1e-4)`,
          };
    }
    const comparison = new GoldenComparison();
    comparison.compare(rows, expected.embeddings, 'clip-tiny/expected.json embeddings', { absolute: 1e-4 });
    if (!comparison.ok) return goldenResult({ files: 1, comparison });
    return {
      status: 'PASS',
      detail: `${count} images, worst ${(comparison.worstRatio * 100).toPrecision(2)}% of tolerance 1e-4`,
    };
  } finally {
    backbone.dispose();
  }
}

/** The ONNX Runtime line (providers, threads, why not CUDA) of a session on the tiny tower; `onnx` if that fails. */
async function describeOnnx(tinyClip: string, threads?: number): Promise<string> {
  try {
    const backbone = await clipVitOnOnnx(await readClipVitWeights(join(tinyClip, 'model.safetensors')), { threads });
    try {
      return backbone.describe();
    } finally {
      backbone.dispose();
    }
  } catch {
    return 'onnx';
  }
}


// ---------------------------------------------------------------------------------------------------------------
// Training and frozen features

/** K Gaussian clusters with a perturbed flipped view (one seed for centres and rows, as the selftest always drew them). */
const syntheticSet = (n: number, dim: number, numClasses: number): FeatureSet => gaussianClusters(n, dim, { seed: 20240914, centresSeed: 20240914, numClasses });

/**
 * The platform's default training (cafe, mlp mask net on cached 512-d features): epoch 1 is a 3-step run whose losses
 * must be finite; its checkpoint, resumed, must give exactly the second epoch an uninterrupted run gives.
 */
async function checkTraining(): Promise<Omit<SelftestCheck, 'name' | 'seconds'>> {
  const batchSize = 32;
  const steps = 3;
  const config = parseTrainingConfig({ epochs: 2, batchSize, evalEvery: 1000 });
  const data = syntheticSet(steps * batchSize, 512, config.numClasses);
  const losses: number[] = [];
  const checkpoints: Uint8Array[] = [];
  const straight = await train({
    config,
    seed: 7,
    train: data,
    onStep: (p) => void losses.push(p.lossTotal),
    onEpoch: (_m, checkpoint) => void checkpoints.push(checkpoint),
  });
  const failures: string[] = [];
  if (losses.length !== 2 * steps) failures.push(`${losses.length} steps ran, expected ${2 * steps}`);
  const bad = losses.findIndex((l) => !Number.isFinite(l));
  if (bad >= 0) failures.push(`step ${bad + 1}: loss is ${losses[bad]}`);
  if (checkpoints.length !== 2 || !straight.checkpoint)
    failures.push(`${checkpoints.length} epoch checkpoints, expected 2`);
  if (failures.length) return { status: 'FAIL', detail: failures.join('\n') };

  const resumed = await train({ config, seed: 7, train: data, resumeFrom: checkpoints[0] });
  const withoutTime = (epochs: EpochMetrics[]) => JSON.stringify(epochs.map(({ seconds: _s, ...rest }) => rest));
  if (withoutTime(resumed.epochs) !== withoutTime(straight.epochs.slice(1))) {
    failures.push(
      `epoch 2 resumed from the epoch-1 checkpoint: loss ${resumed.epochs[0]?.lossTotal}, uninterrupted ${straight.epochs[1].lossTotal}`,
    );
  }
  const a = deserializeCheckpoint(straight.checkpoint!).parameters;
  const b = deserializeCheckpoint(resumed.checkpoint!).parameters;
  const differing = a.filter((p, i) => p.name !== b[i]?.name || !p.data.every((v, j) => Object.is(v, b[i].data[j])));
  if (differing.length)
    failures.push(
      `after the resumed epoch, ${differing.map((p) => p.name).join(', ')} differ from the uninterrupted run`,
    );
  if (failures.length) return { status: 'FAIL', detail: failures.join('\n') };
  const warm = straight.epochs[1].seconds;
  return {
    status: 'PASS',
    detail: `losses ${losses
      .slice(0, steps)
      .map((l) => l.toFixed(3))
      .join(', ')}; resume from the epoch-1 checkpoint reproduces epoch 2 exactly`,
    speed: { value: data.n / warm, unit: 'samples/s' },
  };
}

/** Deterministic face-sized test images: smooth gradients with noise, RGB bytes. */
function syntheticImages(count: number, size: number): Uint8Array {
  const rng = new SeededRandom(99);
  const pixels = new Uint8Array(count * size * size * 3);
  for (let i = 0; i < count; i++) {
    const phase = rng.uniform(0, Math.PI * 2);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) {
          const wave = Math.sin((x + y * (c + 1)) / (4 + i) + phase);
          const value = 128 + 80 * wave + 20 * rng.normal();
          pixels[((i * size + y) * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(value)));
        }
      }
    }
  }
  return pixels;
}

/**
 * One batch through a frozen model on its engine, twice: the right shape, finite, not constant, the same both times (to
 * 1e-5 of the feature scale) and one image alone the same as in the batch (1e-4 of it). The speed is the warm pass.
 */
async function checkFrozenBatch(
  name: string,
  load: { weightsPath?: string; engine?: FrozenEngine; threads?: number },
  count: number,
): Promise<Omit<SelftestCheck, 'name' | 'seconds'>> {
  const backbone = await loadBackbone(name, load);
  try {
    const size = backbone.inputSize;
    const dim = backbone.featureDim;
    const pixels = syntheticImages(count, size);
    const first = await embedImages(backbone, pixels, count, size);
    const t0 = performance.now();
    const second = await embedImages(backbone, pixels, count, size);
    const warm = elapsed(t0);
    const alone = await embedImages(backbone, pixels.slice(size * size * 3, 2 * size * size * 3), 1, size);

    const failures: string[] = [];
    if (first.length !== count * dim) failures.push(`${first.length} values out, expected ${count} x ${dim}`);
    const nonFinite = first.findIndex((v) => !Number.isFinite(v));
    if (nonFinite >= 0) failures.push(`feature ${nonFinite} is ${first[nonFinite]}`);
    const scale = first.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    if (!(scale > 0)) failures.push('every feature is 0');
    const repeat = maxAbsDiff(first, second);
    if (!(repeat <= 1e-5 * Math.max(1, scale)))
      failures.push(`two passes over the same batch differ by ${repeat.toPrecision(3)}`);
    const batching = maxAbsDiff(alone, first.subarray(dim, 2 * dim));
    if (!(batching <= 1e-4 * Math.max(1, scale))) {
      failures.push(`image 2 alone differs from its row in the batch by ${batching.toPrecision(3)}`);
    }
    if (failures.length) return { status: 'FAIL', detail: failures.join('\n') };
    return {
      status: 'PASS',
      detail:
        `${count} images of ${size} px -> ${dim}-d on ${backbone.engine ?? 'tfjs'}, finite; passes ` +
        `${repeat === 0 ? 'bitwise equal' : `within ${repeat.toExponential(1)}`}; alone vs batched within ${batching.toExponential(1)}`,
      speed: { value: count / warm, unit: 'images/s' },
    };
  } finally {
    backbone.dispose();
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  return worst;
}

// ---------------------------------------------------------------------------------------------------------------
// Device and report

/** The backend's device, made specific: wasm's SIMD and threads, the GPU's name when nvidia-smi answers. */
export async function describeDevice(selection: BackendSelection, cudaDevice?: string): Promise<string> {
  if (selection.backend === 'wasm') {
    const simd = await tf
      .env()
      .getAsync('WASM_HAS_SIMD_SUPPORT')
      .catch(() => false);
    let threads = 1;
    try {
      threads = getThreadsCount();
    } catch {
      // older bundles: single-threaded
    }
    return `CPU (wasm, ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'})`;
  }
  if (selection.backend === 'tensorflow' && /GPU/.test(selection.device)) {
    const name = gpuName(cudaDevice);
    return name ? `${selection.device}: ${name}` : selection.device;
  }
  return selection.device;
}

function gpuName(cudaDevice?: string): string | null {
  const id =
    cudaDevice
      ?.replace(/^cuda:/, '')
      .split(',')[0]
      ?.trim() || '0';
  try {
    const result = spawnSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader', '-i', id], {
      encoding: 'utf8',
      timeout: 5000,
    });
    const name = result.status === 0 ? result.stdout.trim().split('\n')[0]?.trim() : '';
    return name || null;
  } catch {
    return null;
  }
}

const NAME_WIDTH = 38;
const TIME_WIDTH = 9;
const SPEED_WIDTH = 20;

function header(backend: string, device: string, frozenEngine: string, goldenDir: string): string[] {
  return [
    `backend  ${backend}`,
    `device   ${device}`,
    `frozen   ${frozenEngine}`,
    `golden   ${goldenDir}`,
    '',
    `${'STATUS'.padEnd(7)}${'CHECK'.padEnd(NAME_WIDTH)}${'TIME'.padStart(TIME_WIDTH)}  ${'SPEED'.padEnd(SPEED_WIDTH)}  DETAIL`,
  ];
}

export function formatSpeed(speed: SelftestSpeed): string {
  const digits = speed.value >= 100 ? 0 : speed.value >= 10 ? 1 : 2;
  return `${speed.value.toFixed(digits)} ${speed.unit}`;
}

/** One table row; a multi-line detail continues on indented lines. */
export function formatCheckLine(check: SelftestCheck): string {
  const indent = ' '.repeat(7 + NAME_WIDTH + TIME_WIDTH + 2 + SPEED_WIDTH + 2);
  const [first, ...rest] = check.detail.split('\n');
  const row =
    check.status.padEnd(7) +
    check.name.padEnd(NAME_WIDTH) +
    `${check.seconds.toFixed(2)} s`.padStart(TIME_WIDTH) +
    '  ' +
    (check.speed ? formatSpeed(check.speed) : '').padEnd(SPEED_WIDTH) +
    '  ' +
    first;
  return [row, ...rest.map((line) => indent + line)].join('\n');
}

function footer(report: SelftestReport): string[] {
  const failed = report.checks.filter((c) => c.status === 'FAIL');
  return [
    ...report.notes.map((note) => `note: ${note}`),
    '',
    report.pass
      ? `PASS: ${report.checks.length} of ${report.checks.length} checks passed in ${report.seconds.toFixed(1)} s`
      : `FAIL: ${failed.length} of ${report.checks.length} checks failed (${failed.map((c) => c.name).join('; ')}) in ${report.seconds.toFixed(1)} s`,
  ];
}

/** The whole terminal report: backend and device, a PASS/FAIL row per check, notes, the verdict. */
export function formatSelftestReport(report: SelftestReport): string {
  return [
    ...header(report.backend, report.device, report.frozenEngine, report.goldenDir),
    ...report.checks.map(formatCheckLine),
    ...footer(report),
  ].join('\n');
}

/** One line for a log: verdict, backend, device and the speeds. */
export function summarizeSelftest(report: SelftestReport): string {
  const speeds = report.checks
    .filter((c) => c.speed)
    .map(
      (c) =>
        `${c.name.startsWith('frozen features: ') ? c.name.slice('frozen features: '.length) : c.name.split(':')[0]} ${formatSpeed(c.speed!)}`,
    )
    .join(', ');
  const failed = report.checks.filter((c) => c.status === 'FAIL').map((c) => c.name);
  return (
    `selftest ${report.pass ? 'PASS' : 'FAIL'} on ${report.backend}, ${report.device}, frozen engine ${report.frozenEngine}: ` +
    `${report.checks.length - failed.length} of ${report.checks.length} checks passed` +
    (failed.length ? ` (failed: ${failed.join('; ')})` : '') +
    (speeds ? `; ${speeds}` : '') +
    ` (${report.seconds.toFixed(1)} s)`
  );
}

/** A FAIL check that ran no code of its own, emitted as it is recorded. */
function failed(name: string, detail: string, emit: (line: string) => void): SelftestCheck {
  const check: SelftestCheck = { name, status: 'FAIL', detail, seconds: 0 };
  emit(formatCheckLine(check));
  return check;
}

function elapsed(since: number): number {
  return (performance.now() - since) / 1000;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
