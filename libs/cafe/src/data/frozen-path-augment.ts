import type { AugmentConfig } from '@fer/contracts';
import { drawErasing, flipHorizontally } from './image-augment';
import { SeededRandom } from '@fer/contracts';

/**
 * `augment.frozenPath: recompute`: the official code's augmentations applied to the image the *frozen* model sees,
 * so its features change every epoch (slow, exact). Draws come from (seed, epoch, row) alone, so an epoch's inputs
 * are the same after a resume. Flip with p = 0.5, Gaussian noise (variance on the 0-255 scale) with p = 0.5,
 * random erasing to 0, in place on RGB bytes `size × size × 3`.
 */
export function augmentFrozenInput(rgb: Uint8Array, size: number, augment: AugmentConfig, seed: number, epoch: number, row: number): Uint8Array {
  const rng = new SeededRandom((seed * 0x9e3779b1) ^ (epoch * 0x85ebca6b) ^ (row * 0xc2b2ae35));
  const out = new Uint8Array(rgb);
  if (augment.flip && rng.next() < 0.5) flipHorizontally(out, size);
  if (augment.noiseVariance > 0 && rng.next() < 0.5) {
    const std = Math.sqrt(augment.noiseVariance);
    for (let i = 0; i < out.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(out[i] + std * rng.normal())));
  }
  const erase = drawErasing(rng, size, augment.erasingProbability, augment.erasingScale);
  if (erase) {
    for (let y = erase.top; y < erase.top + erase.height; y++) out.fill(0, (y * size + erase.left) * 3, (y * size + erase.left + erase.width) * 3);
  }
  return out;
}
