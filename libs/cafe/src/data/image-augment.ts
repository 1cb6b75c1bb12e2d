import * as tf from '@tensorflow/tfjs';
import type { AugmentConfig } from '@fer/contracts';
import type { SeededRandom } from '@fer/contracts';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

/** A rectangle to erase, in pixels of the (resized) network input. */
export interface EraseRect {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Per-sample augmentation decisions, all drawn from the trainer's seeded generator. */
export interface ImageAugmentation {
  flips: boolean[];
  noisy: boolean[];
  /** Seed of the batch's Gaussian noise tensor (deterministic per backend). */
  noiseSeed: number;
  erase: (EraseRect | null)[];
}

/** torchvision RandomErasing(p, scale, ratio=(0.3, 3.3), value=0): up to 10 tries to fit a rectangle. */
export function drawErasing(rng: SeededRandom, size: number, probability: number, scale: [number, number]): EraseRect | null {
  if (rng.next() >= probability) return null;
  const area = size * size;
  for (let attempt = 0; attempt < 10; attempt++) {
    const eraseArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(Math.log(0.3), Math.log(3.3)));
    const height = Math.round(Math.sqrt(eraseArea * aspect));
    const width = Math.round(Math.sqrt(eraseArea / aspect));
    if (height < size && width < size && height > 0 && width > 0) {
      return { top: rng.nextInt(size - height + 1), left: rng.nextInt(size - width + 1), height, width };
    }
  }
  return null;
}

/**
 * The official code's image augmentations as decisions for one batch. `flips` is also what the frozen path uses
 * (flipped cached view). Noise (var 30 on 0-255) with p = 0.5 per image, erasing with its own probability.
 */
export function drawImageAugmentation(rng: SeededRandom, batchSize: number, inputSize: number, augment: AugmentConfig): ImageAugmentation {
  const flips: boolean[] = [];
  const noisy: boolean[] = [];
  const erase: (EraseRect | null)[] = [];
  for (let i = 0; i < batchSize; i++) {
    flips.push(augment.flip && rng.next() < 0.5);
    noisy.push(augment.noiseVariance > 0 && rng.next() < 0.5);
    erase.push(drawErasing(rng, inputSize, augment.erasingProbability, augment.erasingScale));
  }
  return { flips, noisy, noiseSeed: rng.nextUint32(), erase };
}

/**
 * A batch of B stored images (B × size × size × 3 bytes, flipped in place where drawn) → network input [B, S, S, 3]:
 * optional flip and Gaussian noise on the 0-255 image (clipped and rounded to bytes as the official code does),
 * bilinear resize to `inputSize` (half-pixel centres, as PyTorch and PIL sample), ImageNet normalisation, erasing (0).
 */
export function imageBatch(batch: Uint8Array, size: number, inputSize: number, augmentation?: ImageAugmentation, noiseVariance = 0): tf.Tensor4D {
  const pixels = size * size * 3;
  const count = batch.length / pixels;
  if (!Number.isInteger(count)) throw new Error(`imageBatch: ${batch.length} bytes is not a whole number of ${size}×${size} RGB images`);
  augmentation?.flips.forEach((flip, i) => flip && flipHorizontally(batch.subarray(i * pixels, (i + 1) * pixels), size));
  return tf.tidy(() => {
    let x: tf.Tensor4D = tf.tensor4d(batch, [count, size, size, 3], 'float32');
    if (augmentation && noiseVariance > 0 && augmentation.noisy.some(Boolean)) {
      const noise = tf.randomNormal(x.shape, 0, Math.sqrt(noiseVariance), 'float32', augmentation.noiseSeed);
      const which = tf.tensor4d(augmentation.noisy.map((b) => (b ? 1 : 0)), [count, 1, 1, 1]);
      x = tf.round(tf.clipByValue(tf.add(x, tf.mul(noise, which)), 0, 255)) as tf.Tensor4D;
    }
    if (size !== inputSize) x = tf.image.resizeBilinear(x, [inputSize, inputSize], false, true);
    x = tf.div(tf.sub(tf.div(x, 255), IMAGENET_MEAN), IMAGENET_STD) as tf.Tensor4D;
    if (augmentation?.erase.some(Boolean)) {
      const keep = new Float32Array(count * inputSize * inputSize).fill(1);
      augmentation.erase.forEach((rect, i) => {
        if (!rect) return;
        for (let y = rect.top; y < rect.top + rect.height; y++) {
          keep.fill(0, i * inputSize * inputSize + y * inputSize + rect.left, i * inputSize * inputSize + y * inputSize + rect.left + rect.width);
        }
      });
      x = tf.mul(x, tf.tensor4d(keep, [count, inputSize, inputSize, 1])) as tf.Tensor4D;
    }
    return x;
  });
}

/** Mirrors one size × size RGB image left-right, in place. */
/** Mirrors one size × size RGB image left-right, in place (tf.reverse(x, 2) on one image). */
export function flipHorizontally(image: Uint8Array | Float32Array, size: number): void {
  for (let y = 0; y < size; y++) {
    for (let left = y * size * 3, right = left + (size - 1) * 3; left < right; left += 3, right -= 3) {
      for (let c = 0; c < 3; c++) {
        const value = image[left + c];
        image[left + c] = image[right + c];
        image[right + c] = value;
      }
    }
  }
}
