#!/usr/bin/env node
// TF.js side of the frozen-feature section (bench/sections/frozen.mjs): images/s of `loadBackbone(name).embed()` (the
// code the feature cache runs) at several batch sizes on one backend, plus the float32 matmul rate of that backend.
// One warm-up batch of 1 per model, then `benchmarkBackbone` per batch size (a warm-up batch at that size unless the
// model is in noShapeWarmup, then batches for `seconds`); outputs are read back (`data()`) so the timing covers the
// whole forward. Also the way to measure any backbone by hand (it folds libs/cafe's old bench-backbones.mjs), e.g.
//   node bench/measure/frozen-tfjs.mjs --backend wasm --plan '{"models":{"face-api-recognition":[16]},"seconds":6}'
//   node bench/measure/frozen-tfjs.mjs --backend cpu --plan '{"models":{"clip-vit-b32":[4]},"clipWeights":"/tmp/clip-b32/model.safetensors"}'
// (CLIP weights: /usr/bin/python3 libs/cafe/scripts/make-clip-tiny-fixture.py --random-b32 FILE writes a random tower.)
// Usage: node bench/measure/frozen-tfjs.mjs --backend wasm --plan '{"models":{"face-api-expression":[1,8,32]},"seconds":3,"matmul":1024}'
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { benchmarkBackbone, embedOnce, randomImages, timeLoop } from './backbone-benchmark.mjs';

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
  const warm = randomImages(1, backbone.inputSize);
  await embedOnce(backbone, warm);
  warm.dispose();
  const rows = [];
  for (const batch of batches) {
    const shapeWarmup = !(plan.noShapeWarmup ?? []).includes(name);
    rows.push(await benchmarkBackbone(backbone, { batchSize: batch, seconds: plan.seconds ?? 3, shapeWarmup }));
  }
  backbone.dispose();
  out.models.push({ backbone: name, identity: backbone.identity, featureDim: backbone.featureDim, loadSeconds, rows });
}
out.numTensorsAtEnd = tf.memory().numTensors;
console.log(JSON.stringify(out));
