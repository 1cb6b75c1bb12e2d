import { SeededRandom } from '@fer/contracts';
import type { ParameterValue } from './sweep-expansion';

/**
 * Parameter importance for a sweep explorer, two ways and each labelled as what it is:
 *
 * - **correlation**: for a numeric or boolean parameter, |Spearman's rank correlation| of its value with the target
 *   (booleans as 0/1, ties ranked by their average rank); for any other parameter (strings, or values of mixed
 *   types), which has no order, it is one-hot encoded and the correlation is the largest |Pearson r| of one level's
 *   0/1 indicator with the target (the point-biserial correlation of the level that separates best).
 * - **permutation**: a small random forest of regression trees (bootstrap samples, every feature considered at each
 *   split as scikit-learn's RandomForestRegressor does by default, numbers as they are, booleans as 0/1, other values
 *   one-hot), then the mean increase in the forest's out-of-bag mean squared error when one parameter's values are
 *   shuffled across the samples (all its one-hot columns together), averaged over `repeats` shuffles.
 *
 * Everything is seeded (the platform's `SeededRandom`) and samples are read in the order of their ids, so the same
 * samples and seed give the same numbers on any machine, whatever order the samples arrive in.
 */

export interface ImportanceSample {
  /** A stable id (a run id): samples are sorted by it, so the input order does not matter. */
  id: string;
  params: Record<string, ParameterValue | undefined>;
  target: number;
}

/** How a parameter is read: numbers as they are, booleans as 0/1, anything else one-hot (one 0/1 column per level). */
export type ParameterEncoding = 'numeric' | 'boolean' | 'one-hot';

export type CorrelationMethod = 'spearman' | 'max-abs-pearson-one-hot';

export interface ParameterImportance {
  parameter: string;
  encoding: ParameterEncoding;
  /** Distinct values the samples hold. */
  levels: number;
  correlationMethod: CorrelationMethod;
  /** |ρ| (spearman) or the largest |r| over the one-hot levels; null when the parameter or the target is constant. */
  correlation: number | null;
  /** Mean increase of the forest's out-of-bag MSE (target units squared) when the parameter is shuffled; null when too few samples. */
  permutation: number | null;
}

export interface ForestOptions {
  /** Trees in the forest (default 100). */
  trees?: number;
  /** Deepest split level (default 8). */
  maxDepth?: number;
  /** Fewest samples in a leaf (default 1). */
  minLeaf?: number;
  /** Shuffles per parameter, averaged (default 10). */
  repeats?: number;
  /** Seed of the bootstraps and the shuffles (default 0). */
  seed?: number;
  /** The forest reads at most this many samples, a seeded subset of them (default 500); the correlations read all. */
  maxForestSamples?: number;
}

export interface ParameterImportanceResult {
  samples: number;
  /** Samples the forest was fitted on (all, unless past `maxForestSamples`). */
  forestSamples: number;
  forest: Required<ForestOptions>;
  /** The forest's out-of-bag MSE before any shuffle; null when too few samples to fit. */
  baselineOobMse: number | null;
  /** In the order of `parameters`. */
  parameters: ParameterImportance[];
}

/** Fewer samples than this and the forest is not fitted (permutation is null); the correlations need two. */
export const MIN_FOREST_SAMPLES = 4;

const DEFAULTS: Required<ForestOptions> = {
  trees: 100,
  maxDepth: 8,
  minLeaf: 1,
  repeats: 10,
  seed: 0,
  maxForestSamples: 500,
};

interface Encoded {
  parameter: string;
  encoding: ParameterEncoding;
  levels: string[];
  /** One column per feature this parameter contributes, one value per sample. */
  columns: number[][];
}

