import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRgb } from '../images/rgb-loading';
import type { Sample } from '../sample';
import { makeTempDir, writeImage } from '../test-support/fixture-files';
import { BatchLoadError, createBatchStream, type ImageBatch, type LoadImage } from './batch-stream';

const SIZE = 32;
const BYTES = SIZE * SIZE * 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wraps loadRgb with a delay and counts the decodes running at once and started in all. */
function instrumentedLoad(delayMs: number) {
  const counters = { running: 0, maxRunning: 0, started: 0, finished: 0 };
  const load: LoadImage<Sample> = async (sample, size) => {
    counters.started++;
    counters.running++;
    counters.maxRunning = Math.max(counters.maxRunning, counters.running);
    try {
      await sleep(delayMs);
      return await loadRgb(sample, size);
    } finally {
      counters.running--;
      counters.finished++;
    }
  };
  return { load, counters };
}

async function collect(stream: AsyncIterable<ImageBatch>): Promise<ImageBatch[]> {
  const out: ImageBatch[] = [];
  for await (const batch of stream) out.push(batch);
  return out;
}

describe('createBatchStream', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let samples: Sample[];

  before(async () => {
    ({ dir, cleanup } = await makeTempDir('batches'));
    samples = [];
    for (let i = 0; i < 200; i += 20) {
      // 200 distinct 96×96 JPEGs, written 20 at a time
      const chunk = Array.from({ length: 20 }, (_, k) => i + k);
      await Promise.all(chunk.map((n) => writeImage(join(dir, `img${n}.jpg`), { size: 96, shade: (n * 37) % 256 })));
      for (const n of chunk) samples.push({ key: `img${n}.jpg`, split: 'train', label: n % 7, image: { kind: 'file', path: join(dir, `img${n}.jpg`) } });
    }
  });
  after(() => cleanup());

  it('should yield every item in order with a short last batch when the count is not a multiple of the batch size', async () => {
    const items = samples.slice(0, 23);
    const batches = await collect(createBatchStream(items, { batchSize: 5, size: SIZE, concurrency: 3, prefetchBatches: 2 }));
    assert.deepEqual(batches.map((b) => b.indices.length), [5, 5, 5, 5, 3]);
    assert.deepEqual(batches.flatMap((b) => b.indices), Array.from({ length: 23 }, (_, i) => i));
    assert.deepEqual(batches.map((b) => b.batch), [0, 1, 2, 3, 4]);
    for (const b of batches) {
      assert.equal(b.data.length, b.indices.length * BYTES);
      for (let r = 0; r < b.indices.length; r++) {
        const expected = (await loadRgb(items[b.indices[r]], SIZE)).data;
        assert.deepEqual(b.data.subarray(r * BYTES, (r + 1) * BYTES), expected, `row ${r} of batch ${b.batch}`);
      }
    }
    assert.deepEqual(await collect(createBatchStream([], { batchSize: 5, size: SIZE })), []);
  });

  it('should keep decodes under the concurrency and read-ahead under prefetchBatches when the consumer is slow', async () => {
    const { load, counters } = instrumentedLoad(4);
    const stream = createBatchStream(samples.slice(0, 60), { batchSize: 6, size: SIZE, concurrency: 3, prefetchBatches: 2, load });
    const aheadWhileBusy: number[] = [];
    for await (const _batch of stream) {
      await sleep(25); // the "backbone": the stream fills its read-ahead meanwhile
      aheadWhileBusy.push(stream.stats.buffered);
    }
    assert.equal(stream.stats.yielded, 10);
    assert.equal(counters.maxRunning, 3, 'own count of concurrent loads');
    assert.equal(stream.stats.maxInFlight, 3);
    assert.ok(stream.stats.maxBuffered <= 3, `at most prefetch + the awaited batch, got ${stream.stats.maxBuffered}`);
    assert.ok(aheadWhileBusy.every((n) => n <= 2), `read-ahead while the consumer works: ${aheadWhileBusy}`);
    assert.ok(Math.max(...aheadWhileBusy) >= 1, 'the read-ahead is actually used');
  });

  it('should decode nothing ahead when prefetchBatches is 0', async () => {
    const { load, counters } = instrumentedLoad(1);
    const stream = createBatchStream(samples.slice(0, 12), { batchSize: 4, size: SIZE, concurrency: 4, prefetchBatches: 0, load });
    await sleep(20);
    assert.equal(counters.started, 0);
    let yielded = 0;
    for await (const _batch of stream) {
      yielded++;
      await sleep(10);
      assert.equal(counters.started, yielded * 4);
      assert.equal(stream.stats.buffered, 0);
    }
  });

  it('should stop decoding and leave nothing in flight when the consumer breaks out early', async () => {
    const { load, counters } = instrumentedLoad(5);
    const stream = createBatchStream(samples, { batchSize: 8, size: SIZE, concurrency: 4, prefetchBatches: 3, load });
    let seen = 0;
    for await (const _batch of stream) if (++seen === 2) break; // calls return(), which awaits in-flight decodes
    assert.equal(counters.running, 0);
    assert.equal(stream.stats.inFlight, 0);
    const started = counters.started;
    assert.ok(started < 200 && started <= (2 + 3 + 1) * 8, `started ${started}`);
    await sleep(30);
    assert.equal(counters.started, started, 'no decode starts after return()');
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
  });

  it('should reject with the abort reason and leave nothing in flight when the signal aborts', async () => {
    const { load, counters } = instrumentedLoad(5);
    const controller = new AbortController();
    const stream = createBatchStream(samples, { batchSize: 8, size: SIZE, concurrency: 4, prefetchBatches: 1, load, signal: controller.signal });
    await stream.next();
    const pending = stream.next();
    controller.abort(new Error('cancelled by test'));
    await assert.rejects(pending, /cancelled by test/);
    assert.equal(counters.running, 0);
    const started = counters.started;
    await sleep(20);
    assert.equal(counters.started, started);
  });

  it('should yield the batches before a corrupt image and then fail naming its key', async () => {
    const { readFile, writeFile } = await import('node:fs/promises');
    const broken = join(dir, 'broken.jpg');
    const full = await readFile(samples[0].image.kind === 'file' ? samples[0].image.path : '');
    await writeFile(broken, full.subarray(0, Math.floor(full.length / 2)));
    const items: Sample[] = [...samples.slice(0, 7), { key: 'faces/broken.jpg', split: 'train', label: 0, image: { kind: 'file', path: broken } }, ...samples.slice(7, 12)];
    const { load, counters } = instrumentedLoad(0);
    const stream = createBatchStream(items, { batchSize: 4, size: SIZE, concurrency: 3, prefetchBatches: 2, load });
    assert.deepEqual((await stream.next()).value?.indices, [0, 1, 2, 3]);
    await assert.rejects(stream.next(), (error: unknown) => {
      assert.ok(error instanceof BatchLoadError);
      assert.equal(error.key, 'faces/broken.jpg');
      assert.equal(error.index, 7);
      assert.match(error.message, /faces\/broken\.jpg/);
      return true;
    });
    assert.equal(counters.running, 0);
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
  });

  it('should name the item when a custom load returns the wrong size', async () => {
    const stream = createBatchStream([{ id: 'a' }, { id: 'b' }], {
      batchSize: 2,
      size: 4,
      load: async (item) => ({ data: new Uint8Array(item.id === 'b' ? 3 : 48), width: 4, height: 4 }),
      keyOf: (item) => item.id,
    });
    await assert.rejects(stream.next(), /^BatchLoadError: b: loaded as 4x4 with 3 bytes, expected 4x4 RGB \(48 bytes\)/);
  });

  it('should report throughput with and without prefetch on 200 images (no timing assertion)', async (t) => {
    // The consumer burns CPU on the main thread as a tfjs CPU backbone would; sharp decodes on libuv threads.
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    const run = async (prefetchBatches: number) => {
      const startedAt = performance.now();
      let n = 0;
      for await (const batch of createBatchStream(samples, { batchSize: 20, size: 64, concurrency: 2, prefetchBatches })) {
        n += batch.indices.length;
        busy(12);
      }
      assert.equal(n, 200);
      return performance.now() - startedAt;
    };
    await run(1); // warm-up
    const decodeOnly = performance.now();
    await collect(createBatchStream(samples, { batchSize: 20, size: 64, concurrency: 2, prefetchBatches: 1 }));
    const decodeMs = performance.now() - decodeOnly;
    const without = await run(0);
    const withPrefetch = await run(2);
    t.diagnostic(
      `200 images 96→64 px, batches of 20, consumer 12 ms CPU per batch (120 ms): decode alone ${decodeMs.toFixed(0)} ms; ` +
        `prefetch 0 ${without.toFixed(0)} ms (${((200 / without) * 1000).toFixed(0)} img/s), ` +
        `prefetch 2 ${withPrefetch.toFixed(0)} ms (${((200 / withPrefetch) * 1000).toFixed(0)} img/s)`,
    );
  });
});
