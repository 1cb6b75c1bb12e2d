import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { parseTrainingConfig } from '@fer/contracts';
import { selectBackend } from '../backends/backend';
import { needsConvGradients } from '../model/cafe-model';
import { deserializeCheckpoint } from '../model/checkpoint';
import { evaluate } from '../training/evaluator';
import type { FeatureSet } from '../data/feature-set';
import { inMemoryImages, type SplitImages } from '../data/split-images';
import { SeededRandom } from '@fer/contracts';
import { train } from '../training/trainer';
import { createResnet18MaskNet } from './resnet18.mask-net';

function imageSet(n: number, size: number, dim: number): FeatureSet {
  const rng = new SeededRandom(9);
  return {
    n,
    dim,
    features: Float32Array.from({ length: n * dim }, () => rng.normal()),
    labels: Int32Array.from({ length: n }, (_, i) => i % 7),
    images: inMemoryImages(size, Uint8Array.from({ length: n * size * size * 3 }, () => rng.nextInt(256))),
  };
}

/** Parameters (hashed: 11M floats make unreadable diffs), losses and random state of a checkpoint; not its timings. */
function fingerprint(bytes: Uint8Array) {
  const checkpoint = deserializeCheckpoint(bytes);
  return {
    parameters: checkpoint.parameters.map((p) => `${p.name} ${createHash('sha256').update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength)).digest('hex')}`),
    history: checkpoint.history.map(({ seconds: _seconds, ...rest }) => rest),
    randomState: checkpoint.randomState,
  };
}

/** Delivers a source's batches one event-loop turn late and records what the trainer asked for and closed. */
function lazyImages(source: SplitImages) {
  const requests: { rows: number[]; batchSize: number; delivered: number; closed: boolean }[] = [];
  const images: SplitImages = {
    n: source.n,
    size: source.size,
    batches(rows, batchSize) {
      const inner = source.batches(rows, batchSize);
      const request = { rows: Array.from(rows), batchSize, delivered: 0, closed: false };
      requests.push(request);
      return {
        async next() {
          await new Promise((resolve) => setTimeout(resolve, 1));
          const result = await inner.next();
          if (result.done) request.closed = true;
          else request.delivered++;
          return result;
        },
        async return() {
          request.closed = true;
          return (await inner.return?.()) ?? { done: true, value: undefined };
        },
      };
    },
  };
  return { images, requests };
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
    assert.equal((await evaluate(result.checkpoint!, set)).n, 8);
  });

  it('should give the same checkpoint whether the pixels stream in per batch or sit in memory', async () => {
    const config = parseTrainingConfig({ maskNet: 'resnet18', epochs: 2, batchSize: 4, imageSize: 16, augment: { erasingProbability: 0.5 } });
    const inMemory = imageSet(10, 20, 512);
    const { images, requests } = lazyImages(inMemory.images!);
    const [held, streamed] = [await train({ config, seed: 3, train: inMemory }), await train({ config, seed: 3, train: { ...inMemory, images } })];
    assert.deepEqual(fingerprint(streamed.checkpoint!), fingerprint(held.checkpoint!));
    // One pass per epoch over a permutation of all rows, 3 batches of ≤ 4, every pass closed.
    assert.equal(requests.length, 2);
    for (const request of requests) {
      assert.deepEqual([...request.rows].sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i));
      assert.deepEqual([request.batchSize, request.delivered, request.closed], [4, 3, true]);
    }
    assert.notDeepEqual(requests[0].rows, requests[1].rows, 'each epoch reads its own shuffled order');

    const evaluated = lazyImages(inMemory.images!);
    assert.deepEqual(await evaluate(streamed.checkpoint!, { ...inMemory, images: evaluated.images }), await evaluate(held.checkpoint!, inMemory));
    assert.deepEqual(evaluated.requests.map((r) => [r.rows, r.closed]), [[Array.from({ length: 10 }, (_, i) => i), true]]);
  });

  it('should close the image stream of an epoch when training stops in its middle', async () => {
    const config = parseTrainingConfig({ maskNet: 'resnet18', epochs: 1, batchSize: 2, imageSize: 16 });
    const set = imageSet(8, 16, 512);
    const { images, requests } = lazyImages(set.images!);
    let steps = 0;
    const result = await train({ config, seed: 1, train: { ...set, images }, onStep: () => steps++, shouldStop: () => steps === 2 });
    assert.equal(result.stopped, true);
    assert.deepEqual(requests.map((r) => [r.delivered, r.closed]), [[2, true]]);
  });
});
