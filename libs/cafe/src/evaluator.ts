import * as tf from '@tensorflow/tfjs';
import type { EvaluationMetrics } from '@fer/contracts';
import { forward, ModelShape, parameterSpecs } from './cafe-model';
import { deserializeCheckpoint } from './checkpoint';
import type { FeatureSet } from './feature-set';

const BATCH = 256;

/** Predicted class of every row (FC head, or group maxima for `head: group-max`). */
export function predict(shape: ModelShape, params: tf.Variable[], set: FeatureSet): Int32Array {
  const predictions = new Int32Array(set.n);
  for (let start = 0; start < set.n; start += BATCH) {
    const count = Math.min(BATCH, set.n - start);
    const batch = tf.tidy(() => {
      const features = tf.tensor2d(set.features.subarray(start * set.dim, (start + count) * set.dim), [count, set.dim]);
      return tf.argMax(forward(shape, params, features).logits, 1);
    });
    predictions.set(batch.dataSync() as Int32Array, start);
    batch.dispose();
  }
  return predictions;
}

/** Accuracy, per-class accuracy, macro-F1 and confusion[true][predicted]. */
export function classificationMetrics(labels: Int32Array, predictions: Int32Array, numClasses: number): EvaluationMetrics {
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  labels.forEach((label, i) => confusion[label][predictions[i]]++);
  const correct = confusion.reduce((sum, row, k) => sum + row[k], 0);
  const perClassAccuracy = confusion.map((row, k) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[k] / total : 0;
  });
  const f1 = confusion.map((row, k) => {
    const truePositive = row[k];
    const predicted = confusion.reduce((sum, r) => sum + r[k], 0);
    const actual = row.reduce((a, b) => a + b, 0);
    return truePositive === 0 ? 0 : (2 * truePositive) / (predicted + actual);
  });
  const present = confusion.map((row, k) => row.reduce((a, b) => a + b, 0) > 0 || confusion.some((r) => r[k] > 0));
  const macroF1 = f1.filter((_, k) => present[k]).reduce((a, b) => a + b, 0) / Math.max(1, present.filter(Boolean).length);
  return { accuracy: labels.length ? correct / labels.length : 0, perClassAccuracy, macroF1, confusion, n: labels.length };
}

/** Evaluates a serialized checkpoint on a feature set. */
export function evaluateCheckpoint(bytes: Uint8Array, set: FeatureSet): EvaluationMetrics {
  const checkpoint = deserializeCheckpoint(bytes);
  if (checkpoint.shape.featureDim !== set.dim) {
    throw new Error(`checkpoint expects ${checkpoint.shape.featureDim}-d features, the dataset gives ${set.dim}-d (another backbone?)`);
  }
  const params = restoreParameters(checkpoint.shape, checkpoint.params);
  try {
    return classificationMetrics(set.labels, predict(checkpoint.shape, params, set), checkpoint.shape.numClasses);
  } finally {
    params.forEach((p) => p.dispose());
  }
}

export function checkpointEpoch(bytes: Uint8Array): number {
  return deserializeCheckpoint(bytes).epoch;
}

export function restoreParameters(shape: ModelShape, values: Float32Array[]): tf.Variable[] {
  return parameterSpecs(shape).map((spec, i) => tf.variable(tf.tensor(values[i], spec.shape), true, `${spec.name}.${Math.random()}`));
}
