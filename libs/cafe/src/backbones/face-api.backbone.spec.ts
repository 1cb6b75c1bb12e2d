import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DEFAULT_BACKBONE } from '@fer/contracts';
import { listBackbones, loadBackbone } from './backbone.registry';
import { packagedFaceApiModelFolder } from './tfjs-weights.reader';

// face-api's own forward pass (its node-wasm bundle runs on our @tensorflow/tfjs instance) is the reference
// for our re-implementations over the same weights.
interface FaceApiNet {
  loadFromDisk(folder: string): Promise<void>;
  forward(input: tf.Tensor4D): Promise<tf.Tensor>;
  faceFeatureExtractor: { forward(input: tf.Tensor4D): Promise<tf.Tensor4D> };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as { nets: Record<string, FaceApiNet> };

const CASES: { name: string; reference: (image: tf.Tensor4D) => Promise<tf.Tensor> }[] = [
  { name: 'face-api-recognition', reference: (image) => faceapi.nets.faceRecognitionNet.forward(image) },
  { name: 'face-api-expression', reference: (image) => faceapi.nets.faceExpressionNet.faceFeatureExtractor.forward(image) },
  {
    name: 'face-api-age-gender',
    reference: async (image) => {
      const trunk = await faceapi.nets.ageGenderNet.faceFeatureExtractor.forward(image);
      const pooled = tf.avgPool(trunk, 7, 2, 'valid');
      trunk.dispose();
      return pooled;
    },
  },
];

function randomImages(batch: number, size: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => tf.round(tf.mul(tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', seed), 255))) as tf.Tensor4D;
}

describe('face-api backbones', () => {
  before(async () => {
    assert.ok(await tf.setBackend('wasm'));
    const folder = packagedFaceApiModelFolder();
    await Promise.all(['faceRecognitionNet', 'faceExpressionNet', 'ageGenderNet'].map((net) => faceapi.nets[net].loadFromDisk(folder)));
  });

  for (const { name, reference } of CASES) {
    it(`should equal face-api's own forward pass when embedding with ${name}`, async () => {
      const backbone = await loadBackbone(name);
      const image = randomImages(1, backbone.inputSize, 11);
      const ours = backbone.embed(image);
      const theirs = await reference(image);
      assert.deepEqual(ours.shape, [1, backbone.featureDim]);
      const ref = Array.from(await theirs.data());
      const got = Array.from(await ours.data());
      assert.equal(got.length, ref.length);
      const scale = Math.max(...ref.map(Math.abs));
      assert.ok(scale > 0);
      assert.ok(got.every((v, i) => Math.abs(v - ref[i]) <= 1e-5 * scale), `${name} differs from face-api`);
      tf.dispose([image, ours, theirs]);
      backbone.dispose();
    });
  }

  it('should give each image the same features when embedded alone or in a batch', async () => {
    const backbone = await loadBackbone(DEFAULT_BACKBONE);
    const images = randomImages(3, backbone.inputSize, 5);
    const batched = (await backbone.embed(images).array()) as number[][];
    const single = tf.slice(images, [1, 0, 0, 0], [1, -1, -1, -1]);
    const alone = (await backbone.embed(single).array()) as number[][];
    alone[0].forEach((v, j) => assert.ok(Math.abs(v - batched[1][j]) < 1e-4));
    tf.dispose([images, single]);
    backbone.dispose();
  });

  it('should keep the tensor count flat when embedding repeatedly and free its weights when disposed', async () => {
    const start = tf.memory().numTensors;
    const backbone = await loadBackbone(DEFAULT_BACKBONE);
    const loaded = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const images = randomImages(2, 64, i); // resized to inputSize inside embed
      const out = backbone.embed(images);
      assert.deepEqual(out.shape, [2, backbone.featureDim]);
      tf.dispose([images, out]);
      assert.equal(tf.memory().numTensors, loaded);
    }
    backbone.dispose();
    assert.equal(tf.memory().numTensors, start);
  });

  it('should list every backbone with its shape and say which need a weights file when listing', () => {
    const list = listBackbones();
    assert.ok(list.some((b) => b.name === DEFAULT_BACKBONE && !b.needsWeightsFile));
    const clip = list.find((b) => b.name === 'clip-vit-b32');
    assert.deepEqual([clip?.featureDim, clip?.inputSize, clip?.needsWeightsFile], [512, 224, true]);
  });

  it('should name the known backbones when asked for an unknown one', async () => {
    await assert.rejects(loadBackbone('resnet-9000'), /unknown backbone 'resnet-9000'; known: .*face-api-expression/);
  });

  it('should name the manifest path when the weights folder has no model', async () => {
    await assert.rejects(loadBackbone(DEFAULT_BACKBONE, { weightsPath: '/nonexistent-folder' }), /cannot read TF\.js weights manifest \/nonexistent-folder\//);
  });
});
