import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../backends/backend';
import { imageBatch, type ImageAugmentation } from './image-augment';

const SIZE = 5;
const image = (seed: number) => Uint8Array.from({ length: SIZE * SIZE * 3 }, (_, i) => (i * 37 + seed * 11) % 256);
const none = (n: number): ImageAugmentation => ({ flips: new Array(n).fill(false), noisy: new Array(n).fill(false), noiseSeed: 1, erase: new Array(n).fill(null) });

describe('imageBatch', () => {
  before(async () => {
    await selectBackend({ override: 'cpu' });
  });

  it('should normalise with the ImageNet statistics when nothing is augmented', () => {
    const pixels = image(1);
    const x = imageBatch(pixels.slice(), SIZE, SIZE);
    const expected = tf.tidy(() => tf.div(tf.sub(tf.div(tf.tensor4d(pixels, [1, SIZE, SIZE, 3], 'float32'), 255), [0.485, 0.456, 0.406]), [0.229, 0.224, 0.225]));
    assert.deepEqual(Array.from(x.dataSync()), Array.from(expected.dataSync()));
    tf.dispose([x, expected]);
  });

  it('should mirror exactly the drawn images left to right, in place', () => {
    const [a, b] = [image(1), image(2)];
    const batch = new Uint8Array([...a, ...b]);
    const augmentation = { ...none(2), flips: [false, true] };
    const x = imageBatch(batch, SIZE, SIZE, augmentation);
    const mirrored = tf.tidy(() => tf.reverse(tf.tensor4d(b, [1, SIZE, SIZE, 3], 'int32'), 2));
    assert.deepEqual(Array.from(batch.subarray(0, a.length)), Array.from(a), 'the first image is untouched');
    assert.deepEqual(Array.from(batch.subarray(a.length)), Array.from(mirrored.dataSync()), 'the second is mirrored in place');
    assert.deepEqual(x.shape, [2, SIZE, SIZE, 3]);
    tf.dispose([x, mirrored]);
  });

  it('should zero the erased rectangle and resize to the input size', () => {
    const augmentation = { ...none(1), erase: [{ top: 1, left: 1, height: 2, width: 3 }] };
    const x = imageBatch(image(3), SIZE, 4, augmentation);
    assert.deepEqual(x.shape, [1, 4, 4, 3]);
    const values = x.arraySync()[0];
    for (let y = 0; y < 4; y++) {
      for (let col = 0; col < 4; col++) {
        const erased = y >= 1 && y < 3 && col >= 1 && col < 4;
        assert.equal(values[y][col].every((v) => v === 0), erased, `pixel (${y}, ${col})`);
      }
    }
    x.dispose();
  });

  it('should resize with half-pixel centres like PyTorch (align_corners=False) when the stored size differs', () => {
    // 2 → 4 px along a row of values 0 and 255: PyTorch's bilinear upsampling gives 0, 63.75, 191.25, 255.
    const row = new Uint8Array([0, 0, 0, 255, 255, 255]);
    const x = tf.tidy(() => tf.add(tf.mul(imageBatch(new Uint8Array([...row, ...row]), 2, 4), 0.229), 0.485).mul(255));
    const red = Array.from((x.arraySync() as number[][][][])[0][0], (pixel) => Math.round(pixel[0] * 100) / 100);
    assert.deepEqual(red, [0, 63.75, 191.25, 255]);
    x.dispose();
  });

  it('should refuse bytes that are not whole images', () => {
    assert.throws(() => imageBatch(new Uint8Array(SIZE * SIZE * 3 + 2), SIZE, SIZE), /77 bytes is not a whole number of 5×5 RGB images/);
  });
});
