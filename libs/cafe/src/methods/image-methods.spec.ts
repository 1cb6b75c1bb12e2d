import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { type EpochMetrics, type TrainingConfigInput, SeededRandom, parseTrainingConfig } from '@fer/contracts';
import { selectBackend } from '../backends/backend';
import type { FeatureSet } from '../data/feature-set';
import { inMemoryImages } from '../data/split-images';
import { deserializeCheckpoint } from '../model/checkpoint';
import { createVariable } from '../model/model-parameters';
import { AdamOptimizer } from '../optim/adam.optimizer';
import { evaluate } from '../training/evaluator';
import { train } from '../training/trainer';
import { readStateDict } from '@fer/weights';

const IMAGE_SIZE = 16;

/** Tiny images whose class sets the colour of a centred square (plus pixel noise): learnable in a few steps. */
function colourSet(n: number, seed: number): FeatureSet {
  const rng = new SeededRandom(seed);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 7);
  const pixels = new Uint8Array(n * IMAGE_SIZE * IMAGE_SIZE * 3);
  for (let i = 0; i < n; i++) {
    const colour = [(labels[i] * 37) % 256, (labels[i] * 91 + 40) % 256, (labels[i] * 151 + 80) % 256];
    for (let y = 0; y < IMAGE_SIZE; y++)
      for (let x = 0; x < IMAGE_SIZE; x++)
        for (let c = 0; c < 3; c++) {
          const inside = y >= 4 && y < 12 && x >= 2 && x < 10;
          pixels[((i * IMAGE_SIZE + y) * IMAGE_SIZE + x) * 3 + c] = inside ? colour[c] : rng.nextInt(256);
        }
  }
  return { n, dim: 4, features: Float32Array.from({ length: n * 4 }, () => rng.normal()), labels, images: inMemoryImages(IMAGE_SIZE, pixels) };
}

const withoutTime = (epochs: EpochMetrics[]) => epochs.map(({ seconds: _s, ...rest }) => rest);
const imageConfig = (overrides: TrainingConfigInput) =>
  parseTrainingConfig({
    epochs: 3,
    batchSize: 7,
    imageSize: IMAGE_SIZE,
    selection: 'last',
    optimizer: { lr: 1e-3 },
    augment: { erasingProbability: 0, noiseVariance: 0 },
    ...overrides,
  });

const METHOD_CONFIGS: Record<string, TrainingConfigInput> = {
  erm: { method: 'erm' },
  // relabelling from the first epoch with margin 0, so relabels exist before the resume point
  scn: { method: 'scn', scn: { relabelEpoch: 1, margin2: 0 } },
  rul: { method: 'rul', rul: { featureDim: 16, dropout: 0.4 } },
  // the official lr: at 1e-3 the growing feature maps first inflate the consistency term on 16-px images
  eac: { method: 'eac', optimizer: { lr: 1e-4 } },
};

