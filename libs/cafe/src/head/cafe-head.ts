import * as tf from '@tensorflow/tfjs';

/** Channels per class group in the official code: floor(C / K); channels past K * groupSize are not pooled. */
export function groupSizeOf(channels: number, numClasses: number): number {
  const size = Math.floor(channels / numClasses);
  if (size < 1) throw new Error(`cannot split ${channels} channels into ${numClasses} class groups`);
  return size;
}

/** The sigmoid mask: x = f * sigmoid(m). */
export function applySigmoidMask(features: tf.Tensor2D, maskLogits: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(features, tf.sigmoid(maskLogits));
}

/**
 * Class-group max pooling [B, C] -> [B, K]: logit k is the max of channels [k*g, (k+1)*g). The gradient goes to
 * the first maximal channel only, like PyTorch's max_pool2d (TF.js' own max gradient would split it among ties,
 * which happen here when the drop mask zeroes channels).
 */
export function groupMax(x: tf.Tensor2D, numClasses: number): tf.Tensor2D {
  const [batch, channels] = x.shape;
  const g = groupSizeOf(channels, numClasses);
  const grouped = (t: tf.Tensor): tf.Tensor3D =>
    tf.reshape(g * numClasses === channels ? t : tf.slice(t, [0, 0], [batch, g * numClasses]), [batch, numClasses, g]);
  const pool = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([input]);
    return {
      value: tf.max(grouped(input), 2),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // int32 one-hot then cast: the wasm backend's float32 oneHot writes integer bit patterns (tfjs 4.22)
        const winners = tf.cast(tf.oneHot(tf.reshape(tf.argMax(grouped(saved[0]), 2), [-1]), g), 'float32');
        const spread = tf.reshape(tf.mul(winners, tf.reshape(dy, [-1, 1])), [batch, numClasses * g]);
        return numClasses * g === channels ? spread : tf.pad(spread, [[0, 0], [0, channels - numClasses * g]]);
      },
    };
  });
  return pool(x) as tf.Tensor2D;
}

/** Mean softmax cross-entropy, as nn.CrossEntropyLoss(). */
export function crossEntropy(logits: tf.Tensor2D, oneHotTargets: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHotTargets, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** Channel-diverse loss of the official code: 1 - mean(group maxima) / groupSize. */
export function diverseLoss(groupLogits: tf.Tensor2D, groupSize: number): tf.Scalar {
  return tf.sub(1, tf.div(tf.mean(groupLogits), groupSize)) as tf.Scalar;
}

/** Separation loss: cross-entropy on the group maxima after dropping channels with `dropMask` [C]. */
export function separationLoss(masked: tf.Tensor2D, dropMask: tf.Tensor1D, oneHotTargets: tf.Tensor2D, numClasses: number): tf.Scalar {
  return crossEntropy(groupMax(tf.mul(masked, dropMask), numClasses), oneHotTargets);
}

export interface CafeLossWeights {
  lambdaDiverse: number;
  lambdaSeparation: number;
}

export interface CafeLossTerms {
  total: tf.Scalar;
  ce: tf.Scalar;
  diverse: tf.Scalar;
  separation: tf.Scalar;
}

/**
 * total = CE(classifier logits) + λd·diverse + λs·separation. A term whose λ is 0 is not computed at all
 * (reported as 0), so ablations also save the work; `dropMask` may be null only when λs is 0.
 */
export function cafeLoss(args: {
  masked: tf.Tensor2D;
  logits: tf.Tensor2D;
  oneHotTargets: tf.Tensor2D;
  dropMask: tf.Tensor1D | null;
  numClasses: number;
  weights: CafeLossWeights;
}): CafeLossTerms {
  const { masked, logits, oneHotTargets, dropMask, numClasses, weights } = args;
  const ce = crossEntropy(logits, oneHotTargets);
  let total: tf.Scalar = ce;
  let diverse: tf.Scalar = tf.scalar(0);
  let separation: tf.Scalar = tf.scalar(0);
  if (weights.lambdaDiverse !== 0) {
    diverse = diverseLoss(groupMax(masked, numClasses), groupSizeOf(masked.shape[1], numClasses));
    total = tf.add(total, tf.mul(weights.lambdaDiverse, diverse));
  }
  if (weights.lambdaSeparation !== 0) {
    if (!dropMask) throw new Error('separation loss needs a drop mask');
    separation = separationLoss(masked, dropMask, oneHotTargets, numClasses);
    total = tf.add(total, tf.mul(weights.lambdaSeparation, separation));
  }
  return { total, ce, diverse, separation };
}
