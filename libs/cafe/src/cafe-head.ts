import * as tf from '@tensorflow/tfjs';
import type { SeededRandom } from './random';

/**
 * The CAFE head, as in the official `ours_CAFE.py` (supervisor, Mask, my_MaxPool2d), for any C and K:
 * the C channels are cut into K groups of floor(C/K); channels past K*groupSize are not pooled.
 */
export function groupSize(channels: number, numClasses: number): number {
  const size = Math.floor(channels / numClasses);
  if (size < 1) throw new Error(`CAFE needs at least one channel per class: ${channels} channels, ${numClasses} classes`);
  return size;
}

/** x = f * sigmoid(m): the mask selects expression channels of the frozen features. */
export function maskFeatures(features: tf.Tensor2D, maskLogits: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(features, tf.sigmoid(maskLogits));
}

/** Max over each class group: [B, C] → [B, K]. */
export function groupMax(x: tf.Tensor2D, numClasses: number): tf.Tensor2D {
  const [batch, channels] = x.shape;
  const size = groupSize(channels, numClasses);
  const pooled = x.slice([0, 0], [batch, numClasses * size]).reshape([batch, numClasses, size]);
  return tf.max(pooled, 2) as tf.Tensor2D;
}

/** Channel-diverse loss: 1 - mean(group maxima) / groupSize. */
export function diverseLoss(x: tf.Tensor2D, numClasses: number): tf.Scalar {
  return tf.sub(1, tf.div(tf.mean(groupMax(x, numClasses)), groupSize(x.shape[1], numClasses))) as tf.Scalar;
}

/** Separation loss: cross-entropy on the group maxima after dropping channels (dropMask: 1 keep, 0 drop). */
export function separationLoss(x: tf.Tensor2D, dropMask: tf.Tensor1D, targets: tf.Tensor1D, numClasses: number): tf.Scalar {
  return crossEntropy(groupMax(tf.mul(x, dropMask) as tf.Tensor2D, numClasses), targets, numClasses);
}

/** Mean softmax cross-entropy (PyTorch's F.cross_entropy). */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, numClasses: number): tf.Scalar {
  const logProbabilities = tf.logSoftmax(logits);
  return tf.neg(tf.mean(tf.sum(tf.mul(logProbabilities, tf.oneHot(targets, numClasses)), 1))) as tf.Scalar;
}

/**
 * The official drop mask: per group, a fixed share of channels (10 of 73 in the paper) set to 0 at random
 * positions, drawn anew each step; channels past the pooled groups are kept.
 */
export function drawDropMask(channels: number, numClasses: number, dropRatio: number, random: SeededRandom): Float32Array {
  const size = groupSize(channels, numClasses);
  const dropPerGroup = Math.floor(size * dropRatio);
  const mask = new Float32Array(channels).fill(1);
  for (let k = 0; k < numClasses; k++) {
    const order = random.permutation(size);
    for (let i = 0; i < dropPerGroup; i++) mask[k * size + order[i]] = 0;
  }
  return mask;
}

export interface HeadLosses {
  ce: tf.Scalar;
  diverse: tf.Scalar;
  separation: tf.Scalar;
  total: tf.Scalar;
}

/** total = CE + λd·diverse + λs·separation; a λ of 0 removes its term (and its cost). */
export function cafeLosses(
  x: tf.Tensor2D,
  logits: tf.Tensor2D,
  targets: tf.Tensor1D,
  dropMask: tf.Tensor1D,
  options: { numClasses: number; lambdaDiverse: number; lambdaSeparation: number },
): HeadLosses {
  const ce = crossEntropy(logits, targets, options.numClasses);
  const diverse = options.lambdaDiverse > 0 ? diverseLoss(x, options.numClasses) : tf.scalar(0);
  const separation = options.lambdaSeparation > 0 ? separationLoss(x, dropMask, targets, options.numClasses) : tf.scalar(0);
  const total = tf.addN([ce, tf.mul(options.lambdaDiverse, diverse), tf.mul(options.lambdaSeparation, separation)]) as tf.Scalar;
  return { ce, diverse, separation, total };
}
