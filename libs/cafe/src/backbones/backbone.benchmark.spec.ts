import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { benchmarkBackbone } from './backbone.benchmark';
import { loadBackbone } from './backbone.registry';

describe('benchmarkBackbone', () => {
  it('should report images/s over the timed batches and free its tensors when measuring', async () => {
    await tf.setBackend('cpu');
    const backbone = await loadBackbone('clip-vit-b32', { weightsPath: join(__dirname, '..', '..', 'fixtures', 'clip-tiny', 'model.safetensors') });
    const before = tf.memory().numTensors;
    const result = await benchmarkBackbone(backbone, { batchSize: 3, batches: 2 });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual([result.backbone, result.backend, result.inputSize, result.batchSize, result.images], ['clip-vit-b32', 'cpu', 32, 3, 6]);
    assert.ok(result.seconds > 0);
    assert.ok(Math.abs(result.imagesPerSecond - result.images / result.seconds) < 1e-9);
    backbone.dispose();
  });
});
