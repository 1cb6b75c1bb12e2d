import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type EpochMetrics, type TrainingConfigInput, parseTrainingConfig } from '@fer/contracts';
import { selectBackend } from '../backends/backend';
import { deserializeCheckpoint } from '../model/checkpoint';
import { classificationMetrics, evaluate } from './evaluator';
import type { FeatureSet } from '../data/feature-set';
import { SeededRandom } from '@fer/contracts';
import { train } from './trainer';
import { gaussianClusters } from '../data/gaussian-clusters';

const syntheticSet = (n: number, dim: number, seed: number, numClasses = 7): FeatureSet => gaussianClusters(n, dim, { seed, numClasses });

const withoutTime = (epochs: EpochMetrics[]) => epochs.map(({ seconds: _s, ...rest }) => rest);
const config = (overrides: TrainingConfigInput = {}) =>
  parseTrainingConfig({ epochs: 3, batchSize: 16, maskNetHidden: 24, optimizer: { lr: 5e-3 }, ...overrides });

describe('train', () => {
  const trainSet = syntheticSet(112, 28, 1);
  const valSet = syntheticSet(56, 28, 2);

  before(async () => {
    await selectBackend({ override: 'wasm' });
  });

  it('should give identical metrics and weights when run twice with the same seed', async () => {
    const a = await train({ config: config(), seed: 3, train: trainSet, val: valSet });
    const b = await train({ config: config(), seed: 3, train: trainSet, val: valSet });
    assert.deepEqual(withoutTime(a.epochs), withoutTime(b.epochs));
    assert.deepEqual(deserializeCheckpoint(a.checkpoint!).parameters, deserializeCheckpoint(b.checkpoint!).parameters);
    const c = await train({ config: config(), seed: 4, train: trainSet, val: valSet });
    assert.notDeepEqual(withoutTime(a.epochs), withoutTime(c.epochs));
  });

  it('should end exactly as an uninterrupted run when resumed from the epoch-1 checkpoint', async () => {
    const checkpoints: Uint8Array[] = [];
    const straight = await train({ config: config(), seed: 5, train: trainSet, val: valSet, onEpoch: (_m, checkpoint) => void checkpoints.push(checkpoint) });
    const resumed = await train({ config: config(), seed: 5, train: trainSet, val: valSet, resumeFrom: checkpoints[0] });
    assert.deepEqual(resumed.epochs.map((e) => e.epoch), [2, 3]);
    assert.deepEqual(withoutTime(resumed.history), withoutTime(straight.history));
    const last = (bytes: Uint8Array) => {
      const { history: _h, ...rest } = deserializeCheckpoint(bytes);
      return { ...rest, history: withoutTime(deserializeCheckpoint(bytes).history) };
    };
    assert.deepEqual(last(resumed.checkpoint!), last(straight.checkpoint!));
    assert.deepEqual(await evaluate(resumed.checkpoint!, valSet), await evaluate(straight.checkpoint!, valSet));
  });

  it('should score the targets every evalEvery epochs, at the last and at each source-val best, as the checkpoint of that epoch scores', async () => {
    const scored: { epoch: number; best: boolean; accuracy: number; checkpoint: Uint8Array }[] = [];
    await train({
      config: config({ epochs: 5, evalEvery: 2 }),
      seed: 6,
      train: trainSet,
      val: valSet,
      targets: [{ key: 'target', set: valSet }],
      onEpoch: (metrics, checkpoint, best, evaluations) => {
        for (const e of evaluations) scored.push({ epoch: metrics.epoch, best, accuracy: e.metrics.accuracy, checkpoint });
        if (!best && metrics.epoch % 2 !== 0 && metrics.epoch !== 5) assert.deepEqual(evaluations, [], `epoch ${metrics.epoch} is not scored`);
      },
    });
    const epochs = scored.map((s) => s.epoch);
    for (const epoch of [2, 4, 5]) assert.ok(epochs.includes(epoch), `epoch ${epoch} scored: ${epochs}`);
    assert.ok(scored.some((s) => s.best), 'the first epoch with a source-val score is a best');
    for (const s of scored) assert.equal(s.accuracy, (await evaluate(s.checkpoint, valSet)).accuracy, `epoch ${s.epoch}`);
  });

  it('should refuse to resume when the config differs in more than epochs', async () => {
    const first = await train({ config: config({ epochs: 1 }), seed: 5, train: trainSet });
    await assert.rejects(train({ config: config({ lambdaDiverse: 1 }), seed: 5, train: trainSet, resumeFrom: first.checkpoint! }), /another config/);
  });

  it('should keep the number of live tensors flat when epochs go by', async () => {
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    await train({ config: config({ epochs: 4 }), seed: 1, train: trainSet, val: valSet, onEpoch: () => void counts.push(tf.memory().numTensors) });
    assert.equal(new Set(counts).size, 1, `tensor counts per epoch: ${counts}`);
    assert.equal(tf.memory().numTensors, before);
  });

  it('should learn separable classes and report consistent metrics when trained for a few epochs', async () => {
    const result = await train({ config: config({ epochs: 6 }), seed: 2, train: trainSet, val: valSet });
    const [first, last] = [result.epochs[0], result.epochs[result.epochs.length - 1]];
    assert.ok(last.lossCE < first.lossCE, `CE ${first.lossCE} → ${last.lossCE}`);
    assert.ok(last.sourceValAccuracy! > 0.6, `source-val accuracy ${last.sourceValAccuracy}`);
    assert.ok(Math.abs(last.learningRate - 5e-3 * 0.9 ** 5) < 1e-12);
    assert.ok(last.lossDiverse > 0 && last.lossSeparation > 0);
    const metrics = await evaluate(result.checkpoint!, valSet);
    assert.equal(metrics.n, valSet.n);
    assert.equal(metrics.accuracy, last.sourceValAccuracy);
    assert.equal(metrics.confusion.flat().reduce((a, b) => a + b, 0), valSet.n);
  });

  it('should stop between steps and return the last finished epoch when shouldStop turns true', async () => {
    let steps = 0;
    const result = await train({ config: config(), seed: 1, train: trainSet, onStep: () => void steps++, shouldStop: () => steps >= 9 });
    assert.equal(result.stopped, true);
    assert.equal(result.epochs.length, 1);
    assert.equal(deserializeCheckpoint(result.checkpoint!).epoch, 1);
  });

  for (const overrides of [
    { method: 'linear-probe' },
    { method: 'mlp-probe' },
    { method: 'cafe', head: 'group-max' },
    { method: 'cafe', useMask: false },
    { method: 'cafe', lambdaDiverse: 0, lambdaSeparation: 0 },
  ] as TrainingConfigInput[]) {
    it(`should train and evaluate when the config is ${JSON.stringify(overrides)}`, async () => {
      const result = await train({ config: config({ epochs: 2, ...overrides }), seed: 1, train: trainSet, val: valSet });
      const last = result.epochs[1];
      assert.ok(Number.isFinite(last.lossTotal));
      if (overrides.method !== 'cafe' || overrides.lambdaDiverse === 0) assert.equal(last.lossDiverse, 0);
      else assert.ok(last.lossDiverse > 0);
      assert.equal((await evaluate(result.checkpoint!, valSet)).n, valSet.n);
    });
  }

  it('should name the field when the labels do not fit the class count', async () => {
    const bad = { ...trainSet, labels: Int32Array.from(trainSet.labels, (l) => (l === 6 ? 9 : l)) };
    await assert.rejects(train({ config: config(), seed: 1, train: bad }), /train: labels\[6\] = 9/);
  });
});

