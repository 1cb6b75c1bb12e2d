// Images/s of a frozen backbone's `embed()` on the current TF.js backend (what the feature cache runs), the timing
// loop of the frozen section's TF.js side (frozen-tfjs.mjs). Outputs are read back (`data()`) so the timing covers
// the whole forward. Was `benchmarkBackbone` of libs/cafe (backbones/backbone.benchmark.ts).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');

/** Calls `fn` until `minSeconds` have passed, at least `minIters` and at most `maxIters` times. */
export async function timeLoop(fn, minSeconds, minIters = 1, maxIters = 10_000) {
  let count = 0;
  const start = performance.now();
  while (count < maxIters && (count < minIters || (performance.now() - start) / 1000 < minSeconds)) {
    await fn();
    count++;
  }
  return { count, seconds: (performance.now() - start) / 1000 };
}

/** `count` random 0..255 RGB images of `size` x `size` (fixed seed: the cost does not depend on what they show). */
export function randomImages(count, size) {
  return tf.tidy(() => tf.mul(tf.randomUniform([count, size, size, 3], 0, 1, 'float32', 7), 255));
}

/** One `embed()` of `images`, read back and freed. */
export async function embedOnce(backbone, images) {
  const features = backbone.embed(images);
  await features.data();
  features.dispose();
}

/**
 * Images/s of `backbone.embed()` at one batch size: random images of the backbone's input size, one warm-up batch at
 * this shape unless `shapeWarmup` is false, then batches for at least `seconds`. Frees its tensors.
 */
export async function benchmarkBackbone(backbone, { batchSize = 16, seconds = 3, shapeWarmup = true } = {}) {
  const size = backbone.inputSize;
  const images = randomImages(batchSize, size);
  try {
    if (shapeWarmup) await embedOnce(backbone, images);
    const timed = await timeLoop(() => embedOnce(backbone, images), seconds);
    return {
      backbone: backbone.name,
      engine: `tfjs-${tf.getBackend()}`,
      batchSize,
      inputSize: size,
      images: timed.count * batchSize,
      seconds: timed.seconds,
      imagesPerSecond: (timed.count * batchSize) / timed.seconds,
    };
  } finally {
    images.dispose();
  }
}
