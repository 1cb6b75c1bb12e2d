import type { AugmentConfig } from '@fer/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { augmentFrozenInput } from './frozen-path-augment';

const augment: AugmentConfig = { flip: true, erasingProbability: 0.5, erasingScale: [0.02, 0.25], noiseVariance: 30, frozenPath: 'recompute' };
const image = Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 37) % 256);

describe('augmentFrozenInput', () => {
  it('should draw the same augmentation for the same seed, epoch and row, and another for another epoch', () => {
    assert.deepEqual(augmentFrozenInput(image, 8, augment, 1, 3, 5), augmentFrozenInput(image, 8, augment, 1, 3, 5));
    const epochs = new Set(Array.from({ length: 8 }, (_, e) => Buffer.from(augmentFrozenInput(image, 8, augment, 1, e, 5)).toString('hex')));
    assert.ok(epochs.size > 1, 'epochs differ');
  });

  it('should leave the image as it is when every augmentation is off, and never touch its input', () => {
    const off: AugmentConfig = { ...augment, flip: false, erasingProbability: 0, noiseVariance: 0 };
    const copy = new Uint8Array(image);
    assert.deepEqual(augmentFrozenInput(image, 8, off, 1, 1, 1), image);
    augmentFrozenInput(image, 8, augment, 1, 1, 1);
    assert.deepEqual(image, copy);
  });

  it('should mirror the image exactly when only the flip is on and drawn', () => {
    const flipOnly: AugmentConfig = { ...augment, erasingProbability: 0, noiseVariance: 0 };
    const mirrored = new Uint8Array(image.length);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) for (let c = 0; c < 3; c++) mirrored[(y * 8 + x) * 3 + c] = image[(y * 8 + 7 - x) * 3 + c];
    const outcomes = Array.from({ length: 20 }, (_, row) => augmentFrozenInput(image, 8, flipOnly, 2, 1, row));
    assert.ok(outcomes.some((o) => Buffer.compare(Buffer.from(o), Buffer.from(mirrored)) === 0));
    assert.ok(outcomes.every((o) => Buffer.compare(Buffer.from(o), Buffer.from(mirrored)) === 0 || Buffer.compare(Buffer.from(o), Buffer.from(image)) === 0));
  });
});
