import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FeatureCache } from '../../feature-cache/feature-cache';
import { extractFeatures } from '../../feature-cache/extract-features';
import { loadBackbone } from '../backbone.registry';
import { loadOnnxRuntime, OnnxClipVitBackbone, resolveFrozenEngine } from './frozen-engine';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'clip-tiny');
const WEIGHTS = join(FIXTURES, 'model.safetensors');

interface Expected {
  images: { shape: [number, number, number, number]; data: number[] };
  embeddings: number[][];
}

/** max |a - b| / max(1, |b|): relative where values are large, absolute near zero. */
function maxRelativeDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  return worst;
}

describe('clip-vit-b32 on ONNX Runtime (FER_FROZEN_ENGINE=onnx)', () => {
  let expected: Expected;
  let workDir: string;
  before(async () => {
    expected = JSON.parse(await readFile(join(FIXTURES, 'expected.json'), 'utf8'));
    workDir = await mkdtemp(join(tmpdir(), 'onnx-engine-spec-'));
    await tf.setBackend('wasm');
  });
  after(async () => rm(workDir, { recursive: true, force: true }));

  it('should load here (onnxruntime-node installs as an optional dependency) and be what auto picks', () => {
    assert.ok(loadOnnxRuntime(), 'onnxruntime-node loads');
    assert.equal(resolveFrozenEngine('auto'), 'onnx');
    assert.equal(resolveFrozenEngine('tfjs'), 'tfjs');
  });

  it('should embed as the TF.js engine does on the same weights to 1e-4 relative, and as PyTorch does', async () => {
    const onnx = await loadBackbone('clip-vit-b32', { weightsPath: WEIGHTS, engine: 'onnx', threads: 1 });
    const tfjs = await loadBackbone('clip-vit-b32', { weightsPath: WEIGHTS, engine: 'tfjs' });
    try {
      assert.ok(onnx instanceof OnnxClipVitBackbone);
      assert.equal(onnx.engine, 'onnx');
      const [count, size] = expected.images.shape;
      assert.equal(size, onnx.inputSize);
      const fromOnnx = await onnx.embedBatch!(Float32Array.from(expected.images.data), count);
      const images = tf.tensor4d(expected.images.data, expected.images.shape);
      const out = tfjs.embed(images);
      const fromTfjs = await out.data();
      tf.dispose([images, out]);
      assert.ok(maxRelativeDiff(fromOnnx, fromTfjs) < 1e-4, `onnx vs tfjs: ${maxRelativeDiff(fromOnnx, fromTfjs)}`);
      assert.ok(maxRelativeDiff(fromOnnx, expected.embeddings.flat()) < 1e-4, 'onnx vs PyTorch');
    } finally {
      onnx.dispose();
      tfjs.dispose();
    }
  });

  it('should cache its features apart from the TF.js engine\'s, both views equal to TF.js\'s within 1e-4', async () => {
    const onnx = await loadBackbone('clip-vit-b32', { weightsPath: WEIGHTS, engine: 'onnx' });
    const tfjs = await loadBackbone('clip-vit-b32', { weightsPath: WEIGHTS, engine: 'tfjs' });
    try {
      assert.equal(onnx.identity, `${tfjs.identity}-onnx`, 'same weights digest, the engine named');
      const [count, size] = expected.images.shape;
      const image = size * size * 3;
      const items = Array.from({ length: count }, (_, i) => ({
        contentHash: `img${i}`,
        loadRgb: async () => ({ data: Uint8Array.from(expected.images.data.slice(i * image, (i + 1) * image).map((v) => Math.round(v))), width: size, height: size }),
      }));
      const cache = new FeatureCache(join(workDir, 'cache'));
      const options = { cache, views: ['original', 'flipped'] as const, batchSize: 2 };
      const a = await extractFeatures(onnx, items, options);
      const b = await extractFeatures(tfjs, items, options);
      assert.equal(a.computed, count * 2);
      assert.equal(b.computed, count * 2, 'the TF.js engine does not read the ONNX engine\'s entries');
      assert.ok(maxRelativeDiff(a.views.original, b.views.original) < 1e-4);
      assert.ok(maxRelativeDiff(a.views.flipped, b.views.flipped) < 1e-4, 'the flipped view mirrors as tf.reverse does');
      assert.ok(maxRelativeDiff(a.views.original, a.views.flipped) > 1e-3, 'the views differ');
    } finally {
      onnx.dispose();
      tfjs.dispose();
    }
  });
});
