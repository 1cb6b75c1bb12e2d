import { availableParallelism } from 'node:os';
import { loadRgb, type RgbImage } from '../images/rgb-loading';
import type { Sample } from '../sample';

/** One batch, in item order: `data` holds `indices.length` images of size×size×3 RGB bytes, row i = items[indices[i]]. */
export interface ImageBatch {
  /** Position of this batch in the stream (0, 1, …). */
  batch: number;
  /** Indices into the items given to `createBatchStream`, ascending and contiguous. */
  indices: number[];
  /** indices.length × size × size × 3; a fresh array per batch that the consumer owns. */
  data: Uint8Array;
}

export type LoadImage<T> = (item: T, size: number, signal: AbortSignal) => Promise<Pick<RgbImage, 'data' | 'width' | 'height'>>;

export interface BatchStreamOptions<T> {
  batchSize: number;
  /** Output side in pixels; every load must return exactly size×size×3 bytes. */
  size: number;
  /** Decodes in flight at most, across all buffered batches (default: min(4, cores)). */
  concurrency?: number;
  /**
   * Batches decoded ahead of the consumer's request (default 1). 0 decodes a batch only once `next()` asks for it.
   * The stream never holds more than prefetchBatches + 1 unyielded batches (the one awaited plus those ahead).
   */
  prefetchBatches?: number;
  /** Default: `loadRgb(sample, size)` for Sample items. */
  load?: LoadImage<T>;
  /** Names an item in errors (default: `item.key` when it has one, else `#index`). */
  keyOf?(item: T, index: number): string;
  /** Aborting stops new decodes; the pending or next `next()` rejects with the signal's reason once in-flight decodes settled. */
  signal?: AbortSignal;
}

/** Live counters, for tests and logs. `buffered` = batches started (decoding or ready) and not yet yielded. */
export interface BatchStreamStats {
  inFlight: number;
  maxInFlight: number;
  buffered: number;
  maxBuffered: number;
  decoded: number;
  yielded: number;
}

export interface BatchStream extends AsyncIterableIterator<ImageBatch> {
  readonly stats: Readonly<BatchStreamStats>;
  /** Stops decoding and resolves once no decode is in flight; later `next()` calls are done. Same as `return()`. */
  close(): Promise<void>;
}

