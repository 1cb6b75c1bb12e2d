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
import { RESIDUAL_LAYERS } from '../face-api-recognition.backbone';
import { packagedFaceApiModelFolder } from '../tfjs-weights.reader';
import { faceApiRecognitionShortcuts } from './face-api-recognition.onnx';
import { describeFrozenEngine, loadOnnxRuntime, OnnxBackbone, resolveFrozenEngine } from './frozen-engine';
import { tfWindow } from './tfjs-conv.onnx';

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
      assert.ok(onnx instanceof OnnxBackbone);
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

describe('the face-api models on ONNX Runtime (graphs written from their packaged TF.js weights)', () => {
  before(async () => {
    await tf.setBackend('wasm');
  });

  for (const name of ['face-api-expression', 'face-api-age-gender', 'face-api-recognition']) {
    it(`should embed ${name} as the TF.js engine does on the same weights to 1e-4 relative, and be what auto picks`, async () => {
      const tensorsBefore = tf.memory().numTensors;
      const onnx = await loadBackbone(name, { weightsPath: packagedFaceApiModelFolder(), engine: 'onnx', threads: 1 });
      assert.equal(tf.memory().numTensors, tensorsBefore, 'the TF.js weight tensors are freed once the graph is written');
      const auto = await loadBackbone(name, { engine: 'auto' });
      const tfjs = await loadBackbone(name, { engine: 'tfjs' });
      try {
        assert.ok(onnx instanceof OnnxBackbone);
        assert.equal(auto.engine, 'onnx', 'auto: ONNX Runtime, measured faster than TF.js wasm for every face-api model');
        assert.equal(onnx.identity, `${tfjs.identity}-onnx`, 'same weights digest, the engine named');
        assert.deepEqual([onnx.name, onnx.featureDim, onnx.inputSize], [tfjs.name, tfjs.featureDim, tfjs.inputSize]);
        assert.match(describeFrozenEngine(onnx), /^onnx \(onnxruntime-node [\d.]+, cpu, 1 thread/);
        const count = 3;
        const size = onnx.inputSize;
        const images = tf.tidy(() => tf.round(tf.mul(tf.randomUniform([count, size, size, 3], 0, 1, 'float32', 17), 255))) as tf.Tensor4D;
        const pixels = (await images.data()) as Float32Array;
        const fromOnnx = await onnx.embedBatch!(pixels, count);
        const out = tfjs.embed(images);
        const fromTfjs = await out.data();
        tf.dispose([images, out]);
        assert.equal(fromOnnx.length, count * tfjs.featureDim);
        assert.ok(maxRelativeDiff(fromOnnx, fromTfjs) < 1e-4, `onnx vs tfjs: ${maxRelativeDiff(fromOnnx, fromTfjs)}`);
        assert.ok(maxRelativeDiff(fromOnnx.subarray(0, tfjs.featureDim), fromOnnx.subarray(tfjs.featureDim, 2 * tfjs.featureDim)) > 1e-3, 'the images differ');
        await assert.rejects(onnx.embedBatch!(new Float32Array(64 * 64 * 3), 1), new RegExp(`expected 1 images of ${size}x${size}x3 \\(its graph takes exactly its input size\\)`));
      } finally {
        for (const backbone of [onnx, auto, tfjs]) backbone.dispose();
      }
    });
  }

  it("should pad as TF.js's 'same' does: a stride-2 window over an even side pads 0 before and 1 after", () => {
    assert.deepEqual(tfWindow(112, 3, 2, 'same'), { out: 56, begin: 0, end: 1 });
    assert.deepEqual(tfWindow(56, 1, 2, 'same'), { out: 28, begin: 0, end: 0 });
    assert.deepEqual(tfWindow(7, 3, 1, 'same'), { out: 7, begin: 1, end: 1 });
    assert.deepEqual(tfWindow(150, 7, 2, 'valid'), { out: 72, begin: 0, end: 0 });
  });

  it("should take face-api's zero-pad path in the recognition net's last two down layers at 150 px (the parity test above runs it)", () => {
    const layers = RESIDUAL_LAYERS.map(([name, , down]) => ({ name, down }));
    assert.deepEqual(faceApiRecognitionShortcuts(150, layers), [
      { layer: 'conv64_down', input: 35, conv: 17, pool: 17, pad: 0 },
      { layer: 'conv128_down', input: 17, conv: 8, pool: 8, pad: 0 },
      { layer: 'conv256_down', input: 8, conv: 3, pool: 4, pad: 1 },
      { layer: 'conv256_down_out', input: 4, conv: 1, pool: 2, pad: 1 },
    ]);
  });
});
