import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageRows, inMemoryImages, nextImageBatch, type SplitImages } from './split-images';

const SIZE = 2;
const BYTES = SIZE * SIZE * 3;
/** n images whose every byte is the image's index: a batch's bytes say which rows it holds. */
const indexed = (n: number) => inMemoryImages(SIZE, Uint8Array.from({ length: n * BYTES }, (_, i) => Math.floor(i / BYTES)));
const rowsOf = (batch: Uint8Array) => Array.from({ length: batch.length / BYTES }, (_, i) => batch[i * BYTES]);

async function readAll(images: SplitImages, rows: number[], batchSize: number): Promise<number[][]> {
  const iterator = images.batches(Int32Array.from(rows), batchSize);
  const out: number[][] = [];
  for (let r = await iterator.next(); !r.done; r = await iterator.next()) out.push(rowsOf(r.value));
  return out;
}

describe('split images', () => {
  it('should yield the rows in the asked order in batches with a short last one', async () => {
    assert.deepEqual(await readAll(indexed(7), [6, 0, 3, 3, 5], 2), [[6, 0], [3, 3], [5]]);
    assert.deepEqual(await readAll(indexed(7), [], 2), []);
  });

  it('should map subset rows to the rows of the source without copying it', async () => {
    const source = indexed(10);
    const subset = imageRows(source, [9, 4, 2]);
    assert.deepEqual([subset.n, subset.size], [3, SIZE]);
    assert.deepEqual(await readAll(subset, [2, 0, 1], 2), [[2, 9], [4]]);
    assert.deepEqual(await readAll(imageRows(subset, [1]), [0], 4), [[4]]);
  });

  it('should refuse rows outside the source and data that is not whole images', () => {
    assert.throws(() => indexed(3).batches(Int32Array.from([0, 3]), 2), /image row 3 is outside \[0, 3\)/);
    assert.throws(() => imageRows(indexed(3), [-1]), /image row -1 is outside/);
    assert.throws(() => inMemoryImages(SIZE, new Uint8Array(BYTES + 1)), /13 bytes is not a whole number of 2×2 RGB images/);
  });

  it('should name the shortfall when a source gives fewer or smaller batches than asked', async () => {
    const iterator = indexed(4).batches(Int32Array.from([0, 1, 2]), 2);
    assert.deepEqual(rowsOf(await nextImageBatch(iterator, 2, SIZE)), [0, 1]);
    await assert.rejects(nextImageBatch(iterator, 2, SIZE), /gave 12 bytes for a batch of 2 2×2 images \(expected 24\)/);
    await assert.rejects(nextImageBatch(iterator, 1, SIZE), /the image source ended early: expected a batch of 1 images/);
  });
});
