#!/usr/bin/env node
// TF.js side of the training section (bench/sections/training.mjs): samples/s of `train()` from @fer/cafe (the worker's training loop) on the CPU
// config: cached frozen features (original + flipped view) + MLP mask net (hidden 512), FC head, batch 32,
// CE + 5 diverse + 1.5 separation with a fresh drop mask per step, Adam (weight decay 1e-4), ExponentialLR.
// Cases of kind "image" train the image-space config instead: ResNet-18 mask net on the pixels (stored at `storedSize`
// px, resized to `imageSize` in the trainer, flip + noise + erasing as image-augment.ts draws them) over 512-d frozen
// features (C = 512, so no projection after the trunk), same head, losses, optimizer and batch. An image case may name
// another image-space `method` (erm, scn, rul, eac: a ResNet-18 on the image with that method's head and loss, their
// defaults; bench/sections/methods.mjs); without one it is cafe.
// Each case trains `epochs` epochs on synthetic class clusters; the rate is taken from the median warm epoch (all but the first) and
// from the whole call (incl. model build and per-epoch checkpoint serialisation).
// Usage: node bench/measure/train-tfjs.mjs --backend wasm --plan '{"cases":[{"n":1000,"dim":256,"epochs":2},{"kind":"image","n":64,"imageSize":32,"storedSize":40,"epochs":3},{"kind":"image","method":"eac","n":64,"imageSize":48,"storedSize":60,"epochs":3}]}'
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { parseTrainingConfig, CPU_DEFAULTS } = require('@fer/contracts');
const { selectBackend, train, SeededRandom, inMemoryImages, gaussianClusters } = require('@fer/cafe');

const { values } = parseArgs({ options: { backend: { type: 'string' }, plan: { type: 'string' } } });
const plan = JSON.parse(values.plan);
const needsConvGradients = plan.cases.some((c) => c.kind === 'image');
const selection = await selectBackend({ override: values.backend, needsConvGradients });

/** Gaussian clusters (gaussianClusters of @fer/cafe), centres per dimension count. */
const syntheticSet = (n, dim, numClasses, seed) => gaussianClusters(n, dim, { seed, numClasses, centresSeed: 1000 + dim });

/** Random 0..255 pixels, n images of size x size x 3 (the network's cost does not depend on what they show). */
function randomImages(n, size, seed) {
  const rng = new SeededRandom(seed);
  return inMemoryImages(
    size,
    Uint8Array.from({ length: n * size * size * 3 }, () => rng.nextInt(256)),
  );
}

const results = [];
for (const c of plan.cases) {
  const kind = c.kind ?? 'features';
  const { n, epochs } = c;
  const dim = kind === 'image' ? 512 : c.dim;
  const config =
    kind === 'image'
      ? parseTrainingConfig({
          method: c.method ?? 'cafe',
          maskNet: 'resnet18',
          imageSize: c.imageSize,
          epochs,
          batchSize: 32,
          numClasses: 7,
        })
      : parseTrainingConfig({ ...CPU_DEFAULTS, epochs, batchSize: 32, maskNetHidden: 512, numClasses: 7 });
  const set = syntheticSet(n, dim, config.numClasses, 1);
  if (kind === 'image') set.images = randomImages(n, c.storedSize, 2);
  const start = performance.now();
  const result = await train({ config, seed: 1, train: set });
  const wall = (performance.now() - start) / 1000;
  const last = result.epochs[result.epochs.length - 1];
  // Warm epochs (all but the first): their median time gives the rate.
  const warm = result.epochs
    .slice(result.epochs.length > 1 ? 1 : 0)
    .map((e) => e.seconds)
    .sort((a, b) => a - b);
  const epochSeconds = warm[Math.floor((warm.length - 1) / 2)];
  results.push({
    engine: `tfjs-${selection.backend}`,
    kind,
    n,
    dim,
    ...(kind === 'image' ? { method: config.method, imageSize: c.imageSize, storedSize: c.storedSize } : {}),
    epochs,
    steps: Math.ceil(n / config.batchSize) * epochs,
    epochSeconds: result.epochs.map((e) => e.seconds),
    samplesPerSecond: n / epochSeconds,
    wallSeconds: wall,
    wallSamplesPerSecond: (n * epochs) / wall,
    finalLoss: last.lossTotal,
    trainAccuracy: last.trainAccuracy,
  });
}
console.log(JSON.stringify({ backend: selection.backend, device: selection.device, results }));
