/** Cached frozen features of one split, rows in sample order. */
export interface FeatureSet {
  n: number;
  dim: number;
  /** n × dim, original view. */
  features: Float32Array;
  /** n × dim, horizontally flipped view (same row order); enables the flip augmentation. */
  flipped?: Float32Array;
  labels: Int32Array;
}

/** Deterministic hold-out of a share of the source's training split for source-validation model selection. */
export function splitSourceValidation<T extends FeatureSet>(set: T, fraction: number, seed: number): { train: FeatureSet; val?: FeatureSet } {
  const valCount = Math.floor(set.n * fraction);
  if (valCount === 0 || valCount >= set.n) return { train: set };
  // A hash of (seed, row) orders the rows: independent of the trainer's own random stream.
  const order = Array.from({ length: set.n }, (_, i) => i).sort((a, b) => mix(seed, a) - mix(seed, b) || a - b);
  const pick = (rows: number[]): FeatureSet => ({
    n: rows.length,
    dim: set.dim,
    features: gatherRows(set.features, rows, set.dim),
    flipped: set.flipped ? gatherRows(set.flipped, rows, set.dim) : undefined,
    labels: Int32Array.from(rows.map((r) => set.labels[r])),
  });
  const valRows = order.slice(0, valCount).sort((a, b) => a - b);
  const trainRows = order.slice(valCount).sort((a, b) => a - b);
  return { train: pick(trainRows), val: pick(valRows) };
}

export function gatherRows(values: Float32Array, rows: ArrayLike<number>, dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) out.set(values.subarray(rows[i] * dim, rows[i] * dim + dim), i * dim);
  return out;
}

function mix(seed: number, row: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(row + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}
