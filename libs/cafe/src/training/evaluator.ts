import * as tf from '@tensorflow/tfjs';
import type { EvaluationMetrics } from '@fer/contracts';
import { buildBatch } from './batch-builder';
import { CafeModel, modelFromCheckpoint } from '../model/cafe-model';
import type { SharedFrozenBranch } from '../model/shared-frozen';
import { CafeCheckpoint, deserializeCheckpoint } from '../model/checkpoint';
import { FeatureSet, validateFeatureSet } from '../data/feature-set';
import { nextImageBatch } from '../data/split-images';

/**
 * Predicted class of every row: argmax of the FC logits, or of the group maxima for `head: group-max`. Image-space
 * models read the pixels batch by batch from the set's image source.
 */
export async function predictClasses(model: CafeModel, set: FeatureSet): Promise<Int32Array> {
  const batchSize = model.method.needsImages ? 32 : 512;
  const predictions = new Int32Array(set.n);
  const order = Int32Array.from({ length: set.n }, (_, i) => i);
  const images = model.method.needsImages && set.images ? set.images.batches(order, batchSize) : null;
  try {
    for (let start = 0; start < set.n; start += batchSize) {
      const rows = order.subarray(start, Math.min(start + batchSize, set.n));
      const pixels = images ? await nextImageBatch(images, rows.length, set.images!.size) : undefined;
      const predicted = tf.tidy(() => {
        const { batch } = buildBatch(set, rows, model.config, model.method, undefined, pixels, model.frozen);
        return tf.argMax(model.method.logits(batch, { training: false }), 1);
      });
      predictions.set(predicted.dataSync() as Int32Array, start);
      predicted.dispose();
    }
  } finally {
    await images?.return?.();
  }
  return predictions;
}

/** Accuracy, per-class accuracy (recall), macro-F1 over the classes present, confusion[true][predicted]. */
export function classificationMetrics(labels: Int32Array, predictions: Int32Array, numClasses: number): EvaluationMetrics {
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  labels.forEach((label, i) => confusion[label][predictions[i]]++);
  const actual = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const predicted = confusion.map((_, k) => confusion.reduce((sum, row) => sum + row[k], 0));
  const correct = confusion.reduce((sum, row, k) => sum + row[k], 0);
  const perClassAccuracy = confusion.map((row, k) => (actual[k] ? row[k] / actual[k] : 0));
  const present = confusion.map((_, k) => actual[k] + predicted[k] > 0);
  const f1 = confusion.map((row, k) => (row[k] === 0 ? 0 : (2 * row[k]) / (actual[k] + predicted[k])));
  const macroF1 = f1.filter((_, k) => present[k]).reduce((a, b) => a + b, 0) / Math.max(1, present.filter(Boolean).length);
  return { accuracy: labels.length ? correct / labels.length : 0, perClassAccuracy, macroF1, confusion, n: labels.length };
}

/** Evaluates a model, a checkpoint or serialized checkpoint bytes on a feature set (original view, eval mode). */
export async function evaluate(source: CafeModel | CafeCheckpoint | Uint8Array, set: FeatureSet, frozen?: SharedFrozenBranch): Promise<EvaluationMetrics> {
  const checkpoint = source instanceof Uint8Array ? deserializeCheckpoint(source) : 'method' in source ? null : source;
  const model = checkpoint ? modelFromCheckpoint(checkpoint, frozen) : (source as CafeModel);
  try {
    if (!model.frozen && model.featureDim !== set.dim) {
      throw new Error(`the model expects ${model.featureDim}-d features, the dataset gives ${set.dim}-d (another backbone?)`);
    }
    validateFeatureSet(set, model.config.numClasses, 'evaluation set');
    return classificationMetrics(set.labels, await predictClasses(model, set), model.config.numClasses);
  } finally {
    if (checkpoint) model.dispose();
  }
}

/** Evaluates serialized checkpoint bytes (the worker's entry point). */
export function evaluateCheckpoint(bytes: Uint8Array, set: FeatureSet, frozen?: SharedFrozenBranch): Promise<EvaluationMetrics> {
  return evaluate(bytes, set, frozen);
}
