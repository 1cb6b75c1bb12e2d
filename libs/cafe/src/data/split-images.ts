import type { SplitImages } from '@fer/contracts';

export type { SplitImages };

/** A source over images already decoded into one array: n × size × size × 3 bytes, rows in sample order. */
export function inMemoryImages(size: number, data: Uint8Array): SplitImages {
  const bytes = size * size * 3;
  if (!Number.isInteger(size) || size < 1) throw new Error(`images: size must be a positive integer, got ${size}`);
  if (data.length % bytes !== 0) throw new Error(`images: ${data.length} bytes is not a whole number of ${size}×${size} RGB images`);
  const n = data.length / bytes;
  return {
    n,
    size,
    batches(rows, batchSize) {
      checkRows(rows, n);
      return (async function* () {
        for (let start = 0; start < rows.length; start += batchSize) {
          const batch = rows.subarray(start, Math.min(start + batchSize, rows.length));
          const out = new Uint8Array(batch.length * bytes);
          batch.forEach((row, i) => out.set(data.subarray(row * bytes, row * bytes + bytes), i * bytes));
          yield out;
        }
        return undefined;
      })();
    },
  };
}

/** The given rows of a source, in that order, without copying a pixel. */
export function imageRows(source: SplitImages, rows: ArrayLike<number>): SplitImages {
  const mapped = Int32Array.from(rows);
  checkRows(mapped, source.n);
  return {
    n: mapped.length,
    size: source.size,
    batches: (subset, batchSize) => {
      checkRows(subset, mapped.length);
      return source.batches(subset.map((row) => mapped[row]), batchSize);
    },
  };
}

/** The next batch of an iterator from `batches`, which must hold `count` images. */
export async function nextImageBatch(iterator: AsyncIterator<Uint8Array, undefined>, count: number, size: number): Promise<Uint8Array> {
  const { value, done } = await iterator.next();
  if (done || !value) throw new Error(`the image source ended early: expected a batch of ${count} images`);
  if (value.length !== count * size * size * 3) {
    throw new Error(`the image source gave ${value.length} bytes for a batch of ${count} ${size}×${size} images (expected ${count * size * size * 3})`);
  }
  return value;
}

function checkRows(rows: Int32Array, n: number): void {
  for (const row of rows) if (row < 0 || row >= n) throw new Error(`image row ${row} is outside [0, ${n})`);
}
