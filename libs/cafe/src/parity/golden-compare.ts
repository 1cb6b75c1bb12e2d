/**
 * Tolerant comparison of computed values against golden vectors, collecting mismatches instead of throwing (the
 * selftest reports them; the parity specs assert). Same rules as golden-parity.spec.ts and method-loss-parity.spec.ts:
 * `relative` bounds |actual - expected| by relative * |expected| + 1e-6 (the fixtures are float64 rounded to 9 or 12
 * decimals, the code is float32, so values near 0 need that floor); `absolute` bounds it by a constant.
 */
export interface GoldenTolerance {
  relative?: number;
  absolute?: number;
}

/** The parity specs' tolerances. */
export const GOLDEN_TOLERANCES = {
  /** CAFE head values and losses, Adam-traced losses, baseline losses and gradients. */
  values: { relative: 1e-5 },
  /** CAFE head gradients and Adam-traced parameters. */
  gradients: { absolute: 1e-4 },
} as const satisfies Record<string, GoldenTolerance>;

export interface GoldenMismatch {
  /** Where, e.g. `head-face128-k7.json outputs.lossCE` or `... outputs.grad.fcWeight[3][17]`. */
  path: string;
  message: string;
}

/** Running result of one or more comparisons. */
export class GoldenComparison {
  readonly mismatches: GoldenMismatch[] = [];
  /** Numbers compared. */
  compared = 0;
  /** The largest |actual - expected| / bound seen (≤ 1 when every number is within tolerance). */
  worstRatio = 0;
  worstPath = '';

  get ok(): boolean {
    return this.mismatches.length === 0;
  }

  fail(path: string, message: string): void {
    this.mismatches.push({ path, message });
  }

  /** Compares `actual` with `expected` recursively (arrays by length and element, objects by `expected`'s keys). */
  compare(actual: unknown, expected: unknown, path: string, tolerance: GoldenTolerance): void {
    if (Array.isArray(expected)) {
      if (!Array.isArray(actual)) return this.fail(path, `expected an array, got ${kindOf(actual)}`);
      if (actual.length !== expected.length) {
        return this.fail(path, `length ${actual.length}, expected ${expected.length}`);
      }
      expected.forEach((e, i) => this.compare(actual[i], e, `${path}[${i}]`, tolerance));
    } else if (typeof expected === 'number') {
      if (typeof actual !== 'number') return this.fail(path, `expected a number, got ${kindOf(actual)}`);
      this.compared++;
      const bound = tolerance.absolute ?? (tolerance.relative ?? 0) * Math.abs(expected) + 1e-6;
      const error = Math.abs(actual - expected);
      const ratio = Number.isNaN(error) ? Infinity : error / bound;
      if (ratio > this.worstRatio) {
        this.worstRatio = ratio;
        this.worstPath = path;
      }
      if (!(error <= bound))
        this.fail(path, `computed ${actual}, golden ${expected} (tolerance ${bound.toPrecision(3)})`);
    } else if (expected !== null && typeof expected === 'object') {
      if (actual === null || typeof actual !== 'object')
        return this.fail(path, `expected an object, got ${kindOf(actual)}`);
      for (const key of Object.keys(expected)) {
        this.compare(
          (actual as Record<string, unknown>)[key],
          (expected as Record<string, unknown>)[key],
          `${path}.${key}`,
          tolerance,
        );
      }
    } else if (actual !== expected) {
      this.fail(path, `computed ${JSON.stringify(actual)}, golden ${JSON.stringify(expected)}`);
    }
  }

  /** Exact equality of two integer lists (SCN's relabelled samples). */
  compareExact(actual: readonly number[] | undefined, expected: readonly number[], path: string): void {
    if (!actual || actual.length !== expected.length) {
      return this.fail(path, `expected ${expected.length} entries, got ${actual ? actual.length : 'none'}`);
    }
    const index = expected.findIndex((e, i) => actual[i] !== e);
    if (index >= 0) this.fail(`${path}[${index}]`, `computed ${actual[index]}, golden ${expected[index]}`);
  }
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value;
}

/** max |a - b| / max(1, |b|) over all elements; Infinity when the lengths differ or a value is NaN. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    worst = Number.isNaN(error) ? Infinity : Math.max(worst, error);
  }
  return worst;
}
