import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { type EpochMetrics, SeededRandom, parseTrainingConfig } from '@fer/contracts';
import { selectBackend } from '../backends/backend';
import { loadClipVit, type ClipVitBackbone } from '../backbones/clip-vit.backbone';
import type { FeatureSet } from '../data/feature-set';
import { imageBatch } from '../data/image-augment';
import { inMemoryImages } from '../data/split-images';
import { evaluate } from '../training/evaluator';
import { train } from '../training/trainer';
import { sharedFrozenBranch, type SharedFrozenBranch } from './shared-frozen';

/** The tiny CLIP of the backbone tests (32 px, 24-d): a real ViT, small enough to run every step on wasm. */
const CLIP_TINY = join(__dirname, '..', '..', 'fixtures', 'clip-tiny', 'model.safetensors');
const SIZE = 32;

function imagesOnly(n: number, seed: number): FeatureSet {
  const rng = new SeededRandom(seed);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 7);
  const pixels = Uint8Array.from({ length: n * SIZE * SIZE * 3 }, (_, i) => (labels[Math.floor(i / (SIZE * SIZE * 3))] * 35 + rng.nextInt(40)) % 256);
  return { n, dim: 0, features: new Float32Array(0), labels, images: inMemoryImages(SIZE, pixels) };
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('augment.frozenPath shared: one augmented batch feeds the frozen model and the image mask net', () => {
  let clip: ClipVitBackbone;
  before(async () => {
    await selectBackend({ needsConvGradients: true, override: 'wasm' });
    clip = await loadClipVit({ weightsPath: CLIP_TINY });
  });

  it('should give CLIP the ImageNet-normalised tensor itself, or the same pixels under its own normalisation', () => {
    const raw = Uint8Array.from({ length: 3 * SIZE * SIZE * 3 }, (_, i) => (i * 7 + (i >> 5)) % 256);
    tf.tidy(() => {
      const normalised = imageBatch(Uint8Array.from(raw), SIZE, SIZE);
      const official = sharedFrozenBranch(clip, 'imagenet').features(normalised);
      assert.ok(maxAbsDiff(official, clip.embedNormalized(normalised)) === 0, 'imagenet: the very tensor');
      const own = sharedFrozenBranch(clip, 'backbone').features(normalised);
      const direct = clip.embed(tf.tensor4d(raw, [3, SIZE, SIZE, 3], 'float32'));
      assert.ok(maxAbsDiff(own, direct) < 1e-4, `backbone: CLIP on the same pixels (max diff ${maxAbsDiff(own, direct)})`);
      assert.ok(maxAbsDiff(own, official) > 1e-3, 'the two normalisations differ');
    });
  });

  it('should run the frozen model once per step on the batch the mask net sees, score targets through it, and resume exactly', async () => {
    const config = parseTrainingConfig({
      method: 'cafe',
      maskNet: 'resnet18',
      imageSize: SIZE,
      epochs: 2,
      batchSize: 7,
      selection: 'last',
      evalEvery: 1,
      augment: { frozenPath: 'shared', frozenNormalization: 'imagenet' },
    });
    const calls: number[][] = [];
    const official = sharedFrozenBranch(clip, 'imagenet');
    const frozen: SharedFrozenBranch = {
      featureDim: official.featureDim,
      features: (images) => {
        calls.push(images.shape);
        return official.features(images);
      },
    };
    const trainSet = imagesOnly(14, 2);
    const target = imagesOnly(7, 3);
    const checkpoints: Uint8Array[] = [];
    const scores: number[] = [];
    const straight = await train({
      config,
      seed: 4,
      train: trainSet,
      targets: [{ key: 't', set: target }],
      frozen,
      onEpoch: (_m, checkpoint, _best, evaluations) => {
        checkpoints.push(checkpoint);
        scores.push(evaluations[0].metrics.accuracy);
      },
    });
    const trainSteps = calls.filter((shape) => shape[0] === 7).length;
    assert.ok(trainSteps >= 4, `2 epochs x 2 steps of 7 images (+ scoring batches): ${JSON.stringify(calls)}`);
    assert.ok(calls.every((shape) => shape.join('x') === `${shape[0]}x${SIZE}x${SIZE}x3`));
    assert.ok(straight.epochs.every((e) => Number.isFinite(e.lossTotal)));
    assert.equal((await evaluate(checkpoints[1], target, official)).accuracy, scores[1], 'a kept checkpoint scores as training did');
    await assert.rejects(evaluate(checkpoints[1], target), /frozen branch/, 'never scored without its frozen model');
    const resumed = await train({ config, seed: 4, train: trainSet, frozen: official, resumeFrom: checkpoints[0] });
    const withoutTime = (epochs: EpochMetrics[]) => epochs.map(({ seconds: _s, ...rest }) => rest);
    assert.deepEqual(withoutTime(resumed.history), withoutTime(straight.history));
  });
});
