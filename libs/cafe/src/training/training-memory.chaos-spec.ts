import { evaluateCheckpoint, type FeatureSet, selectBackend, splitSourceValidation, train } from '../index';
import { parseTrainingConfig, SeededRandom } from '@fer/contracts';
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, describe, it } from 'node:test';

const EPOCHS = 50;
const WARMUP_EPOCHS = 10;
/** Allowed RSS growth from the end of warm-up to the last epoch (allocator and JIT noise, not a per-epoch leak). */
const RSS_TOLERANCE_MB = 24;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Seven Gaussian classes in the face-api-expression feature space (256-d), flipped view slightly perturbed. */
function featureSet(n: number, dim: number, seed: number): FeatureSet {
  const centres = new SeededRandom(99);
  const means = Array.from({ length: 7 }, () => Array.from({ length: dim }, () => centres.normal()));
  const random = new SeededRandom(seed);
  const features = new Float32Array(n * dim);
  const flipped = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 7;
    for (let d = 0; d < dim; d++) {
      features[i * dim + d] = means[labels[i]][d] + random.normal();
      flipped[i * dim + d] = features[i * dim + d] + 0.1 * random.normal();
    }
  }
  return { n, dim, features, flipped, labels };
}

/** Least-squares slope of y over x. */
function slope(ys: number[]): number {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

/**
 * A 50-epoch CAFE training run in this one process, as a worker runs it (wasm backend, the paper's config on cached
 * 256-d features, a checkpoint written to disk every epoch, source-val and periodic target evaluation): the live
 * TF.js tensor count is the same after every epoch and back to the start at the end, and RSS does not trend up.
 */
describe('chaos: memory of a 50-epoch training run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fer-chaos-mem-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('should keep the TF.js tensor count and RSS flat', { timeout: 300_000 }, async () => {
    await selectBackend({ override: 'wasm' });
    const config = parseTrainingConfig({ epochs: EPOCHS, sourceValFraction: 0.1, augment: { frozenPath: 'cached' } });
    const { train: trainSet, val } = splitSourceValidation(featureSet(7 * 48, 256, 1), config.sourceValFraction, 0);
    const target = featureSet(7 * 20, 256, 2);

    gc();
    const tensorsBefore = tf.memory().numTensors;
    const samples: { epoch: number; tensors: number; bytes: number; rssMb: number }[] = [];
    const started = performance.now();
    const result = await train({
      config,
      seed: 0,
      train: trainSet,
      val,
      onEpoch: async (metrics, checkpoint) => {
        writeFileSync(join(dir, 'checkpoint-last.ckpt'), checkpoint);
        if (metrics.epoch % 10 === 0) await evaluateCheckpoint(checkpoint, target);
        gc();
        const memory = tf.memory();
        samples.push({ epoch: metrics.epoch, tensors: memory.numTensors, bytes: memory.numBytes, rssMb: process.memoryUsage().rss / 2 ** 20 });
      },
    });
    const seconds = (performance.now() - started) / 1000;
    gc();
    const tensorsAfter = tf.memory().numTensors;

    const rss = samples.map((s) => s.rssMb);
    const steady = rss.slice(WARMUP_EPOCHS);
    // Medians of the first and last ten steady epochs: single samples swing by 40 MB when the GC or another spec
    // running beside this one moves RSS (a real per-epoch leak still shows, here and in the trend).
    const growth = median(steady.slice(-10)) - median(steady.slice(0, 10));
    const trend = slope(steady);
    const tensorCounts = [...new Set(samples.map((s) => s.tensors))];
    console.log(
      `training memory: ${EPOCHS} epochs in ${seconds.toFixed(1)} s on ${result.backend}; tensors before ${tensorsBefore}, per epoch ${tensorCounts.join('/')}, after ${tensorsAfter}; ` +
        `TF.js bytes per epoch ${[...new Set(samples.map((s) => s.bytes))].join('/')}\n` +
        `  RSS MB: epoch 1 ${rss[0].toFixed(1)}, epoch ${WARMUP_EPOCHS + 1} ${steady[0].toFixed(1)}, epoch ${EPOCHS} ${rss[rss.length - 1].toFixed(1)}, ` +
        `max ${Math.max(...rss).toFixed(1)}; after warm-up: growth (median of the last 10 - of the first 10) ${growth.toFixed(1)} MB, trend ${(trend * 1024).toFixed(1)} KB/epoch\n` +
        `  RSS by epoch: ${rss.map((v) => v.toFixed(0)).join(' ')}`,
    );

    assert.equal(samples.length, EPOCHS);
    assert.deepEqual(tensorCounts, [samples[0].tensors], 'the same number of live tensors after every epoch');
    assert.equal(new Set(samples.map((s) => s.bytes)).size, 1, 'the same TF.js bytes after every epoch');
    assert.equal(tensorsAfter, tensorsBefore, 'every tensor of the run is freed at the end');
    assert.ok(growth < RSS_TOLERANCE_MB, `RSS grew ${growth.toFixed(1)} MB over ${EPOCHS - WARMUP_EPOCHS} epochs`);
    assert.ok(trend * (EPOCHS - WARMUP_EPOCHS) < RSS_TOLERANCE_MB, `RSS trend ${(trend * 1024).toFixed(1)} KB/epoch`);
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
