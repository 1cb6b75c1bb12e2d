// node --test bench/measure/backbone-benchmark.spec.mjs (after `npx tsc -b tsconfig.json`)
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../lib.mjs';
import { benchmarkBackbone, timeLoop } from './backbone-benchmark.mjs';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const { loadBackbone } = require('@fer/cafe');

describe('benchmarkBackbone', () => {
  it('should report images/s over the timed batches and free its tensors when measuring', async () => {
    await tf.setBackend('cpu');
    const backbone = await loadBackbone('clip-vit-b32', {
      weightsPath: join(ROOT, 'libs/cafe/fixtures/clip-tiny/model.safetensors'),
    });
    const before = tf.memory().numTensors;
    const result = await benchmarkBackbone(backbone, { batchSize: 3, seconds: 0 });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(
      [result.backbone, result.engine, result.inputSize, result.batchSize, result.images],
      ['clip-vit-b32', 'tfjs-cpu', 32, 3, 3],
    );
    assert.ok(result.seconds > 0);
    assert.ok(Math.abs(result.imagesPerSecond - result.images / result.seconds) < 1e-9);
    backbone.dispose();
  });

  it('should run at least the minimum iterations and stop at the maximum when timing a loop', async () => {
    let calls = 0;
    assert.equal((await timeLoop(async () => calls++, 0, 3)).count, 3);
    assert.equal((await timeLoop(async () => calls++, 60, 1, 5)).count, 5);
    assert.equal(calls, 8);
  });
});
