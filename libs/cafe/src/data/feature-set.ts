import { imageRows, type SplitImages } from './split-images';

/** Cached frozen features of one split, rows in sample order. */
export interface FeatureSet {
  n: number;
  dim: number;
  /** n × dim, original view. */
  features: Float32Array;
  /** n × dim, horizontally flipped view (same row order); enables the flip augmentation on the frozen path. */
  flipped?: Float32Array;
  labels: Int32Array;
  /** Only for image-space mask nets (resnet18): the pixels of the same rows, read per batch. */
  images?: SplitImages;
}

/** Throws a message naming the field when a feature set is inconsistent. */
export function validateFeatureSet(set: FeatureSet, numClasses: number, name: string): void {
  if (!Number.isInteger(set.n) || set.n < 1) throw new Error(`${name}: n must be a positive integer, got ${set.n}`);
  // dim 0: a set of images alone, for the image-space methods that read no frozen features.
  if (!Number.isInteger(set.dim) || set.dim < 0 || (set.dim === 0 && !set.images))
    throw new Error(`${name}: dim must be a positive integer (0 only for a set of images), got ${set.dim}`);
  if (set.features.length !== set.n * set.dim) throw new Error(`${name}: features has ${set.features.length} values, expected n*dim = ${set.n * set.dim}`);
  if (set.flipped && set.flipped.length !== set.n * set.dim) throw new Error(`${name}: flipped has ${set.flipped.length} values, expected ${set.n * set.dim}`);
  if (set.labels.length !== set.n) throw new Error(`${name}: labels has ${set.labels.length} entries, expected n = ${set.n}`);
  for (let i = 0; i < set.n; i++) {
    if (set.labels[i] < 0 || set.labels[i] >= numClasses) throw new Error(`${name}: labels[${i}] = ${set.labels[i]} is outside [0, ${numClasses})`);
  }
  if (set.images && set.images.n !== set.n) throw new Error(`${name}: images has ${set.images.n} images, expected n = ${set.n}`);
}

/** Deterministic hold-out of a share of the source's training split for source-validation model selection. */
export function splitSourceValidation<T extends FeatureSet>(set: T, fraction: number, seed: number): { train: FeatureSet; val?: FeatureSet } {
  const valCount = Math.floor(set.n * fraction);
  if (valCount === 0 || valCount >= set.n) return { train: set };
  // A hash of (seed, row) orders the rows: independent of the trainer's own random stream.
  const order = Array.from({ length: set.n }, (_, i) => i).sort((a, b) => mix(seed, a) - mix(seed, b) || a - b);
  const valRows = order.slice(0, valCount).sort((a, b) => a - b);
  const trainRows = order.slice(valCount).sort((a, b) => a - b);
  return { train: selectRows(set, trainRows), val: selectRows(set, valRows) };
}

/** A feature set of the given rows, in that order. */
export function selectRows(set: FeatureSet, rows: ArrayLike<number>): FeatureSet {
  return {
    n: rows.length,
    dim: set.dim,
    features: gatherRows(set.features, rows, set.dim),
    flipped: set.flipped ? gatherRows(set.flipped, rows, set.dim) : undefined,
    labels: Int32Array.from(rows as ArrayLike<number>, (r) => set.labels[r]),
    images: set.images ? imageRows(set.images, rows) : undefined,
  };
}

function gatherRows(values: Float32Array, rows: ArrayLike<number>, width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) out.set(values.subarray(rows[i] * width, rows[i] * width + width), i * width);
  return out;
}

function mix(seed: number, row: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(row + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}
