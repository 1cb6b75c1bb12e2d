#!/usr/bin/env node
// TF.js side of the frozen-feature bench: images/s of `loadBackbone(name).embed()` (the code the feature cache runs)
// at several batch sizes on one backend, plus the float32 matmul rate of that backend. One warm-up batch of 1 per
// model, then (unless the model is in noShapeWarmup) one warm-up batch per size; outputs are read back (`data()`)
// so the timing covers the whole forward.
// Usage: node bench/frozen-tfjs.mjs --backend wasm --plan '{"models":{"face-api-expression":[1,8,32]},"seconds":3,"matmul":1024}'
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
const { loadBackbone } = require('@fer/cafe');

const { values } = parseArgs({ options: { backend: { type: 'string' }, plan: { type: 'string' } } });
const plan = JSON.parse(values.plan);

if (values.backend === 'tensorflow') {
  try {
    require('@tensorflow/tfjs-node');
  } catch (error) {
    console.log(
      JSON.stringify({
        backend: 'tensorflow',
        unavailable: `@tensorflow/tfjs-node does not load: ${String(error.message).split('\n')[0]}`,
      }),
    );
    process.exit(0);
  }
}
if (!(await tf.setBackend(values.backend))) {
  console.log(JSON.stringify({ backend: values.backend, unavailable: 'tf.setBackend returned false' }));
  process.exit(0);
}
await tf.ready();

async function timeLoop(fn, minSeconds, minIters = 1, maxIters = 10_000) {
  let count = 0;
  const start = performance.now();
  while (count < maxIters && (count < minIters || (performance.now() - start) / 1000 < minSeconds)) {
    await fn();
    count++;
  }
  return { count, seconds: (performance.now() - start) / 1000 };
}

const out = { backend: tf.getBackend(), tfjs: tf.version.tfjs, models: [] };

if (plan.matmul) {
  const n = plan.matmul;
  const a = tf.randomUniform([n, n]);
  const b = tf.randomUniform([n, n]);
  const once = async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  };
  await once();
  const { count, seconds } = await timeLoop(once, plan.matmulSeconds ?? 2);
  out.matmul = { n, gflops: (2 * n ** 3 * count) / seconds / 1e9 };
  tf.dispose([a, b]);
}

for (const [name, batches] of Object.entries(plan.models ?? {})) {
  const options = name === 'clip-vit-b32' ? { weightsPath: plan.clipWeights } : {};
  const loadStart = performance.now();
  const backbone = await loadBackbone(name, options);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const size = backbone.inputSize;
  const embedOnce = (images) => async () => {
    const features = backbone.embed(images);
    await features.data();
    features.dispose();
  };
  const warm = tf.tidy(() => tf.mul(tf.randomUniform([1, size, size, 3], 0, 1, 'float32', 7), 255));
  await embedOnce(warm)();
  warm.dispose();
  const rows = [];
  for (const batch of batches) {
    const images = tf.tidy(() => tf.mul(tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 7), 255));
    if (!(plan.noShapeWarmup ?? []).includes(name)) await embedOnce(images)();
    const { count, seconds } = await timeLoop(embedOnce(images), plan.seconds ?? 3);
    images.dispose();
    rows.push({
      backbone: name,
      engine: `tfjs-${out.backend}`,
      batchSize: batch,
      inputSize: size,
      images: count * batch,
      seconds,
      imagesPerSecond: (count * batch) / seconds,
    });
  }
  backbone.dispose();
  out.models.push({ backbone: name, identity: backbone.identity, featureDim: backbone.featureDim, loadSeconds, rows });
}
out.numTensorsAtEnd = tf.memory().numTensors;
console.log(JSON.stringify(out));
