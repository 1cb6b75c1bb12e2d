import { loadRgb } from '../images/rgb-loading';
import { getReader } from '../readers/reader-registry';
import type { Sample } from '../sample';
import { generateSyntheticBenchmark } from '../synthetic/synthetic-benchmark.generator';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { streamedImages } from './streamed-images';

const SIZE = 24;
const BYTES = SIZE * SIZE * 3;

describe('streamedImages', () => {
  let dir: string;
  let samples: Sample[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fer-streamed-images-'));
    const [domain] = (await generateSyntheticBenchmark({ outDir: dir, perClassTrain: 2, perClassTest: 0, size: 40, seed: 5, domains: ['synth-wild'], layout: 'rafdb' })).domains;
    samples = (await getReader('rafdb').read(domain.root, { numClasses: 7 })).samples;
    assert.equal(samples.length, 14);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('should decode the rows from their files in the asked order, batch by batch', async () => {
    const order = Int32Array.from([13, 2, 7, 0, 9, 4, 11]);
    const iterator = streamedImages(samples, SIZE, { concurrency: 2, prefetchBatches: 1 }).batches(order, 3);
    const sizes: number[] = [];
    const decoded: Uint8Array[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      sizes.push(r.value.length / BYTES);
      for (let i = 0; i < r.value.length / BYTES; i++) decoded.push(r.value.subarray(i * BYTES, (i + 1) * BYTES));
    }
    assert.deepEqual(sizes, [3, 3, 1]);
    for (const [i, row] of order.entries()) assert.deepEqual(decoded[i], (await loadRgb(samples[row], SIZE)).data, `image ${i} = sample ${samples[row].key}`);
  });

  it('should stop reading when the consumer returns early', async () => {
    const iterator = streamedImages(samples, SIZE).batches(Int32Array.from({ length: 14 }, (_, i) => i), 2);
    assert.equal((await iterator.next()).done, false);
    assert.deepEqual(await iterator.return!(), { done: true, value: undefined });
    assert.deepEqual(await iterator.next(), { done: true, value: undefined });
  });

  it('should refuse a row outside the split', () => {
    assert.throws(() => streamedImages(samples, SIZE).batches(Int32Array.from([3, 14]), 2), /image row 14 is outside \[0, 14\)/);
  });
});
