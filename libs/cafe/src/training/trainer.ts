import * as tf from '@tensorflow/tfjs';
import type { EpochMetrics, EvaluationMetrics, TrainingConfig } from '@fer/contracts';
import { AdamOptimizer } from '../optim/adam.optimizer';
import { buildBatch } from './batch-builder';
import { buildModel, CafeModel } from '../model/cafe-model';
import type { SharedFrozenBranch } from '../model/shared-frozen';
import { CafeCheckpoint, deserializeCheckpoint, serializeCheckpoint } from '../model/checkpoint';
import { drawDropMask } from '../head/drop-mask';
import { classificationMetrics, predictClasses } from './evaluator';
import { ExponentialLrScheduler } from '../optim/exponential-lr.scheduler';
import { FeatureSet, selectRows, validateFeatureSet } from '../data/feature-set';
import { nextImageBatch } from '../data/split-images';
import type { ForwardMode } from '../mask-nets/mask-net';
import type { StepContext } from '../methods/method';
import { loadTrunkWeights } from '../weights/load-trunk-weights';
import type { CheckpointTensor, WeightsReport } from '@fer/weights';
import { assignVariables, readVariables } from '../model/model-parameters';
import { SeededRandom } from '@fer/contracts';

export interface StepProgress {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  lossTotal: number;
}

/** One target's scores at one epoch (eval mode, the model as it stands after that epoch). */
export interface TargetEvaluation {
  key: string;
  metrics: EvaluationMetrics;
}

export interface TrainOptions {
  config: TrainingConfig;
  seed: number;
  train: FeatureSet;
  /** Source-validation split: its accuracy is reported every epoch. */
  val?: FeatureSet;
  /** A checkpoint (or its bytes): training continues after its epoch and ends exactly as an uninterrupted run. */
  resumeFrom?: Uint8Array | CafeCheckpoint;
  /**
   * Test domains scored during training (DomainBed's per-epoch evaluation): at every `evalEvery`-th epoch, the last
   * epoch and every new source-val best, so each selection's epoch is scored and the oracle is the best stored epoch.
   */
  targets?: { key: string; set: FeatureSet }[];
  /** More epochs to score the targets at (an early-stopping rule's rungs, so a run stopped there has its scores). */
  scoreEpochs?: readonly number[];
  /** `augment.frozenPath: shared`: the frozen model, run on every batch the mask net sees (train and scoring). */
  frozen?: SharedFrozenBranch;
  /**
   * After every epoch: its metrics, the serialized checkpoint, whether it beats every earlier epoch on source-val, and
   * the target scores of this epoch (empty when it is not an evaluation epoch).
   */
  onEpoch?(metrics: EpochMetrics, checkpoint: Uint8Array, isBestSourceVal: boolean, evaluations: TargetEvaluation[]): Promise<void> | void;
  /** Checked between steps (cancellation): the loop returns `{ stopped: true }` with the last epoch's checkpoint. */
  shouldStop?(): boolean;
  onStep?(progress: StepProgress): void;
  /**
   * `augment.frozenPath: recompute`: the training features of each epoch (same rows and labels as `train`, the
   * frozen model re-run on augmented images). Must depend on (seed, epoch) only, so a resumed run sees the same.
   */
  featuresForEpoch?(epoch: number): Promise<FeatureSet>;
  /**
   * The state dict of `config.trunkWeights`, as read by the caller (who confines the path): loaded into the model's
   * ResNet-18 trunk as load_state_dict(strict=False) before the first epoch (a resumed run has it in its checkpoint).
   */
  trunkWeights?: { file: string; tensors: ReadonlyMap<string, CheckpointTensor> };
}

export interface TrainResult {
  stopped: boolean;
  /** Epochs trained by this call. */
  epochs: EpochMetrics[];
  /** All epochs of the run, including those before a resume. */
  history: EpochMetrics[];
  /** The last epoch's serialized checkpoint (null when stopped before the first epoch ended). */
  checkpoint: Uint8Array | null;
  backend: string;
  /** What loading `trunkWeights` did (null when none was loaded by this call). */
  weightsReport: WeightsReport | null;
}

/** Independent of the training stream, so the subset does not shift when other settings change. */
const SUBSET_SALT = 0x5bd1e995;

