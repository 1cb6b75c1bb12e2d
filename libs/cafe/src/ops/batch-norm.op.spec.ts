import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectBackend } from '../backends/backend';
import { batchNormTraining } from './batch-norm.op';

const EPSILON = 1e-5;

/** Batch norm as autodiff sees it: moments of the batch, then tf.batchNorm. */
function reference(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, beta, gamma, EPSILON) as tf.Tensor4D;
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('batchNormTraining', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`should give the outputs, gradients and moments of autodiff through tf.moments on ${backend}`, async () => {
      await selectBackend({ override: backend });
      tf.tidy(() => {
        const x = tf.add(tf.mul(tf.randomNormal([3, 4, 5, 6], 0, 1, 'float32', 1), 2), 0.5) as tf.Tensor4D;
        const gamma = tf.randomUniform([6], 0.5, 1.5, 'float32', 2) as tf.Tensor1D;
        const beta = tf.randomNormal([6], 0, 1, 'float32', 3) as tf.Tensor1D;
        const weights = tf.randomNormal([3, 4, 5, 6], 0, 1, 'float32', 4);
        let moments: tf.Tensor[] = [];
        const ours = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(batchNormTraining(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, EPSILON, (m, v) => (moments = [tf.keep(m), tf.keep(v)])), weights));
        const theirs = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(reference(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D), weights));
        assert.ok(maxDiff(batchNormTraining(x, gamma, beta, EPSILON), reference(x, gamma, beta)) < 1e-5, 'outputs');
        const [a, b] = [tf.grads(ours)([x, gamma, beta]), tf.grads(theirs)([x, gamma, beta])];
        ['x', 'gamma', 'beta'].forEach((name, i) => assert.ok(maxDiff(a[i], b[i]) < 1e-4, `gradient of ${name} differs by ${maxDiff(a[i], b[i])}`));
        const expected = tf.moments(x, [0, 1, 2]);
        assert.ok(maxDiff(moments[0], expected.mean) < 1e-6 && maxDiff(moments[1], expected.variance) < 1e-5, 'moments handed to onMoments');
        tf.dispose(moments);
      });
    });
  }
});
