import * as tf from '@tensorflow/tfjs';
import type { CafeLossTerms } from '../head/cafe-head';
import type { ModelBatch } from './method';

/** The batch's normalised images, which every image-space method needs. */
export function imagesOf(batch: ModelBatch, method: string): tf.Tensor4D {
  if (!batch.images) throw new Error(`${method} trains a ResNet-18 on the image: the feature set needs images`);
  return batch.images;
}

/** Loss terms of a method without CAFE's diverse and separation losses (reported as 0). */
export function plainLossTerms(total: tf.Scalar, ce: tf.Scalar): CafeLossTerms {
  return { total, ce, diverse: tf.scalar(0), separation: tf.scalar(0) };
}

/** x with no gradient flowing back (PyTorch's `.data` / `.detach()`): the identity forward, zero backward. */
export const detach: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;
