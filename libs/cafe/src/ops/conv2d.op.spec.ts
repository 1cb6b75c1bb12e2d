import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectBackend } from '../backends/backend';
import { conv2d } from './conv2d.op';

type Case = [size: number, kernel: number, stride: number, pad: number, inChannels: number, outChannels: number];

/** Gradients of Σ weights·conv(x, w) w.r.t. x and w, with our op or TF.js' own conv2d. */
function gradients([size, kernel, stride, pad, inC, outC]: Case, useOurs: boolean): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from({ length: 2 * size * size * inC }, (_, i) => Math.sin(i * 0.7)), [2, size, size, inC]);
    const w = tf.tensor4d(Float32Array.from({ length: kernel * kernel * inC * outC }, (_, i) => Math.cos(i * 0.3)), [kernel, kernel, inC, outC]);
    const outShape = tf.conv2d(x, w, stride, pad).shape;
    const weights = tf.tensor(Float32Array.from({ length: outShape.reduce((a, b) => a * b) }, (_, i) => Math.sin(i * 1.3)), outShape);
    const convolve = useOurs ? conv2d : (a: tf.Tensor4D, b: tf.Tensor4D, s: number, p: number) => tf.conv2d(a, b, s, p);
    return tf
      .grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(convolve(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), weights)))([x, w])
      .map((g) => g.dataSync() as Float32Array);
  });
}

describe('conv2d with convolution-based gradients', () => {
  const cases: Case[] = [
    [9, 3, 1, 1, 3, 4],
    [9, 3, 2, 1, 3, 4],
    [10, 7, 2, 3, 3, 5],
    [8, 1, 2, 0, 4, 6],
    [6, 3, 2, 1, 4, 3],
    [4, 3, 2, 1, 4, 3],
    [2, 3, 2, 1, 5, 4],
    [1, 3, 1, 1, 4, 4],
  ];
  for (const backend of ['cpu', 'wasm']) {
    for (const c of cases) {
      it(`should match TF.js' own cpu gradients on ${backend} when the input is ${c[0]}px, kernel ${c[1]}, stride ${c[2]}, pad ${c[3]}`, async () => {
        await selectBackend({ override: 'cpu' }); // the reference needs Conv2DBackpropFilter, absent on wasm
        const reference = gradients(c, false);
        await selectBackend({ override: backend });
        const ours = gradients(c, true);
        ours.forEach((g, i) => {
          assert.equal(g.length, reference[i].length);
          const diff = g.reduce((m, v, j) => Math.max(m, Math.abs(v - reference[i][j])), 0);
          assert.ok(diff < 1e-3, `gradient ${i} differs by ${diff}`);
        });
      });
    }
  }

  it('should give a zero input gradient and the same filter gradient when the input gradient is not wanted', async () => {
    await selectBackend({ override: 'wasm' });
    const [x, w] = [tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1), tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2)] as tf.Tensor4D[];
    const loss = (inputGradient: boolean) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 1, { inputGradient })));
    const [dxOff, dwOff] = tf.grads(loss(false))([x, w]);
    const [, dwOn] = tf.grads(loss(true))([x, w]);
    assert.equal(tf.max(tf.abs(dxOff)).dataSync()[0], 0);
    assert.deepEqual(Array.from(dwOff.dataSync()), Array.from(dwOn.dataSync()));
    tf.dispose([x, w, dxOff, dwOff, dwOn]);
  });
});
