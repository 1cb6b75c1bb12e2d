import * as tf from '@tensorflow/tfjs';
import type { Backbone } from './backbone';

export interface BackboneBenchmarkResult {
  backbone: string;
  backend: string;
  inputSize: number;
  batchSize: number;
  images: number;
  seconds: number;
  imagesPerSecond: number;
}

/** Images/s of backbone.embed on the current TF.js backend, after one warm-up batch (kernel set-up, weight upload). */
export async function benchmarkBackbone(backbone: Backbone, options: { batchSize?: number; batches?: number; minSeconds?: number } = {}): Promise<BackboneBenchmarkResult> {
  const batchSize = options.batchSize ?? 16;
  const maxBatches = options.batches ?? 4;
  const minSeconds = options.minSeconds ?? 0;
  const images = tf.tidy(() => tf.mul(tf.randomUniform([batchSize, backbone.inputSize, backbone.inputSize, 3], 0, 1, 'float32', 7), 255)) as tf.Tensor4D;
  try {
    const run = async () => {
      const out = backbone.embed(images);
      await out.data();
      out.dispose();
    };
    await run();
    let batches = 0;
    const start = performance.now();
    while (batches < maxBatches || (performance.now() - start) / 1000 < minSeconds) {
      await run();
      batches++;
    }
    const seconds = (performance.now() - start) / 1000;
    return { backbone: backbone.name, backend: tf.getBackend(), inputSize: backbone.inputSize, batchSize, images: batches * batchSize, seconds, imagesPerSecond: (batches * batchSize) / seconds };
  } finally {
    images.dispose();
  }
}
