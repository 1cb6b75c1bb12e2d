import type { SplitImages } from '@fer/contracts';
import type { Sample } from '../sample';
import { createBatchStream } from './batch-stream';

export interface StreamedImagesOptions {
  /** Decodes in flight at once (sharp runs them on libuv threads, beside the training thread). */
  concurrency?: number;
  /** Batches decoded ahead of the trainer. */
  prefetchBatches?: number;
}

/**
 * A split's pixels decoded from the dataset's files as the trainer asks for them: each epoch reads its shuffled
 * order through a bounded stream, so at most prefetchBatches + 1 batches of pixels exist at a time, whatever the
 * split's size.
 */
export function streamedImages(samples: readonly Sample[], size: number, options: StreamedImagesOptions = {}): SplitImages {
  const { concurrency = 4, prefetchBatches = 2 } = options;
  return {
    n: samples.length,
    size,
    batches(rows, batchSize) {
      const items = Array.from(rows, (row) => {
        if (row < 0 || row >= samples.length) throw new Error(`image row ${row} is outside [0, ${samples.length})`);
        return samples[row];
      });
      const stream = createBatchStream(items, { batchSize, size, concurrency, prefetchBatches });
      return {
        async next() {
          const result = await stream.next();
          return result.done ? { done: true, value: undefined } : { done: false, value: result.value.data };
        },
        async return() {
          await stream.close();
          return { done: true, value: undefined };
        },
      };
    },
  };
}
