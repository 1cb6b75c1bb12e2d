/** Images of a split for image-space mask nets: n × size × size × 3 RGB, rows in sample order. */
export interface FeatureImages {
  size: number;
  data: Uint8Array;
}

/** Cached frozen features of one split, rows in sample order. */
export interface FeatureSet {
  n: number;
  dim: number;
  /** n × dim, original view. */
  features: Float32Array;
  /** n × dim, horizontally flipped view (same row order); enables the flip augmentation on the frozen path. */
  flipped?: Float32Array;
  labels: Int32Array;
  /** Only for image-space mask nets (resnet18). */
  images?: FeatureImages;
}

/** Throws a message naming the field when a feature set is inconsistent. */
export function validateFeatureSet(set: FeatureSet, numClasses: number, name: string): void {
  if (!Number.isInteger(set.n) || set.n < 1) throw new Error(`${name}: n must be a positive integer, got ${set.n}`);
  if (!Number.isInteger(set.dim) || set.dim < 1) throw new Error(`${name}: dim must be a positive integer, got ${set.dim}`);
  if (set.features.length !== set.n * set.dim) throw new Error(`${name}: features has ${set.features.length} values, expected n*dim = ${set.n * set.dim}`);
  if (set.flipped && set.flipped.length !== set.n * set.dim) throw new Error(`${name}: flipped has ${set.flipped.length} values, expected ${set.n * set.dim}`);
  if (set.labels.length !== set.n) throw new Error(`${name}: labels has ${set.labels.length} entries, expected n = ${set.n}`);
  for (let i = 0; i < set.n; i++) {
    if (set.labels[i] < 0 || set.labels[i] >= numClasses) throw new Error(`${name}: labels[${i}] = ${set.labels[i]} is outside [0, ${numClasses})`);
  }
  if (set.images && set.images.data.length !== set.n * set.images.size * set.images.size * 3) {
    throw new Error(`${name}: images.data has ${set.images.data.length} bytes, expected n*size*size*3 = ${set.n * set.images.size ** 2 * 3}`);
  }
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
  const imageBytes = set.images ? set.images.size * set.images.size * 3 : 0;
  return {
    n: rows.length,
    dim: set.dim,
    features: gatherRows(set.features, rows, set.dim),
    flipped: set.flipped ? gatherRows(set.flipped, rows, set.dim) : undefined,
    labels: Int32Array.from(rows as ArrayLike<number>, (r) => set.labels[r]),
    images: set.images ? { size: set.images.size, data: gatherRows(set.images.data, rows, imageBytes) } : undefined,
  };
}

export function gatherRows<T extends Float32Array | Uint8Array>(values: T, rows: ArrayLike<number>, width: number): T {
  const out = new (values.constructor as new (length: number) => T)(rows.length * width);
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
