import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseTrainingConfig } from '@fer/contracts';
import { selectBackend } from '../backend';
import { needsConvGradients } from '../cafe-model';
import { deserializeCheckpoint } from '../checkpoint';
import { evaluate } from '../evaluator';
import type { FeatureSet } from '../feature-set';
import { SeededRandom } from '../seeded-random';
import { train } from '../trainer';
import { createResnet18MaskNet } from './resnet18.mask-net';

function imageSet(n: number, size: number, dim: number): FeatureSet {
  const rng = new SeededRandom(9);
  return {
    n,
    dim,
    features: Float32Array.from({ length: n * dim }, () => rng.normal()),
    labels: Int32Array.from({ length: n }, (_, i) => i % 7),
    images: { size, data: Uint8Array.from({ length: n * size * size * 3 }, () => rng.nextInt(256)) },
  };
}

describe('resnet18 mask net (wasm backend, small images)', () => {
  before(async () => {
    await selectBackend({ needsConvGradients: true, override: 'wasm' });
  });

  it('should have the 11.2M parameters of ResNet-18 and map images to C channels when C differs from 512', () => {
    const net = createResnet18MaskNet({ rng: new SeededRandom(1), featureDim: 64, outputDim: 64, hidden: 0 });
    const trainable = net.parameters.filter((p) => p.trainable).reduce((s, p) => s + p.variable.size, 0);
    // torchvision resnet18 without its fc: 11,176,512; plus our 512→64 projection
    assert.equal(trainable, 11_176_512 + 512 * 64 + 64);
    const out = tf.tidy(() => net.apply(tf.randomNormal([2, 32, 32, 3]), { training: false }).shape);
    assert.deepEqual(out, [2, 64]);
    net.parameters.forEach((p) => p.variable.dispose());
  });

  it('should train one CAFE epoch on the image path and update BatchNorm statistics when the mask net is resnet18', async () => {
    const config = parseTrainingConfig({ maskNet: 'resnet18', epochs: 1, batchSize: 4, imageSize: 32 });
    assert.equal(needsConvGradients(config), true);
    const set = imageSet(8, 40, 512);
    const result = await train({ config, seed: 1, train: set });
    const stored = deserializeCheckpoint(result.checkpoint!).parameters;
    const runningVar = stored.find((t) => t.name === 'stem.bn.runningVar')!;
    assert.ok(runningVar.data.some((v) => v !== 1), 'running variance moved from its initial 1');
    assert.ok(Number.isFinite(result.epochs[0].lossTotal));
    assert.equal(evaluate(result.checkpoint!, set).n, 8);
  });
});
