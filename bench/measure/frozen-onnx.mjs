#!/usr/bin/env node
// ONNX Runtime side of the frozen-feature section (bench/sections/frozen.mjs): images/s of the frozen backbones on the
// `onnx` engine (`loadBackbone(name, { engine: 'onnx', threads })`, the graph the worker writes from the same weights:
// clip-vit-b32 from its safetensors file, the face-api models from their packaged TF.js weights), through
// `embedBatch`, the call the feature cache makes. One warm-up batch per size, then batches for `seconds`.
// Usage: node bench/measure/frozen-onnx.mjs --plan '{"clipWeights":"/tmp/clip-b32/model.safetensors","batches":[1,8],"threads":[1,2],"seconds":3}'
//        node bench/measure/frozen-onnx.mjs --plan '{"models":{"face-api-expression":[1,8,32]},"threads":[1,2],"seconds":3}'
// (`batches` with `clipWeights` measures clip-vit-b32; `models` any backbone, the face-api ones needing no file.)
import os from 'node:os';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { timeLoop } from './backbone-benchmark.mjs';

const require = createRequire(import.meta.url);
const { loadBackbone, loadOnnxRuntime, onnxRuntimeUnavailable, SeededRandom, selectBackend } = require('@fer/cafe');

const { values } = parseArgs({ options: { plan: { type: 'string' } } });
const plan = JSON.parse(values.plan);
if (!loadOnnxRuntime()) {
  console.log(JSON.stringify({ engine: 'onnx', unavailable: `onnxruntime-node does not load: ${onnxRuntimeUnavailable()}` }));
  process.exit(0);
}
// The face-api weights are decoded by TF.js before their graph is written (then freed), on the worker's backend.
await selectBackend({ override: 'wasm' });

const models = { ...(plan.clipWeights && plan.batches ? { 'clip-vit-b32': plan.batches } : {}), ...(plan.models ?? {}) };
const out = { engine: 'onnx', cores: os.availableParallelism(), runs: [] };
for (const [name, batches] of Object.entries(models)) {
  for (const threads of plan.threads ?? [os.availableParallelism()]) {
    const loadStart = performance.now();
    const weightsPath = name === 'clip-vit-b32' ? plan.clipWeights : undefined;
    const backbone = await loadBackbone(name, { weightsPath, engine: 'onnx', threads });
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const size = backbone.inputSize;
    const random = new SeededRandom(7);
    const rows = [];
    for (const batchSize of batches) {
      const pixels = Float32Array.from({ length: batchSize * size * size * 3 }, () => random.next() * 255);
      await backbone.embedBatch(pixels, batchSize);
      const timed = await timeLoop(() => backbone.embedBatch(pixels, batchSize), plan.seconds ?? 3);
      rows.push({ batchSize, images: timed.count * batchSize, seconds: timed.seconds, imagesPerSecond: (timed.count * batchSize) / timed.seconds });
    }
    out.runs.push({ backbone: name, threads, identity: backbone.identity, describe: backbone.describe(), loadSeconds, rows });
    backbone.dispose();
  }
}
console.log(JSON.stringify(out));