/**
 * Trains a config on feature sets (features in memory; pixels, for image-space mask nets, streamed per batch). Seeded: the same seed gives the same numbers on the same backend
 * (init, shuffling, drop masks and augmentations all come from one SeededRandom whose state is checkpointed).
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config, seed } = options;
  validateFeatureSet(options.train, config.numClasses, 'train');
  if (options.val) validateFeatureSet(options.val, config.numClasses, 'val');
  if (options.val && options.val.dim !== options.train.dim) throw new Error(`val has ${options.val.dim}-d features, train ${options.train.dim}-d`);
  for (const target of options.targets ?? []) {
    validateFeatureSet(target.set, config.numClasses, `target ${target.key}`);
    if (target.set.dim !== options.train.dim) throw new Error(`target ${target.key} has ${target.set.dim}-d features, train ${options.train.dim}-d`);
  }
  const data = capSamples(options.train, config.maxTrainSamples, seed);
  const resumed = options.resumeFrom instanceof Uint8Array ? deserializeCheckpoint(options.resumeFrom) : options.resumeFrom;
  // frozenPath shared: the features come from the frozen branch each step; the sets hold images alone.
  const featureDim = options.frozen?.featureDim ?? data.dim;
  if (resumed) checkResumable(resumed, config, seed, featureDim);

  const rng = new SeededRandom(seed);
  const model = buildModel(config, featureDim, rng, options.frozen);
  let weightsReport: WeightsReport | null = null;
  if (config.trunkWeights && !resumed) {
    if (!options.trunkWeights) {
      model.dispose();
      throw new Error(`config.trunkWeights names ${config.trunkWeights} but no state dict was given to train()`);
    }
    try {
      weightsReport = loadTrunkWeights(model.parameters, options.trunkWeights.tensors, options.trunkWeights.file);
    } catch (error) {
      model.dispose();
      throw error;
    }
  }
  const optimizer = new AdamOptimizer(model.parameters, config.optimizer);
  const scheduler = new ExponentialLrScheduler(optimizer, config.optimizer.gamma);
  const history: EpochMetrics[] = resumed ? [...resumed.history] : [];
  let bestSourceVal = resumed?.bestSourceValAccuracy ?? null;
  if (resumed) {
    assignVariables(model.parameters, resumed.parameters);
    optimizer.setState(resumed.optimizer);
    optimizer.lr = resumed.learningRate;
    scheduler.epoch = resumed.epoch;
    rng.setState(resumed.randomState);
    if (resumed.methodState) model.method.setState?.(resumed.methodState);
  }
  const epochs: EpochMetrics[] = [];
  let last: Uint8Array | null = null;
  const trainable = model.parameters.filter((p) => p.trainable).map((p) => p.variable);
  const stepsPerEpoch = Math.ceil(data.n / config.batchSize);

  try {
    for (let epoch = (resumed?.epoch ?? 0) + 1; epoch <= config.epochs; epoch++) {
      const started = performance.now();
      const learningRate = optimizer.lr;
      const epochData = options.featuresForEpoch ? { ...capSamples(await epochFeatures(options, epoch, data), config.maxTrainSamples, seed), images: data.images } : data;
      const order = rng.permutation(data.n);
      const sums = { total: 0, ce: 0, diverse: 0, separation: 0, correct: 0 };
      // Image-space mask nets read this epoch's pixels in its shuffled order, one batch per step (read ahead by the source).
      const images = model.method.needsImages && data.images ? data.images.batches(order, config.batchSize) : null;
      try {
        for (let step = 0; step < stepsPerEpoch; step++) {
          if (options.shouldStop?.()) return { stopped: true, epochs, history, checkpoint: last, backend: tf.getBackend(), weightsReport };
          const rows = order.subarray(step * config.batchSize, Math.min((step + 1) * config.batchSize, data.n));
          const pixels = images ? await nextImageBatch(images, rows.length, data.images!.size) : undefined;
          const values = trainStep(model, optimizer, trainable, epochData, rows, rng, pixels, epoch);
          // Loss terms are batch means: weight them by batch size for exact epoch means.
          sums.total += values[0] * rows.length;
          sums.ce += values[1] * rows.length;
          sums.diverse += values[2] * rows.length;
          sums.separation += values[3] * rows.length;
          sums.correct += values[4];
          options.onStep?.({ epoch, step: step + 1, stepsPerEpoch, lossTotal: values[0] });
          // Yield to the event loop between steps: a worker renews its queue lock and reads cancel flags here.
          await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        await images?.return?.();
      }
      scheduler.step();
      const sourceValAccuracy = options.val ? classificationMetrics(options.val.labels, await predictClasses(model, options.val), config.numClasses).accuracy : null;
      const isBest = sourceValAccuracy !== null && (bestSourceVal === null || sourceValAccuracy > bestSourceVal);
      if (isBest) bestSourceVal = sourceValAccuracy;
      const metrics: EpochMetrics = {
        epoch,
        lossTotal: sums.total / data.n,
        lossCE: sums.ce / data.n,
        lossDiverse: sums.diverse / data.n,
        lossSeparation: sums.separation / data.n,
        trainAccuracy: sums.correct / data.n,
        sourceValAccuracy,
        learningRate,
        seconds: (performance.now() - started) / 1000,
      };
      epochs.push(metrics);
      history.push(metrics);
      last = serializeCheckpoint({
        config,
        seed,
        epoch,
        featureDim,
        parameters: readVariables(model.parameters),
        optimizer: optimizer.getState(),
        learningRate: optimizer.lr,
        randomState: rng.getState(),
        ...(model.method.getState ? { methodState: model.method.getState() } : {}),
        ...(weightsReport ?? resumed?.trunkWeightsReport ? { trunkWeightsReport: weightsReport ?? resumed?.trunkWeightsReport } : {}),
        bestSourceValAccuracy: bestSourceVal,
        history,
        backend: tf.getBackend(),
      });
      const evaluations: TargetEvaluation[] = [];
      if (isTargetEvaluationEpoch(epoch, config, isBest) || options.scoreEpochs?.includes(epoch)) {
        for (const target of options.targets ?? []) {
          const predictions = await predictClasses(model, target.set);
          evaluations.push({ key: target.key, metrics: classificationMetrics(target.set.labels, predictions, config.numClasses) });
        }
      }
      await options.onEpoch?.(metrics, last, isBest, evaluations);
    }
    return { stopped: false, epochs, history, checkpoint: last, backend: tf.getBackend(), weightsReport };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** Whether the targets are scored after `epoch`: every `evalEvery`-th, the last, and every new source-val best. */
