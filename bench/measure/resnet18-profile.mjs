#!/usr/bin/env node
// Where a ResNet-18 training step's time goes on TF.js (bench section 2, beside bench/reference/torch_resnet18_profile.py):
// the trunk of the image-space config (createResnet18Trunk of @fer/cafe, BatchNorm in train mode, its convolution
// gradients by conv2d.op.ts), a batch of normal images at each size, loss = mean of the squared pooled features, the
// images needing no gradient as in training. Times are medians over `repeats` after one warm-up; the kernel table is
// tf.profile's time per kernel of `profiles` more forwards and as many more forward + backwards, summed per kernel name
// within a pass and the median over the passes taken (one pass alone once ran its forward convolutions a third slower
// than the timed forwards ran in all), so a kernel's backward share is its forward + backward time less its forward
// time. wasm runs each kernel synchronously on the calling thread, so a kernel's time is the time it held the thread.
// Usage: node bench/measure/resnet18-profile.mjs --backend wasm --plan '{"sizes":[32,64],"batch":32,"repeats":5,"profiles":3}'
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { percentile } from '../lib.mjs';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const { selectBackend, createResnet18Trunk, SeededRandom } = require('@fer/cafe');

const { values } = parseArgs({ options: { backend: { type: 'string' }, plan: { type: 'string' } } });
const plan = JSON.parse(values.plan);
const selection = await selectBackend({ override: values.backend, needsConvGradients: true });

function medianMs(step, repeats) {
  step();
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  return percentile(times, 50);
}

/**
 * Milliseconds per kernel name of what `f` runs, and the multiply-adds (x2) of its Conv2D kernels. Records that are
 * not kernels of the backend (a custom gradient's recorded forward function, which contains the kernels it ran) are
 * left out, so nothing is counted twice.
 */
async function kernelTimes(f) {
  const info = await tf.profile(f);
  const byName = new Map();
  let convFlops = 0;
  for (const k of info.kernels) {
    if (!tf.getKernel(k.name, tf.getBackend())) continue;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const entry = byName.get(k.name) ?? { ms: 0, calls: 0 };
    byName.set(k.name, { ms: entry.ms + ms, calls: entry.calls + 1 });
    if (k.name === 'Conv2D') {
      const [kh, kw, inChannels] = k.inputShapes[1];
      const output = k.outputShapes[0];
      convFlops += 2 * kh * kw * inChannels * output.reduce((a, b) => a * b, 1);
    }
  }
  return { byName, convFlops };
}

/** kernelTimes over `passes` runs of `f`: per kernel name, the median of its time and calls over the passes. */
async function medianKernelTimes(f, passes) {
  const runs = [];
  for (let i = 0; i < passes; i++) runs.push(await kernelTimes(f));
  const byName = new Map();
  for (const name of new Set(runs.flatMap((run) => [...run.byName.keys()]))) {
    const entries = runs.map((run) => run.byName.get(name) ?? { ms: 0, calls: 0 });
    byName.set(name, { ms: percentile(entries.map((e) => e.ms), 50), calls: percentile(entries.map((e) => e.calls), 50) });
  }
  return { byName, convFlops: runs[0].convFlops };
}

const results = [];
for (const size of plan.sizes) {
  const trunk = createResnet18Trunk(new SeededRandom(1));
  const variables = trunk.parameters.filter((p) => p.variable.trainable).map((p) => p.variable);
  const images = tf.randomNormal([plan.batch, size, size, 3], 0, 1, 'float32', 1);
  // Train mode: batch statistics; the running-statistics updates a trainer would apply are dropped here.
  const mode = () => ({ training: true, stateUpdates: [] });
  const forward = () => tf.tidy(() => trunk.pooled(images, mode()).dataSync());
  const forwardBackward = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(trunk.pooled(images, mode()))), variables);
      for (const g of Object.values(grads)) g.dataSync();
    });
  const forwardMs = medianMs(forward, plan.repeats);
  const stepMs = medianMs(forwardBackward, plan.repeats);
  const forwardKernels = await medianKernelTimes(forward, plan.profiles ?? 1);
  const stepKernels = await medianKernelTimes(forwardBackward, plan.profiles ?? 1);
  const kernels = [...stepKernels.byName.entries()]
    .map(([name, { ms, calls }]) => ({
      kernel: name,
      ms,
      calls,
      forwardMs: forwardKernels.byName.get(name)?.ms ?? 0,
      backwardMs: ms - (forwardKernels.byName.get(name)?.ms ?? 0),
    }))
    .sort((a, b) => b.ms - a.ms);
  results.push({
    size,
    batch: plan.batch,
    forwardMs,
    stepMs,
    profiledStepMs: kernels.reduce((sum, k) => sum + k.ms, 0),
    forwardConvFlops: forwardKernels.convFlops,
    forwardConvMs: forwardKernels.byName.get('Conv2D')?.ms ?? 0,
    kernels: kernels.filter((k) => k.ms > 0).slice(0, 12),
  });
  images.dispose();
  for (const p of trunk.parameters) p.variable.dispose();
}
console.log(JSON.stringify({ backend: selection.backend, device: selection.device, profiles: plan.profiles ?? 1, results }));
