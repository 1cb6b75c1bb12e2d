import * as tf from '@tensorflow/tfjs';
import type { EpochMetrics, TrainingConfig } from '@fer/contracts';
import { AdamOptimizer } from '../optim/adam.optimizer';
import { buildBatch } from './batch-builder';
import { buildModel, CafeModel } from '../model/cafe-model';
import { CafeCheckpoint, deserializeCheckpoint, serializeCheckpoint } from '../model/checkpoint';
import { drawDropMask } from '../head/drop-mask';
import { classificationMetrics, predictClasses } from './evaluator';
import { ExponentialLrScheduler } from '../optim/exponential-lr.scheduler';
import { FeatureSet, selectRows, validateFeatureSet } from '../data/feature-set';
import { nextImageBatch } from '../data/split-images';
import type { ForwardMode } from '../mask-nets/mask-net';
import { assignVariables, readVariables } from '../model/model-parameters';
import { SeededRandom } from '@fer/contracts';

export interface StepProgress {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  lossTotal: number;
}

export interface TrainOptions {
  config: TrainingConfig;
  seed: number;
  train: FeatureSet;
  /** Source-validation split: its accuracy is reported every epoch. */
  val?: FeatureSet;
  /** A checkpoint (or its bytes): training continues after its epoch and ends exactly as an uninterrupted run. */
  resumeFrom?: Uint8Array | CafeCheckpoint;
  /** After every epoch: its metrics, the serialized checkpoint, and whether it beats every earlier epoch on source-val. */
  onEpoch?(metrics: EpochMetrics, checkpoint: Uint8Array, isBestSourceVal: boolean): Promise<void> | void;
  /** Checked between steps (cancellation): the loop returns `{ stopped: true }` with the last epoch's checkpoint. */
  shouldStop?(): boolean;
  onStep?(progress: StepProgress): void;
  /**
   * `augment.frozenPath: recompute`: the training features of each epoch (same rows and labels as `train`, the
   * frozen model re-run on augmented images). Must depend on (seed, epoch) only, so a resumed run sees the same.
   */
  featuresForEpoch?(epoch: number): Promise<FeatureSet>;
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
  const data = capSamples(options.train, config.maxTrainSamples, seed);
  const resumed = options.resumeFrom instanceof Uint8Array ? deserializeCheckpoint(options.resumeFrom) : options.resumeFrom;
  if (resumed) checkResumable(resumed, config, seed, data.dim);

  const rng = new SeededRandom(seed);
  const model = buildModel(config, data.dim, rng);
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
          if (options.shouldStop?.()) return { stopped: true, epochs, history, checkpoint: last, backend: tf.getBackend() };
          const rows = order.subarray(step * config.batchSize, Math.min((step + 1) * config.batchSize, data.n));
          const pixels = images ? await nextImageBatch(images, rows.length, data.images!.size) : undefined;
          const values = trainStep(model, optimizer, trainable, epochData, rows, rng, pixels);
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
        featureDim: data.dim,
        parameters: readVariables(model.parameters),
        optimizer: optimizer.getState(),
        learningRate: optimizer.lr,
        randomState: rng.getState(),
        bestSourceValAccuracy: bestSourceVal,
        history,
        backend: tf.getBackend(),
      });
      await options.onEpoch?.(metrics, last, isBest);
    }
    return { stopped: false, epochs, history, checkpoint: last, backend: tf.getBackend() };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
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
): Float32Array {
  const { config } = model;
  const mode: ForwardMode = { training: true, stateUpdates: [] };
  // variableGrads frees every tensor its function made except the loss: what we must read afterwards is kept.
  let kept: tf.Tensor[] = [];
  const result = tf.tidy(() => {
    const { batch, labels } = buildBatch(data, rows, config, model.method, rng, pixels);
    const oneHot = tf.cast(tf.oneHot(labels, config.numClasses), 'float32') as tf.Tensor2D;
    const dropMask = model.method.needsDropMask ? tf.tensor1d(drawDropMask(rng, data.dim, config.numClasses, config.dropRatio)) : null;
    const { value, grads } = tf.variableGrads(() => {
      const { terms, logits } = model.method.loss(batch, oneHot, dropMask, mode);
      const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
      kept = [terms.ce, terms.diverse, terms.separation, correct].map((t) => tf.keep(t));
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