describe('classificationMetrics', () => {
  it('should compute accuracy, per-class recall, macro-F1 and the confusion matrix when given known predictions', () => {
    const labels = Int32Array.from([0, 0, 1, 1, 2, 2]);
    const predictions = Int32Array.from([0, 1, 1, 1, 2, 0]);
    const m = classificationMetrics(labels, predictions, 3);
    assert.deepEqual(m.confusion, [[1, 1, 0], [0, 2, 0], [1, 0, 1]]);
    assert.equal(m.accuracy, 4 / 6);
    assert.deepEqual(m.perClassAccuracy, [0.5, 1, 0.5]);
    const f1 = [2 / (2 + 2), (2 * 2) / (2 + 3), 2 / (2 + 1)];
    assert.ok(Math.abs(m.macroF1 - (f1[0] + f1[1] + f1[2]) / 3) < 1e-12);
    assert.equal(m.n, 6);
  });

  it('should train on per-epoch features when the frozen path is recomputed, and resume to the same result', async () => {
    await selectBackend({ override: 'wasm' });
    const trainSet = syntheticSet(112, 28, 1);
    const valSet = syntheticSet(56, 28, 2);
    const recompute = config({ augment: { frozenPath: 'recompute' } });
    const featuresForEpoch = async (epoch: number): Promise<FeatureSet> => {
      const shifted = syntheticSet(112, 28, 1);
      const rng = new SeededRandom(epoch);
      for (let i = 0; i < shifted.features.length; i++) shifted.features[i] += 0.3 * rng.normal();
      return { n: shifted.n, dim: shifted.dim, features: shifted.features, labels: shifted.labels };
    };
    const straight = await train({ config: recompute, seed: 4, train: trainSet, val: valSet, featuresForEpoch });
    const cached = await train({ config: recompute, seed: 4, train: trainSet, val: valSet });
    assert.notDeepEqual(withoutTime(straight.history), withoutTime(cached.history), 'the per-epoch features were used');
    const first = await train({ config: config({ augment: { frozenPath: 'recompute' }, epochs: 1 }), seed: 4, train: trainSet, val: valSet, featuresForEpoch });
    const resumed = await train({ config: recompute, seed: 4, train: trainSet, val: valSet, featuresForEpoch, resumeFrom: first.checkpoint! });
    assert.deepEqual(withoutTime(resumed.history), withoutTime(straight.history));
    await assert.rejects(
      train({ config: recompute, seed: 4, train: trainSet, featuresForEpoch: async () => syntheticSet(10, 28, 1) }),
      /rows, labels and width/,
    );
  });
});
