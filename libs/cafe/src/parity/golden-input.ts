/** Strict readers for golden-vector JSON files: every error names the offending field. */

export class GoldenInputError extends Error {}

export function field(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !(key in (value as object))) {
      throw new GoldenInputError(`missing field "${path}"`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function readNumber(root: unknown, path: string, fallback?: number): number {
  let value: unknown;
  try {
    value = field(root, path);
  } catch (error) {
    if (fallback !== undefined) return fallback;
    throw error;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new GoldenInputError(`field "${path}" must be a finite number`);
  return value;
}

export function readVector(root: unknown, path: string, length?: number): number[] {
  const value = field(root, path);
  if (!Array.isArray(value) || value.length === 0) throw new GoldenInputError(`field "${path}" must be a non-empty array of numbers`);
  value.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new GoldenInputError(`field "${path}[${i}]" must be a finite number`);
  });
  if (length !== undefined && value.length !== length) {
    throw new GoldenInputError(`field "${path}" must have ${length} entries, has ${value.length}`);
  }
  return value as number[];
}

/** A rectangular matrix; returns rows and the flat row-major data. */
export function readMatrix(root: unknown, path: string, rows?: number, cols?: number): { rows: number; cols: number; data: Float32Array } {
  const value = field(root, path);
  if (!Array.isArray(value) || value.length === 0) throw new GoldenInputError(`field "${path}" must be a non-empty array of rows`);
  const width = Array.isArray(value[0]) ? value[0].length : -1;
  if (width <= 0) throw new GoldenInputError(`field "${path}" must be a non-empty array of non-empty number arrays`);
  if (rows !== undefined && value.length !== rows) throw new GoldenInputError(`field "${path}" must have ${rows} rows, has ${value.length}`);
  if (cols !== undefined && width !== cols) throw new GoldenInputError(`field "${path}" must have ${cols} columns, has ${width}`);
  const data = new Float32Array(value.length * width);
  value.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== width) throw new GoldenInputError(`field "${path}[${r}]" must have ${width} numbers`);
    row.forEach((x, c) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new GoldenInputError(`field "${path}[${r}][${c}]" must be a finite number`);
      data[r * width + c] = x;
    });
  });
  return { rows: value.length, cols: width, data };
}

export function readLabels(root: unknown, path: string, length: number, numClasses: number): Int32Array {
  const values = readVector(root, path, length);
  values.forEach((x, i) => {
    if (!Number.isInteger(x) || x < 0 || x >= numClasses) {
      throw new GoldenInputError(`field "${path}[${i}]" must be an integer class index in [0, ${numClasses})`);
    }
  });
  return Int32Array.from(values);
}