export function isTargetEvaluationEpoch(epoch: number, config: TrainingConfig, isBestSourceVal: boolean): boolean {
  return epoch % config.evalEvery === 0 || epoch === config.epochs || isBestSourceVal;
}

/** One optimisation step; returns [total, ce, diverse, separation, correct]. */
function trainStep(
  model: CafeModel,
  optimizer: AdamOptimizer,
  trainable: tf.Variable[],
  data: FeatureSet,
  rows: Int32Array,
  rng: SeededRandom,
  pixels: Uint8Array | undefined,
  epoch: number,
): Float32Array {
  const { config, method } = model;
  const mode: ForwardMode = { training: true, stateUpdates: [] };
  const datasetLabels = Int32Array.from(rows, (r) => data.labels[r]);
  // Methods that relabel (SCN) train on their labels; the sample indices tell them which rows these are.
  const context: StepContext = { epoch, rows, labels: method.trainingLabels?.(rows, datasetLabels) ?? datasetLabels, rng };
  // variableGrads frees every tensor its function made except the loss: what we must read afterwards is kept.
  let kept: tf.Tensor[] = [];
  let keptLogits: tf.Tensor | null = null;
  const result = tf.tidy(() => {
    const { batch } = buildBatch(data, rows, config, method, rng, pixels, model.frozen);
    const labels = tf.tensor1d(context.labels, 'int32');
    const oneHot = tf.cast(tf.oneHot(labels, config.numClasses), 'float32') as tf.Tensor2D;
    const dropMask = method.needsDropMask ? tf.tensor1d(drawDropMask(rng, model.featureDim, config.numClasses, config.dropRatio)) : null;
    const { value, grads } = tf.variableGrads(() => {
      const { terms, logits } = method.loss(batch, oneHot, dropMask, mode, context);
      const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
      kept = [terms.ce, terms.diverse, terms.separation, correct].map((t) => tf.keep(t));
      if (method.afterStep) keptLogits = tf.keep(logits);
      return terms.total;
    }, trainable);
    optimizer.apply(grads);
    for (const update of mode.stateUpdates!) update.variable.assign(update.value);
    return tf.stack([value, ...kept]);
  });
  tf.dispose(kept);
  tf.dispose(mode.stateUpdates!.map((u) => u.value));
  const values = result.dataSync() as Float32Array;
  result.dispose();
  if (keptLogits) {
    const logits = keptLogits as tf.Tensor;
    method.afterStep!(context, logits.dataSync() as Float32Array);
    logits.dispose();
  }
  return values;
}

async function epochFeatures(options: TrainOptions, epoch: number, reference: FeatureSet): Promise<FeatureSet> {
  const set = await options.featuresForEpoch!(epoch);
  validateFeatureSet(set, options.config.numClasses, `features of epoch ${epoch}`);
  if (set.n !== options.train.n || set.dim !== options.train.dim || set.labels.some((label, i) => label !== options.train.labels[i])) {
    throw new Error(`features of epoch ${epoch} must have the rows, labels and width of the training set (${reference.n} × ${reference.dim})`);
  }
  return set;
}

function capSamples(set: FeatureSet, max: number, seed: number): FeatureSet {
  if (max <= 0 || set.n <= max) return set;
  const rows = new SeededRandom(seed ^ SUBSET_SALT).permutation(set.n).subarray(0, max).sort();
  return selectRows(set, rows);
}

function checkResumable(checkpoint: CafeCheckpoint, config: TrainingConfig, seed: number, featureDim: number): void {
  const comparable = (c: TrainingConfig) => JSON.stringify({ ...c, epochs: 0 });
  if (comparable(checkpoint.config) !== comparable(config)) throw new Error('cannot resume: the checkpoint was trained with another config (only epochs may change)');
  if (checkpoint.seed !== seed) throw new Error(`cannot resume: the checkpoint has seed ${checkpoint.seed}, the run ${seed}`);
  if (checkpoint.featureDim !== featureDim) throw new Error(`cannot resume: the checkpoint expects ${checkpoint.featureDim}-d features, the data has ${featureDim}-d`);
}
