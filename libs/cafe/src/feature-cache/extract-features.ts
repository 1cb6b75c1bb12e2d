import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../backbones/backbone';
import type { FeatureCache, FeatureView } from './feature-cache';
import { flipHorizontally } from '../data/image-augment';

export interface ImageSource {
  /** Identifies the pixels (e.g. hex sha256 of the file); equal hashes share cached features. */
  contentHash: string;
  /** RGB interleaved, already size×size. */
  loadRgb(size: number): Promise<{ data: Uint8Array; width: number; height: number }>;
}

export interface ExtractFeaturesOptions<V extends FeatureView> {
  cache: FeatureCache;
  views: readonly V[];
  batchSize?: number;
  /** done and total count (item, view) pairs; cached counts those served from the cache. */
  onProgress?(done: number, total: number, cached: number): void;
  /** Checked between batches; entries written so far stay cached, so a later call resumes cheaply. */
  shouldStop?(): boolean;
  /**
   * Batches whose images are loaded while the backbone runs the current one (default 1; 0 loads each batch only when
   * it is its turn). Memory: (prefetchBatches + 1) batches of pixels.
   */
  prefetchBatches?: number;
}

export interface ExtractedFeatures<V extends FeatureView> {
  dim: number;
  n: number;
  /** Per view: n * dim values, row i = items[i]. */
  views: Record<V, Float32Array>;
  /** (item, view) pairs computed by the backbone in this call. */
  computed: number;
  /** (item, view) pairs read from the cache. */
  fromCache: number;
}

export class FeatureExtractionStoppedError extends Error {
  override readonly name = 'FeatureExtractionStoppedError';
}

const CACHE_READ_CONCURRENCY = 32;

