#!/usr/bin/env node
// ONNX Runtime side of the frozen-feature section (bench/sections/frozen.mjs): images/s of clip-vit-b32 on the `onnx`
// engine (`loadBackbone(name, { engine: 'onnx', threads })`, the graph the worker writes from the same weights file),
// through `embedBatch`, the call the feature cache makes. One warm-up batch per size, then batches for `seconds`.
// Usage: node bench/measure/frozen-onnx.mjs --plan '{"clipWeights":"/tmp/clip-b32/model.safetensors","batches":[1,8],"threads":[1,2],"seconds":3}'
import os from 'node:os';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { timeLoop } from './backbone-benchmark.mjs';

const require = createRequire(import.meta.url);
const { loadBackbone, loadOnnxRuntime, onnxRuntimeUnavailable, SeededRandom } = require('@fer/cafe');

const { values } = parseArgs({ options: { plan: { type: 'string' } } });
const plan = JSON.parse(values.plan);
if (!loadOnnxRuntime()) {
  console.log(JSON.stringify({ engine: 'onnx', unavailable: `onnxruntime-node does not load: ${onnxRuntimeUnavailable()}` }));
  process.exit(0);
}

const out = { engine: 'onnx', cores: os.availableParallelism(), runs: [] };
for (const threads of plan.threads ?? [os.availableParallelism()]) {
  const loadStart = performance.now();
  const backbone = await loadBackbone('clip-vit-b32', { weightsPath: plan.clipWeights, engine: 'onnx', threads });
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const size = backbone.inputSize;
  const random = new SeededRandom(7);
  const rows = [];
  for (const batchSize of plan.batches) {
    const pixels = Float32Array.from({ length: batchSize * size * size * 3 }, () => random.next() * 255);
    await backbone.embedBatch(pixels, batchSize);
    const timed = await timeLoop(() => backbone.embedBatch(pixels, batchSize), plan.seconds ?? 3);
    rows.push({ batchSize, images: timed.count * batchSize, seconds: timed.seconds, imagesPerSecond: (timed.count * batchSize) / timed.seconds });
  }
  out.runs.push({ threads, identity: backbone.identity, describe: backbone.describe(), loadSeconds, rows });
  backbone.dispose();
}
console.log(JSON.stringify(out));
