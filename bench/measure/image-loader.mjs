#!/usr/bin/env node
// Image input pipeline of image-space training (resnet18 mask net), memory and speed against the dataset's size; part
// of the training section (bench/sections/training.mjs).
// One epoch of what the trainer does with a split's pixels: a shuffled order, `images.batches(order, batchSize)`, per
// batch the augmentation draw and `imageBatch()` of @fer/cafe (flip, noise, resize, normalise, erasing) to the tensor
// the ResNet would eat, then dispose. No network: this isolates the loader.
//   streamed:  `streamedImages(samples, size)` of @fer/datasets (the worker's source now: decodes from the files per
//              batch through createBatchStream, concurrency 4, 2 batches read ahead).
//   in-memory: the reference, what the worker did before: the whole split decoded into one Uint8Array first
//              (createBatchStream, batches of 64, concurrency 4, 2 ahead), then `inMemoryImages(size, data)`; its
//              rate includes that preload.
// Every case runs in its own child process, so "peak RSS" (process.resourceUsage().maxRSS) is that case's alone.
// ~`distinct` PNG files are written once (synthetic faces from generateSyntheticBenchmark, RAF-DB layout, 100 px like
// RAF-DB's aligned crops) into a temporary folder; the N-sample split repeats them (each entry is still decoded from
// its file, so the OS page cache holds them all, as it would a dataset that fits in RAM).
// Usage: node bench/measure/image-loader.mjs --plan '{"sizes":[1000,10000],"distinct":1000,"storedPx":100,"size":64,"batchSize":32}'
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setImmediate } from 'node:timers';
import { parseArgs } from 'node:util';
import { emit } from '../lib.mjs';

const require = createRequire(import.meta.url);
const { values } = parseArgs({ options: { plan: { type: 'string' }, case: { type: 'string' } } });

/** The N-sample split: the distinct files repeated, each entry a Sample the loader decodes from its path. */
function samplesOf(dir, n) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort();
  return Array.from({ length: n }, (_, i) => ({
    key: `Image/aligned/${i}_${files[i % files.length]}`,
    split: 'train',
    label: i % 7,
    image: { kind: 'file', path: join(dir, files[i % files.length]) },
  }));
}

async function runCase({ mode, n, dir, size, batchSize }) {
  const { parseTrainingConfig } = require('@fer/contracts');
  const { createBatchStream, streamedImages } = require('@fer/datasets');
  const {
    selectBackend,
    SeededRandom,
    inMemoryImages,
    nextImageBatch,
    drawImageAugmentation,
    imageBatch,
  } = require('@fer/cafe');
  await selectBackend({ override: 'wasm', needsConvGradients: true });
  const config = parseTrainingConfig({ maskNet: 'resnet18', imageSize: size, batchSize });
  const samples = samplesOf(dir, n);
  let peakRss = process.memoryUsage().rss;
  const baselineRss = peakRss;
  const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

  const started = performance.now();
  let images;
  if (mode === 'streamed') {
    images = streamedImages(samples, size);
  } else {
    // The worker before eed7fce (run-data.service.ts): the whole split's pixels in one array.
    const data = new Uint8Array(n * size * size * 3);
    const stream = createBatchStream(samples, { batchSize: 64, size, concurrency: 4, prefetchBatches: 2 });
    for await (const batch of stream) {
      data.set(batch.data, batch.indices[0] * size * size * 3);
      sample();
    }
    images = inMemoryImages(size, data);
  }
  const preloadSeconds = (performance.now() - started) / 1000;

  const epochStarted = performance.now();
  const rng = new SeededRandom(1);
  const order = rng.permutation(n);
  const iterator = images.batches(order, batchSize);
  let checksum = 0;
  try {
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      const pixels = await nextImageBatch(iterator, count, size);
      const augmentation = drawImageAugmentation(rng, count, size, config.augment);
      const tensor = imageBatch(pixels, size, size, augmentation, config.augment.noiseVariance);
      checksum += tensor.shape[0];
      tensor.dispose();
      sample();
      // The trainer yields to the event loop between steps; so does this loop.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await iterator.return?.();
  }
  const epochSeconds = (performance.now() - epochStarted) / 1000;
  if (checksum !== n) throw new Error(`epoch delivered ${checksum} images, expected ${n}`);
  const totalSeconds = preloadSeconds + epochSeconds;
  return {
    mode,
    n,
    size,
    batchSize,
    preloadSeconds,
    epochSeconds,
    imagesPerSecond: n / totalSeconds,
    epochImagesPerSecond: n / epochSeconds,
    baselineRssMB: baselineRss / 2 ** 20,
    peakRssMB: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    peakSampledRssMB: peakRss / 2 ** 20,
    pixelBytesMB: (n * size * size * 3) / 2 ** 20,
  };
}

async function main() {
  const plan = JSON.parse(values.plan);
  const { sizes, distinct = 1000, storedPx = 100, size = 64, batchSize = 32 } = plan;
  const { generateSyntheticBenchmark } = require('@fer/datasets');
  const tmp = mkdtempSync(join(os.tmpdir(), 'fer-bench-loader-'));
  try {
    const written = await generateSyntheticBenchmark({
      outDir: tmp,
      perClassTrain: Math.ceil(distinct / 7),
      perClassTest: 0,
      size: storedPx,
      seed: 'bench-image-loader',
      domains: ['synth-wild'],
      layout: 'rafdb',
      concurrency: 2,
    });
    const dir = join(written.domains[0].root, 'Image/aligned');
    const results = [];
    for (const n of sizes) {
      for (const mode of ['streamed', 'in-memory']) {
        const stdout = execFileSync(
          process.execPath,
          [fileURLToPath(import.meta.url), '--case', JSON.stringify({ mode, n, dir, size, batchSize })],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 2 ** 20 },
        );
        results.push(JSON.parse(stdout.trim().split('\n').pop()));
      }
    }
    emit({ files: written.files, storedPx, size, batchSize, nodeVersion: process.version, results });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (values.case) emit(await runCase(JSON.parse(values.case)));
else await main();
