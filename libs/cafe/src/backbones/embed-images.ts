import * as tf from '@tensorflow/tfjs';
import type { Backbone } from './backbone';

/** Features of `count` RGB images (bytes, count × size × size × 3) through a backbone, uncached: count × featureDim. */
export async function embedImages(backbone: Backbone, rgb: Uint8Array, count: number, size: number): Promise<Float32Array> {
  if (backbone.embedBatch && size === backbone.inputSize) return backbone.embedBatch(Float32Array.from(rgb), count);
  const embedded = tf.tidy(() => backbone.embed(tf.tensor4d(Float32Array.from(rgb), [count, size, size, 3])));
  try {
    return (await embedded.data()) as Float32Array;
  } finally {
    embedded.dispose();
  }
}