/** Frozen features for every item and view: cached entries are read, the rest go through the backbone in batches and are cached. */
export async function extractFeatures<V extends FeatureView>(
  backbone: Backbone,
  items: readonly ImageSource[],
  options: ExtractFeaturesOptions<V>,
): Promise<ExtractedFeatures<V>> {
  const { cache, batchSize = 32, prefetchBatches = 1 } = options;
  const views = [...new Set(options.views)];
  if (views.length === 0) throw new Error('extractFeatures: views must name at least one of original, flipped');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`extractFeatures: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(prefetchBatches) || prefetchBatches < 0) {
    throw new Error(`extractFeatures: prefetchBatches must be an integer ≥ 0, got ${prefetchBatches}`);
  }
  const dim = backbone.featureDim;
  const n = items.length;
  const total = n * views.length;
  const out = Object.fromEntries(views.map((view) => [view, new Float32Array(n * dim)])) as Record<V, Float32Array>;

  // Identical images (same content hash) are looked up and computed once.
  const rowsByHash = new Map<string, number[]>();
  items.forEach((item, row) => {
    const rows = rowsByHash.get(item.contentHash);
    if (rows) rows.push(row);
    else rowsByHash.set(item.contentHash, [row]);
  });
  const hashes = [...rowsByHash.keys()];
  for (const hash of hashes) cache.entryPath(backbone.identity, hash, views[0]); // validates names before any work

  let done = 0;
  let fromCache = 0;
  let computed = 0;
  const report = () => options.onProgress?.(done, total, fromCache);
  const place = (view: V, hash: string, features: Float32Array) => {
    for (const row of rowsByHash.get(hash)!) out[view].set(features, row * dim);
  };

  const missing = new Map<string, V[]>();
  for (let start = 0; start < hashes.length; start += CACHE_READ_CONCURRENCY) {
    const chunk = hashes.slice(start, start + CACHE_READ_CONCURRENCY);
    await Promise.all(
      chunk.map(async (hash) => {
        for (const view of views) {
          const features = await cache.read(backbone.identity, hash, view, dim);
          if (features) {
            place(view, hash, features);
            const count = rowsByHash.get(hash)!.length;
            fromCache += count;
            done += count;
          } else {
            const pending = missing.get(hash);
            if (pending) pending.push(view);
            else missing.set(hash, [view]);
          }
        }
      }),
    );
  }
  report();

  const pending = [...missing.keys()];
  const size = backbone.inputSize;
  // Loads run ahead of the backbone: batch k+1's images decode (sharp, off the main thread) while batch k is embedded.
  // Each started load is awaited before this function settles, so nothing keeps decoding after a stop or an error.
  type Loaded = { data: Uint8Array; width: number; height: number }[];
  const loads = new Map<number, Promise<Loaded>>();
  const startLoad = (batch: number) => {
    const batchHashes = pending.slice(batch * batchSize, (batch + 1) * batchSize);
    const loading = Promise.all(batchHashes.map((hash) => items[rowsByHash.get(hash)![0]].loadRgb(size)));
    loading.catch(() => undefined); // surfaced when the batch is awaited (or dropped after a stop)
    loads.set(batch, loading);
  };
  const batchCount = Math.ceil(pending.length / batchSize);
  try {
    for (let batch = 0; batch < batchCount; batch++) {
      const start = batch * batchSize;
      if (options.shouldStop?.()) {
        throw new FeatureExtractionStoppedError(`feature extraction stopped after ${done} of ${total} (item, view) pairs; computed entries are cached`);
      }
      for (let ahead = batch; ahead <= Math.min(batchCount - 1, batch + prefetchBatches); ahead++) if (!loads.has(ahead)) startLoad(ahead);
      await runBatch(pending.slice(start, start + batchSize), await loads.get(batch)!);
      loads.delete(batch);
      report();
    }
  } finally {
    await Promise.allSettled(loads.values());
  }
  return { dim, n, views: out, computed, fromCache };

  async function runBatch(batchHashes: string[], loaded: Loaded): Promise<void> {
    const pixels = new Float32Array(batchHashes.length * size * size * 3);
    loaded.forEach((image, i) => {
      if (image.width !== size || image.height !== size || image.data.length !== size * size * 3) {
        throw new Error(
          `extractFeatures: image ${batchHashes[i]} came as ${image.width}x${image.height} with ${image.data.length} bytes; ` +
            `${backbone.name} needs ${size}x${size} RGB (${size * size * 3} bytes)`,
        );
      }
      pixels.set(image.data, i * size * size * 3);
    });

    // Engines outside TF.js (ONNX Runtime) take the floats as they are; TF.js gets one tensor for the batch.
    const images = backbone.embedBatch ? null : tf.tensor4d(pixels, [batchHashes.length, size, size, 3]);
    const embedOnTfjs = async (needed: number[], view: FeatureView): Promise<Float32Array> => {
      const embedded = tf.tidy(() => {
        const subset = needed.length === batchHashes.length ? images! : tf.gather(images!, needed);
        return backbone.embed(view === 'flipped' ? tf.reverse(subset, 2) : subset);
      });
      try {
        return (await embedded.data()) as Float32Array;
      } finally {
        embedded.dispose();
      }
    };
    try {
      for (const view of views) {
        const needed = batchHashes.map((hash, i) => (missing.get(hash)!.includes(view) ? i : -1)).filter((i) => i >= 0);
        if (needed.length === 0) continue;
        const values = backbone.embedBatch
          ? await backbone.embedBatch(viewPixels(pixels, needed, size, view === 'flipped'), needed.length)
          : await embedOnTfjs(needed, view);
        for (let k = 0; k < needed.length; k++) {
          const hash = batchHashes[needed[k]];
          const features = values.slice(k * dim, (k + 1) * dim);
          await cache.write(backbone.identity, hash, view, features);
          place(view, hash, features);
          const count = rowsByHash.get(hash)!.length;
          computed += count;
          done += count;
        }
      }
    } finally {
      images?.dispose();
    }
  }
}

/** The rows `needed` of a [B, S, S, 3] batch, mirrored left-right for the flipped view (as tf.reverse(x, 2)). */
function viewPixels(pixels: Float32Array, needed: number[], size: number, flipped: boolean): Float32Array {
  const image = size * size * 3;
  const out = new Float32Array(needed.length * image);
  needed.forEach((row, k) => {
    const target = out.subarray(k * image, (k + 1) * image);
    target.set(pixels.subarray(row * image, (row + 1) * image));
    if (flipped) flipHorizontally(target, size);
  });
  return out;
}
