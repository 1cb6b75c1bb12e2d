import * as tf from '@tensorflow/tfjs';
import { gatherRows } from '../../ops/gather-rows.op';
import { softmaxCrossEntropy } from './softmax-cross-entropy';

/**
 * Self-Cure Network (Wang et al., CVPR 2020; official code `kaiwang960112/Self-Cure-Network`, src/train.py) on a
 * batch of pooled trunk features. Attention alpha = sigmoid(Linear(C -> 1)(x)); logits = alpha * fc(x).
 */
export interface ScnHyperparameters {
  /** Share of the batch in the high-importance group: its floor(B * beta) largest alphas. */
  beta: number;
  /** Rank-regularisation margin between the two groups' mean alphas. */
  margin1: number;
  /** Relabelling margin: max softmax - softmax at the label. */
  margin2: number;
}

export const SCN_DEFAULTS: ScnHyperparameters = { beta: 0.7, margin1: 0.15, margin2: 0.2 };

export interface ScnParameters {
  fcWeight: tf.Tensor2D; // [K, C], PyTorch layout
  fcBias: tf.Tensor1D; // [K]
  alphaWeight: tf.Tensor2D; // [1, C]
  alphaBias: tf.Tensor1D; // [1]
}

export function scnForward(features: tf.Tensor2D, p: ScnParameters): { alpha: tf.Tensor1D; logits: tf.Tensor2D } {
  return tf.tidy(() => {
    const alpha = tf.sigmoid(tf.add(tf.matMul(features, p.alphaWeight, false, true), p.alphaBias)) as tf.Tensor2D; // [B, 1]
    const logits = tf.mul(alpha, tf.add(tf.matMul(features, p.fcWeight, false, true), p.fcBias)) as tf.Tensor2D;
    return { alpha: tf.reshape(alpha, [-1]) as tf.Tensor1D, logits };
  });
}

/**
 * CE(logits, labels) + max(0, mean alpha of the B - floor(B*beta) lowest - mean alpha of the floor(B*beta) highest
 * + margin1). The groups are chosen on the values (no gradient through the choice), as torch.topk's indices are.
 */
export function scnLoss(
  features: tf.Tensor2D,
  labels: tf.Tensor1D,
  p: ScnParameters,
  h: ScnHyperparameters,
): tf.Scalar {
  return tf.tidy(() => {
    const { alpha, logits } = scnForward(features, p);
    const batch = features.shape[0];
    const tops = Math.floor(batch * h.beta);
    if (tops < 1 || tops >= batch) throw new Error(`scn: beta ${h.beta} leaves an empty group in a batch of ${batch}`);
    const values = alpha.dataSync();
    const order = tf.tensor1d(
      Array.from(values.keys()).sort((a, b) => values[b] - values[a]),
      'int32',
    ); // descending
    // gatherRows, not tf.gather: the same values, and a gradient the wasm backend can run.
    const high = tf.mean(gatherRows(alpha, tf.slice(order, [0], [tops]) as tf.Tensor1D));
    const low = tf.mean(gatherRows(alpha, tf.slice(order, [tops], [batch - tops]) as tf.Tensor1D));
    const rankRegularisation = tf.relu(tf.add(tf.sub(low, high), h.margin1));
    return tf.add(softmaxCrossEntropy(logits, labels), rankRegularisation) as tf.Scalar;
  });
}

/** The relabel rule: the predicted class where max softmax - softmax at the label > margin2, else the label. */
export function scnRelabel(logits: tf.Tensor2D, labels: Int32Array, margin2: number): Int32Array {
  const probabilities = tf.tidy(() => tf.softmax(logits)).arraySync() as number[][];
  return Int32Array.from(labels, (label, row) => {
    const p = probabilities[row];
    let predicted = 0;
    for (let k = 1; k < p.length; k++) if (p[k] > p[predicted]) predicted = k;
    return p[predicted] - p[label] > margin2 ? predicted : label;
  });
}