export function parameterImportance(
  input: ImportanceSample[],
  parameters: string[],
  options: ForestOptions = {},
): ParameterImportanceResult {
  const forestOptions = { ...DEFAULTS, ...options };
  const samples = [...input]
    .filter((s) => Number.isFinite(s.target))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const y = samples.map((s) => s.target);
  const encoded = parameters.map((parameter) =>
    encode(
      parameter,
      samples.map((s) => s.params[parameter]),
    ),
  );

  const correlations = encoded.map((e) => correlationOf(e, y));
  let baselineOobMse: number | null = null;
  let permutation: (number | null)[] = encoded.map(() => null);
  const featureCount = encoded.reduce((n, e) => n + e.columns.length, 0);
  const random = new SeededRandom(forestOptions.seed);
  // Past the cap, a seeded subset (in id order) keeps a page's request fast on a 5,000-run sweep.
  const subset =
    samples.length > forestOptions.maxForestSamples
      ? [...random.permutation(samples.length).slice(0, forestOptions.maxForestSamples)].sort((a, b) => a - b)
      : samples.map((_, i) => i);
  let forestSamples = 0;
  if (subset.length >= MIN_FOREST_SAMPLES && featureCount > 0) {
    forestSamples = subset.length;
    const forestEncoded = encoded.map((e) => ({
      ...e,
      columns: e.columns.map((column) => subset.map((i) => column[i])),
    }));
    const forestY = subset.map((i) => y[i]);
    const X = rowsOf(forestEncoded, subset.length);
    const forest = fitForest(X, forestY, forestOptions, random);
    baselineOobMse = oobMse(forest, X, forestY);
    if (baselineOobMse !== null) {
      const baseline = baselineOobMse;
      permutation = forestEncoded.map((e, index) => {
        // A factor constant over the forest's samples cannot change a prediction when shuffled.
        if (e.columns.every((column) => new Set(column).size < 2)) return 0;
        let total = 0;
        for (let r = 0; r < forestOptions.repeats; r++) {
          const order = random.permutation(subset.length);
          const shuffled = rowsOf(
            forestEncoded.map((other, j) => (j === index ? permuteColumns(other, order) : other)),
            subset.length,
          );
          total += oobMse(forest, shuffled, forestY)! - baseline;
        }
        return total / forestOptions.repeats;
      });
    }
  }
  return {
    samples: samples.length,
    forestSamples,
    forest: forestOptions,
    baselineOobMse,
    parameters: encoded.map((e, i) => ({
      parameter: e.parameter,
      encoding: e.encoding,
      levels: e.levels.length,
      correlationMethod: e.encoding === 'one-hot' ? 'max-abs-pearson-one-hot' : 'spearman',
      correlation: correlations[i],
      permutation: permutation[i],
    })),
  };
}

function levelKey(value: ParameterValue | undefined): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}

function encode(parameter: string, values: (ParameterValue | undefined)[]): Encoded {
  const levels = [...new Set(values.map(levelKey))].sort();
  if (values.length > 0 && values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return { parameter, encoding: 'numeric', levels, columns: [values as number[]] };
  }
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) {
    return { parameter, encoding: 'boolean', levels, columns: [values.map((v) => (v ? 1 : 0))] };
  }
  const keys = values.map(levelKey);
  return {
    parameter,
    encoding: 'one-hot',
    levels,
    columns: levels.map((level) => keys.map((k) => (k === level ? 1 : 0))),
  };
}

function permuteColumns(e: Encoded, order: Int32Array): Encoded {
  return { ...e, columns: e.columns.map((column) => Array.from(order, (i) => column[i])) };
}

function rowsOf(encoded: Encoded[], n: number): number[][] {
  const columns = encoded.flatMap((e) => e.columns);
  return Array.from({ length: n }, (_, i) => columns.map((column) => column[i]));
}

function correlationOf(e: Encoded, y: number[]): number | null {
  if (y.length < 2 || e.levels.length < 2) return null;
  if (e.encoding === 'one-hot') {
    const rs = e.columns.map((column) => pearson(column, y)).filter((r): r is number => r !== null);
    return rs.length ? Math.max(...rs.map(Math.abs)) : null;
  }
  const r = pearson(ranks(e.columns[0]), ranks(y));
  return r === null ? null : Math.abs(r);
}

