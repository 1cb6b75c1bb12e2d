import * as tf from '@tensorflow/tfjs';
import { softmaxCrossEntropy } from './softmax-cross-entropy';

/**
 * Erasing Attention Consistency (Zhang et al., ECCV 2022; official code `zyh-uaiaaaa/Erasing-Attention-Consistency`,
 * src/loss.py): the class activation maps of an image and of its flipped (and erased) copy must agree once the second
 * is flipped back. The official flip is `grid_sample` on a mirrored grid (bilinear, border, align_corners=True); with
 * align_corners each output column samples exactly input column W-1-x, so it is a reverse along W.
 */
export const EAC_DEFAULTS = { lambda: 5 };

/** [B, K, H, W] heatmaps mirrored left-right, as the official flip grid does. */
export function flipHeatmaps(heatmaps: tf.Tensor4D): tf.Tensor4D {
  return tf.reverse(heatmaps, 3);
}

/** CE(logits, labels) + lambda * mean((heatmap - flip(heatmapFlipped))^2). */
export function eacLoss(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  heatmap: tf.Tensor4D,
  heatmapFlipped: tf.Tensor4D,
  lambda: number,
): tf.Scalar {
  return tf.tidy(() => {
    const consistency = tf.mean(tf.square(tf.sub(heatmap, flipHeatmaps(heatmapFlipped))));
    return tf.add(softmaxCrossEntropy(logits, labels), tf.mul(lambda, consistency)) as tf.Scalar;
  });
}