describe('image-space methods on the ResNet-18 trunk (wasm, tiny synthetic images)', () => {
  const trainSet = colourSet(14, 1);
  before(async () => {
    await selectBackend({ needsConvGradients: true, override: 'wasm' });
  });

  for (const [method, overrides] of Object.entries(METHOD_CONFIGS)) {
    it(`should reduce the ${method} loss over a few steps and end exactly as the uninterrupted run when resumed`, async () => {
      const config = imageConfig(overrides);
      const checkpoints: Uint8Array[] = [];
      const straight = await train({ config, seed: 2, train: trainSet, onEpoch: (_m, checkpoint) => void checkpoints.push(checkpoint) });
      const losses = straight.epochs.map((e) => e.lossTotal);
      assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
      assert.ok(losses[2] < losses[0], `${method} loss ${losses[0]} → ${losses[2]}`);
      const resumed = await train({ config, seed: 2, train: trainSet, resumeFrom: checkpoints[0] });
      assert.deepEqual(resumed.epochs.map((e) => e.epoch), [2, 3]);
      assert.deepEqual(withoutTime(resumed.history), withoutTime(straight.history));
      const [a, b] = [deserializeCheckpoint(resumed.checkpoint!), deserializeCheckpoint(straight.checkpoint!)];
      assert.deepEqual(a.parameters, b.parameters);
      assert.deepEqual(a.methodState, b.methodState);
      assert.deepEqual(await evaluate(resumed.checkpoint!, trainSet), await evaluate(straight.checkpoint!, trainSet));
    });
  }

  it('should keep SCN relabels per training row in the checkpoint and train on them after a resume', async () => {
    const config = imageConfig(METHOD_CONFIGS.scn);
    const first = await train({ config: imageConfig({ ...METHOD_CONFIGS.scn, epochs: 1 }), seed: 2, train: trainSet });
    const state = deserializeCheckpoint(first.checkpoint!).methodState!;
    const pairs = state.relabels;
    assert.ok(pairs.length > 0 && pairs.length % 2 === 0, `relabels ${pairs}`);
    for (let i = 0; i < pairs.length; i += 2) {
      assert.ok(pairs[i] >= 0 && pairs[i] < trainSet.n, 'a training row');
      assert.notEqual(pairs[i + 1], trainSet.labels[pairs[i]], 'a changed label');
    }
    // Forgetting the relabels changes what the rest of the run trains on.
    const checkpoint = deserializeCheckpoint(first.checkpoint!);
    const kept = await train({ config, seed: 2, train: trainSet, resumeFrom: checkpoint });
    const forgotten = await train({ config, seed: 2, train: trainSet, resumeFrom: { ...checkpoint, methodState: { relabels: [] } } });
    assert.notDeepEqual(withoutTime(kept.epochs), withoutTime(forgotten.epochs));
  });

  it('should load trunkWeights before the first epoch and report it, and refuse a config whose weights were not given', async () => {
    const file = join(__dirname, '..', '..', 'fixtures', 'weights', 'resnet18-forward.pth');
    const config = imageConfig({ method: 'erm', epochs: 1, trunkWeights: file });
    const tensors = await readStateDict(file);
    const result = await train({ config, seed: 1, train: trainSet, trunkWeights: { file, tensors } });
    assert.deepEqual(result.weightsReport, { loaded: 120, missing: [], unexpected: ['fc.bias', 'fc.weight'] });
    assert.deepEqual(deserializeCheckpoint(result.checkpoint!).trunkWeightsReport, result.weightsReport, 'kept with the run');
    await assert.rejects(train({ config, seed: 1, train: trainSet }), /trunkWeights names .* no state dict was given/);
    const other = await readStateDict(join(dirname(require.resolve('@fer/weights/package.json')), 'fixtures', 'other-arch.pth'));
    await assert.rejects(train({ config, seed: 1, train: trainSet, trunkWeights: { file: 'other-arch.pth', tensors: other } }), /no resnet18 trunk key matches/);
  });
});

describe('Adam with a per-parameter learning-rate multiplier (RUL: FC at 10x)', () => {
  it('should move a parameter with lrScale 10 ten times as far on the first step when the gradients are equal', () => {
    const plain = createVariable('plain', [2], Float32Array.from([1, 1]));
    const scaled = { ...createVariable('scaled', [2], Float32Array.from([1, 1])), lrScale: 10 };
    const adam = new AdamOptimizer([plain, scaled], { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    tf.tidy(() => adam.apply({ [plain.variable.name]: tf.tensor1d([0.5, -0.5]), [scaled.variable.name]: tf.tensor1d([0.5, -0.5]) }));
    const [p, s] = [plain.variable.dataSync(), scaled.variable.dataSync()];
    // The first Adam step is lr · sign(g).
    assert.ok(Math.abs(1 - p[0] - 1e-3) < 1e-7 && Math.abs(1 - s[0] - 1e-2) < 1e-6, `${p[0]} ${s[0]}`);
    adam.dispose();
    plain.variable.dispose();
    scaled.variable.dispose();
  });
});