/** A load failed (or returned the wrong size); `key` names the item. */
export class BatchLoadError extends Error {
  override readonly name = 'BatchLoadError';
  constructor(
    readonly key: string,
    readonly index: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface Slot {
  data: Uint8Array;
  remaining: number;
  start: number;
  end: number;
}

function defaultKey(item: unknown, index: number): string {
  const key = (item as { key?: unknown } | null)?.key;
  return typeof key === 'string' ? key : `#${index}`;
}

/**
 * Streams `items` as batches of decoded, resized RGB pixels, in order, with bounded decode concurrency and bounded
 * read-ahead: memory stays at (prefetchBatches + 1) batches however many items there are.
 */
export function createBatchStream(items: readonly Sample[], options: BatchStreamOptions<Sample>): BatchStream;
export function createBatchStream<T>(items: readonly T[], options: BatchStreamOptions<T> & { load: LoadImage<T> }): BatchStream;
export function createBatchStream<T>(items: readonly T[], options: BatchStreamOptions<T>): BatchStream {
  const { batchSize, size } = options;
  const concurrency = options.concurrency ?? Math.min(4, availableParallelism());
  const prefetch = options.prefetchBatches ?? 1;
  const load = options.load ?? ((item: T, s: number) => loadRgb(item as unknown as Sample, s));
  const keyOf = options.keyOf ?? defaultKey;
  for (const [name, value, min] of [['batchSize', batchSize, 1], ['size', size, 1], ['concurrency', concurrency, 1], ['prefetchBatches', prefetch, 0]] as const) {
    if (!Number.isInteger(value) || value < min) throw new Error(`createBatchStream: ${name} must be an integer ≥ ${min}, got ${value}`);
  }
  const bytes = size * size * 3;
  const batchCount = Math.ceil(items.length / batchSize);
  const internal = new AbortController();
  const stats: BatchStreamStats = { inFlight: 0, maxInFlight: 0, buffered: 0, maxBuffered: 0, decoded: 0, yielded: 0 };

  const slots = new Map<number, Slot>();
  let nextItem = 0; // next item whose decode has not started
  let nextBatch = 0; // next batch to yield
  let waiting = false; // a next() call awaits batch `nextBatch`
  let failure: { batch: number; error: Error } | undefined;
  let closed = false;
  let wake: (() => void) | undefined; // resolves the pending next()'s wait
  const idleWaiters: (() => void)[] = [];

  const aborted = () => options.signal?.aborted === true;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const settleIdle = () => {
    if (stats.inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve();
  };
  const whenIdle = () => (stats.inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)));

  const fail = (batch: number, error: Error) => {
    if (!failure || batch < failure.batch) failure = { batch, error };
  };

  function pump(): void {
    if (closed || aborted()) return;
    // Batches [nextBatch, limit) may hold decodes: the awaited one (when a next() waits) plus `prefetch` ahead.
    const limit = Math.min(batchCount, nextBatch + prefetch + (waiting ? 1 : 0), failure ? failure.batch : Infinity);
    while (stats.inFlight < concurrency && nextItem < items.length) {
      const index = nextItem;
      const batch = Math.floor(index / batchSize);
      if (batch >= limit) break;
      nextItem++;
      let slot = slots.get(batch);
      if (!slot) {
        const start = batch * batchSize;
        const end = Math.min(items.length, start + batchSize);
        slot = { data: new Uint8Array((end - start) * bytes), remaining: end - start, start, end };
        slots.set(batch, slot);
        stats.buffered = slots.size;
        stats.maxBuffered = Math.max(stats.maxBuffered, stats.buffered);
      }
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      void decode(index, batch, slot);
    }
  }

  async function decode(index: number, batch: number, slot: Slot): Promise<void> {
    const item = items[index];
    try {
      const image = await load(item, size, internal.signal);
      if (image.width !== size || image.height !== size || image.data.length !== bytes) {
        throw new BatchLoadError(
          keyOf(item, index),
          index,
          `${keyOf(item, index)}: loaded as ${image.width}x${image.height} with ${image.data.length} bytes, expected ${size}x${size} RGB (${bytes} bytes)`,
        );
      }
      slot.data.set(image.data, (index - slot.start) * bytes);
      slot.remaining--;
      stats.decoded++;
    } catch (error) {
      const key = keyOf(item, index);
      fail(
        batch,
        error instanceof BatchLoadError
          ? error
          : new BatchLoadError(key, index, `could not load ${key}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }),
      );
    } finally {
      stats.inFlight--;
      settleIdle();
      pump();
      notify();
    }
  }

  async function next(): Promise<IteratorResult<ImageBatch>> {
    if (closed) return { done: true, value: undefined };
    if (waiting) throw new Error('createBatchStream: next() called while another next() is pending');
    waiting = true;
    try {
      for (;;) {
        if (aborted()) {
          closed = true;
          internal.abort(options.signal!.reason);
          await whenIdle();
          throw options.signal!.reason ?? new Error('createBatchStream: aborted');
        }
        if (nextBatch >= batchCount) {
          closed = true;
          return { done: true, value: undefined };
        }
        if (failure && failure.batch === nextBatch) {
          closed = true;
          internal.abort(failure.error);
          await whenIdle();
          throw failure.error;
        }
        const slot = slots.get(nextBatch);
        if (slot && slot.remaining === 0) {
          slots.delete(nextBatch);
          stats.buffered = slots.size;
          const batch: ImageBatch = {
            batch: nextBatch,
            indices: Array.from({ length: slot.end - slot.start }, (_, i) => slot.start + i),
            data: slot.data,
          };
          nextBatch++;
          stats.yielded++;
          waiting = false;
          pump(); // refill the read-ahead window while the consumer works on this batch
          return { done: false, value: batch };
        }
        pump();
        await new Promise<void>((resolve) => {
          wake = resolve;
          options.signal?.addEventListener('abort', notify, { once: true });
        });
        options.signal?.removeEventListener('abort', notify);
      }
    } finally {
      waiting = false;
    }
  }

  async function close(): Promise<void> {
    closed = true;
    if (!internal.signal.aborted) internal.abort(new Error('createBatchStream: closed'));
    slots.clear();
    stats.buffered = 0;
    await whenIdle();
  }

  const stream: BatchStream = {
    stats,
    next,
    close,
    async return() {
      await close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  pump(); // starts the read-ahead at once
  return stream;
}