/** Pearson's r; null when either side is constant. */
export function pearson(x: number[], y: number[]): number | null {
  const n = x.length;
  if (n < 2 || y.length !== n) return null;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  if (sxx <= 1e-24 || syy <= 1e-24) return null;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Ranks from 1, ties given their average rank (as Spearman's ρ with ties is defined). */
export function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const result = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1][0] === order[start][0]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) result[order[k][1]] = rank;
    start = end + 1;
  }
  return result;
}

/** Spearman's ρ (signed): Pearson's r of the ranks. */
export function spearman(x: number[], y: number[]): number | null {
  return pearson(ranks(x), ranks(y));
}

type Node =
  { leaf: true; value: number } | { leaf: false; feature: number; threshold: number; left: Node; right: Node };

interface Tree {
  root: Node;
  /** Whether each sample was left out of this tree's bootstrap. */
  outOfBag: boolean[];
}

function fitForest(X: number[][], y: number[], options: Required<ForestOptions>, random: SeededRandom): Tree[] {
  const n = y.length;
  const trees: Tree[] = [];
  for (let t = 0; t < options.trees; t++) {
    const drawn = Array.from({ length: n }, () => random.nextInt(n));
    const inBag = new Set(drawn);
    trees.push({ root: grow(X, y, drawn, 0, options), outOfBag: y.map((_, i) => !inBag.has(i)) });
  }
  return trees;
}

function grow(X: number[][], y: number[], rows: number[], depth: number, options: Required<ForestOptions>): Node {
  const value = rows.reduce((a, i) => a + y[i], 0) / rows.length;
  if (depth >= options.maxDepth || rows.length < 2 * options.minLeaf) return { leaf: true, value };
  const parentSse = rows.reduce((a, i) => a + (y[i] - value) ** 2, 0);
  if (parentSse <= 1e-12) return { leaf: true, value };
  let best: { feature: number; threshold: number; sse: number } | null = null;
  const features = X[0]?.length ?? 0;
  for (let f = 0; f < features; f++) {
    const sorted = [...rows].sort((a, b) => X[a][f] - X[b][f] || a - b);
    // Prefix sums over the sorted rows: the SSE of each side of every cut in one pass.
    let leftSum = 0;
    let leftSq = 0;
    let totalSum = 0;
    let totalSq = 0;
    for (const i of sorted) {
      totalSum += y[i];
      totalSq += y[i] ** 2;
    }
    for (let k = 0; k < sorted.length - 1; k++) {
      const i = sorted[k];
      leftSum += y[i];
      leftSq += y[i] ** 2;
      const here = X[i][f];
      const next = X[sorted[k + 1]][f];
      if (here === next) continue;
      const nl = k + 1;
      const nr = sorted.length - nl;
      if (nl < options.minLeaf || nr < options.minLeaf) continue;
      const sse = leftSq - leftSum ** 2 / nl + (totalSq - leftSq) - (totalSum - leftSum) ** 2 / nr;
      if (best === null || sse < best.sse - 1e-12) best = { feature: f, threshold: (here + next) / 2, sse };
    }
  }
  if (best === null || best.sse >= parentSse - 1e-12) return { leaf: true, value };
  const { feature, threshold } = best;
  const left = rows.filter((i) => X[i][feature] <= threshold);
  const right = rows.filter((i) => X[i][feature] > threshold);
  return {
    leaf: false,
    feature,
    threshold,
    left: grow(X, y, left, depth + 1, options),
    right: grow(X, y, right, depth + 1, options),
  };
}

function predict(node: Node, row: number[]): number {
  let current = node;
  while (!current.leaf) current = row[current.feature] <= current.threshold ? current.left : current.right;
  return current.value;
}

/** Each sample predicted by the trees that did not see it, then the MSE over the samples some tree left out. */
function oobMse(forest: Tree[], X: number[][], y: number[]): number | null {
  let sse = 0;
  let counted = 0;
  for (let i = 0; i < y.length; i++) {
    let sum = 0;
    let k = 0;
    for (const tree of forest) {
      if (!tree.outOfBag[i]) continue;
      sum += predict(tree.root, X[i]);
      k++;
    }
    if (k === 0) continue;
    sse += (sum / k - y[i]) ** 2;
    counted++;
  }
  return counted ? sse / counted : null;
}
