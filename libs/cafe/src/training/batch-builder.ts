import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '@fer/contracts';
import type { FeatureSet } from '../data/feature-set';
import { drawImageAugmentation, imageBatch } from '../data/image-augment';
import type { MethodModel, ModelBatch } from '../methods/method';
import type { SharedFrozenBranch } from '../model/shared-frozen';
import type { SeededRandom } from '@fer/contracts';

/**
 * Tensors for the given rows. With `rng` (training) the augmentations are drawn: each row takes its flipped
 * cached view with p = 0.5 (and, for image-space mask nets, the flipped image, noise and erasing); without it
 * (evaluation) the original view is used. Image-space mask nets also need `pixels`: the rows' images, in row order,
 * as read from `set.images` (the buffer is augmented in place). Call inside tf.tidy.
 */
export function buildBatch(
  set: FeatureSet,
  rows: Int32Array,
  config: TrainingConfig,
  model: MethodModel,
  rng?: SeededRandom,
  pixels?: Uint8Array,
  frozen?: SharedFrozenBranch,
): { batch: ModelBatch; labels: tf.Tensor1D } {
  const dim = set.dim;
  let flips: boolean[] | null = null;
  let images: tf.Tensor4D | undefined;
  if (model.needsImages) {
    if (!set.images || !pixels) throw new Error('this model needs images (image-space mask net) but the feature set has none');
    const expected = rows.length * set.images.size ** 2 * 3;
    if (pixels.length !== expected) throw new Error(`pixels of ${rows.length} rows must be ${expected} bytes, got ${pixels.length}`);
    const augmentation = rng ? drawImageAugmentation(rng, rows.length, config.imageSize, config.augment) : undefined;
    flips = augmentation?.flips ?? null;
    images = imageBatch(pixels, set.images.size, config.imageSize, augmentation, config.augment.noiseVariance);
  } else if (rng && config.augment.flip) {
    flips = Array.from(rows, () => rng.next() < 0.5);
  }
  const labels = tf.tensor1d(Int32Array.from(rows, (r) => set.labels[r]), 'int32');
  // frozenPath shared: the frozen model sees this very batch (flip, noise, erasing and all).
  if (frozen) return { batch: { features: frozen.features(images!), images }, labels };
  const features = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) {
    const view = flips?.[i] && set.flipped ? set.flipped : set.features;
    features.set(view.subarray(rows[i] * dim, rows[i] * dim + dim), i * dim);
  }
  return {
    batch: { features: tf.tensor2d(features, [rows.length, dim]), images },
    labels,
  };
}
