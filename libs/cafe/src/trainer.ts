import * as tf from '@tensorflow/tfjs';
import type { EpochMetrics, TrainingConfig } from '@fer/contracts';
import { TorchAdam, exponentialLr } from './adam.optimizer';
import { cafeLosses, drawDropMask } from './cafe-head';
import { forward, initialParameters, modelShape } from './cafe-model';
import { Checkpoint, deserializeCheckpoint, serializeCheckpoint } from './checkpoint';
import { classificationMetrics, predict, restoreParameters } from './evaluator';
import { FeatureSet, gatherRows } from './feature-set';
import { SeededRandom } from './random';

export interface TrainOptions {
  config: TrainingConfig;
  seed: number;
  train: FeatureSet;
  val?: FeatureSet;
  /** A serialized checkpoint: training continues after its epoch and ends exactly as an uninterrupted run. */
  resumeFrom?: Uint8Array;
  /** After every epoch: its metrics and a checkpoint; `isBestSourceVal` when it beats every earlier epoch on source-val. */
  onEpoch?(metrics: EpochMetrics, checkpoint: Uint8Array, isBestSourceVal: boolean): Promise<void>;
  /** Checked between steps (cancellation): the loop returns `{ stopped: true }` and frees its tensors. */
  shouldStop?(): boolean;
}

export interface TrainResult {
  stopped: boolean;
  epochs: EpochMetrics[];
  checkpoint: Uint8Array | null;
}

/** CAFE training over cached frozen features (the CPU config): seeded, resumable, leak-free. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config, train: data } = options;
  const resumed: Checkpoint | undefined = options.resumeFrom ? deserializeCheckpoint(options.resumeFrom) : undefined;
  const shape = modelShape(config, data.dim);
  const random = new SeededRandom(resumed?.randomState ?? options.seed);
  const params = resumed ? restoreParameters(resumed.shape, resumed.params) : initialParameters(shape, random);
  const adam = new TorchAdam(params, { ...config.optimizer, weightDecay: config.optimizer.weightDecay });
  if (resumed) adam.setState(resumed.adam);
  let bestSourceVal = resumed?.bestSourceValAccuracy ?? null;
  const epochs: EpochMetrics[] = [];
  let last: Uint8Array | null = null;
  const usesHeadLosses = config.method === 'cafe' && (config.useMask || config.head === 'group-max');

  try {
    for (let epoch = (resumed?.epoch ?? 0) + 1; epoch <= config.epochs; epoch++) {
      const started = performance.now();
      const lr = exponentialLr(config.optimizer.lr, config.optimizer.gamma, epoch - 1);
      const order = random.permutation(data.n);
      const sums = { total: 0, ce: 0, diverse: 0, separation: 0, correct: 0, batches: 0 };
      for (let start = 0; start < data.n; start += config.batchSize) {
        if (options.shouldStop?.()) return { stopped: true, epochs, checkpoint: last };
        const rows = order.subarray(start, Math.min(start + config.batchSize, data.n));
        const batch = gatherBatch(data, rows, config.augment.flip, random);
        const dropMask = drawDropMask(data.dim, config.numClasses, config.dropRatio, random);
        // Tensors made inside variableGrads are freed when it returns: the loss terms and the hit count it must
        // report are kept explicitly and freed after they are read.
        let kept: tf.Tensor[] = [];
        const step = tf.tidy(() => {
          const features = tf.tensor2d(batch.features, [rows.length, data.dim]);
          const targets = tf.tensor1d(batch.labels, 'int32');
          const drop = tf.tensor1d(dropMask);
          const { value, grads } = tf.variableGrads(() => {
            const out = forward(shape, params, features);
            const terms = cafeLosses(out.x, out.logits, targets, drop, {
              numClasses: config.numClasses,
              lambdaDiverse: usesHeadLosses ? config.lambdaDiverse : 0,
              lambdaSeparation: usesHeadLosses ? config.lambdaSeparation : 0,
            });
            const correct = tf.sum(tf.cast(tf.equal(tf.argMax(out.logits, 1), targets), 'float32'));
            kept = [terms.ce, terms.diverse, terms.separation, correct].map((t) => tf.keep(t));
            return terms.total;
          }, params);
          adam.apply(params.map((p) => grads[p.name]), lr);
          return tf.stack([value, ...kept]);
        });
        kept.forEach((t) => t.dispose());
        const [total, ce, diverse, separation, correct] = (await step.data()) as Float32Array;
        step.dispose();
        sums.total += total;
        sums.ce += ce;
        sums.diverse += diverse;
        sums.separation += separation;
        sums.correct += correct;
        sums.batches++;
        // Yield to the event loop every step: queue locks are renewed and cancel flags read between steps.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const sourceValAccuracy = options.val ? classificationMetrics(options.val.labels, predict(shape, params, options.val), config.numClasses).accuracy : null;
      const isBest = sourceValAccuracy !== null && (bestSourceVal === null || sourceValAccuracy > bestSourceVal);
      if (isBest) bestSourceVal = sourceValAccuracy;
      const metrics: EpochMetrics = {
        epoch,
        lossTotal: sums.total / sums.batches,
        lossCE: sums.ce / sums.batches,
        lossDiverse: sums.diverse / sums.batches,
        lossSeparation: sums.separation / sums.batches,
        trainAccuracy: sums.correct / data.n,
        sourceValAccuracy,
        learningRate: lr,
        seconds: (performance.now() - started) / 1000,
      };
      last = serializeCheckpoint({
        config,
        shape,
        seed: options.seed,
        epoch,
        randomState: random.state,
        bestSourceValAccuracy: bestSourceVal,
        params: params.map((p) => p.dataSync() as Float32Array),
        adam: adam.getState(),
      });
      epochs.push(metrics);
      await options.onEpoch?.(metrics, last, isBest);
    }
    return { stopped: false, epochs, checkpoint: last };
  } finally {
    adam.dispose();
    params.forEach((p) => p.dispose());
  }
}

/** A batch's rows; with the flip augmentation each row takes its mirrored view with probability 1/2. */
function gatherBatch(data: FeatureSet, rows: Int32Array, flip: boolean, random: SeededRandom): { features: Float32Array; labels: Int32Array } {
  const features = gatherRows(data.features, rows, data.dim);
  if (flip && data.flipped) {
    for (let i = 0; i < rows.length; i++) {
      if (random.next() < 0.5) features.set(data.flipped.subarray(rows[i] * data.dim, rows[i] * data.dim + data.dim), i * data.dim);
    }
  }
  return { features, labels: Int32Array.from(rows, (r) => data.labels[r]) };
}
