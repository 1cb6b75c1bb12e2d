import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadBackbone } from './backbone.registry';
import { loadClipVit } from './clip-vit.backbone';
import { SafetensorsFile } from '@fer/weights';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'clip-tiny');

interface Expected {
  hyperparameters: { width: number; layers: number; heads: number; patchSize: number; imageSize: number; projectionDim: number };
  images: { shape: [number, number, number, number]; data: number[] };
  embeddings: number[][];
  embeddingsHalf: number[][];
}

function maxAbsDiff(actual: number[][], expected: number[][]): number {
  assert.equal(actual.length, expected.length);
  return Math.max(...actual.flatMap((row, i) => row.map((v, j) => Math.abs(v - expected[i][j]))));
}

/** Rewrites a safetensors file with one tensor dropped or reshaped, keeping the format valid. */
async function rewriteSafetensors(source: string, target: string, edit: (header: Record<string, { shape: number[] }>) => void): Promise<void> {
  const bytes = await readFile(source);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  edit(header);
  const text = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(text.length));
  await writeFile(target, Buffer.concat([length, text, bytes.subarray(8 + headerLength)]));
}

describe('clip-vit-b32 backbone', () => {
  let expected: Expected;
  let workDir: string;

  before(async () => {
    expected = JSON.parse(await readFile(join(FIXTURES, 'expected.json'), 'utf8'));
    workDir = await mkdtemp(join(tmpdir(), 'clip-vit-spec-'));
  });
  after(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`should match the PyTorch reference within 1e-4 when running the tiny F32 model on ${backend}`, async () => {
      assert.ok(await tf.setBackend(backend));
      const backbone = await loadBackbone('clip-vit-b32', { weightsPath: join(FIXTURES, 'model.safetensors') });
      try {
        const images = tf.tensor4d(expected.images.data, expected.images.shape, 'float32');
        const out = backbone.embed(images);
        assert.deepEqual(out.shape, [3, expected.hyperparameters.projectionDim]);
        assert.ok(maxAbsDiff((await out.array()) as number[][], expected.embeddings) < 1e-4);
        tf.dispose([images, out]);
      } finally {
        backbone.dispose();
      }
    });
  }

  it('should infer width, layers, patch, image size and projection from shapes and heads from config.json when loading', async () => {
    await tf.setBackend('cpu');
    const backbone = await loadClipVit({ weightsPath: join(FIXTURES, 'model.safetensors') });
    assert.deepEqual(backbone.hyperparameters, expected.hyperparameters);
    assert.equal(backbone.featureDim, expected.hyperparameters.projectionDim);
    assert.equal(backbone.inputSize, expected.hyperparameters.imageSize);
    assert.match(backbone.identity, /^clip-vit-b32@[0-9a-f]{16}$/);
    backbone.dispose();
  });

  it('should match the reference when the weights are stored as F16 and BF16', async () => {
    await tf.setBackend('cpu');
    const backbone = await loadBackbone('clip-vit-b32', { weightsPath: join(FIXTURES, 'model-half.safetensors') });
    const images = tf.tensor4d(expected.images.data, expected.images.shape, 'float32');
    const out = backbone.embed(images);
    assert.ok(maxAbsDiff((await out.array()) as number[][], expected.embeddingsHalf) < 1e-4);
    tf.dispose([images, out]);
    backbone.dispose();
  });

  it('should take the head count from the file metadata when there is no config.json beside it', async () => {
    await tf.setBackend('cpu');
    const lonely = join(workDir, 'half.safetensors');
    await copyFile(join(FIXTURES, 'model-half.safetensors'), lonely);
    const backbone = await loadClipVit({ weightsPath: lonely });
    assert.equal(backbone.hyperparameters.heads, expected.hyperparameters.heads);
    backbone.dispose();
  });

  it('should leave no tensors behind when embedding and disposing', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const backbone = await loadBackbone('clip-vit-b32', { weightsPath: join(FIXTURES, 'model.safetensors') });
    const loaded = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const images = tf.zeros([2, 48, 48, 3]) as tf.Tensor4D; // also exercises the resize to 32 px
      const out = backbone.embed(images);
      assert.deepEqual(out.shape, [2, expected.hyperparameters.projectionDim]);
      tf.dispose([images, out]);
      assert.equal(tf.memory().numTensors, loaded);
    }
    backbone.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('should name the missing tensor when a parameter is absent', async () => {
    const path = join(workDir, 'missing.safetensors');
    await rewriteSafetensors(join(FIXTURES, 'model.safetensors'), path, (h) => {
      delete h['vision_model.encoder.layers.1.mlp.fc2.bias'];
    });
    await assert.rejects(loadClipVit({ weightsPath: path }), /missing tensor 'vision_model\.encoder\.layers\.1\.mlp\.fc2\.bias'/);
  });

  it('should name the tensor and both shapes when a parameter is mis-shaped', async () => {
    const path = join(workDir, 'misshaped.safetensors');
    await rewriteSafetensors(join(FIXTURES, 'model.safetensors'), path, (h) => {
      h['vision_model.encoder.layers.0.self_attn.k_proj.weight'].shape = [32, 128];
    });
    await assert.rejects(loadClipVit({ weightsPath: path }), /'vision_model\.encoder\.layers\.0\.self_attn\.k_proj\.weight' has shape \[32, 128\], expected \[64, 64\]/);
  });

  it('should ask for a weights file when no path is given', async () => {
    await assert.rejects(loadBackbone('clip-vit-b32'), /needs a local weights file/);
  });

  it('should open the fixture as plain safetensors with the extra text-tower tensor listed', async () => {
    const file = await SafetensorsFile.open(join(FIXTURES, 'model.safetensors'));
    assert.ok(file.entries.has('text_model.embeddings.token_embedding.weight'));
    await file.close();
  });
});
