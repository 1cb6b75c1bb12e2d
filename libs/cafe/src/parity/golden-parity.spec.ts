import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../backends/backend';
import { runAdamTrace, runHeadFixture } from './golden-parity';
import { SeededRandom } from '@fer/contracts';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'golden');

/**
 * Values: 1e-5 relative, with a 1e-6 absolute floor because the fixtures are rounded to 9 decimals and float32
 * near 0 cannot be closer in relative terms. Gradients and traced parameters: 1e-4 absolute.
 */
function compare(actual: unknown, expected: unknown, path: string, tolerance: { relative?: number; absolute?: number }): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    assert.equal((actual as unknown[]).length, expected.length, `${path}: length`);
    expected.forEach((e, i) => compare((actual as unknown[])[i], e, `${path}[${i}]`, tolerance));
  } else if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', `${path}: expected a number`);
    const bound = tolerance.absolute ?? tolerance.relative! * Math.abs(expected) + 1e-6;
    assert.ok(Math.abs((actual as number) - expected) <= bound, `${path}: ${actual} vs ${expected} (tolerance ${bound})`);
  } else {
    assert.ok(actual && typeof actual === 'object', `${path}: expected an object`);
    for (const key of Object.keys(expected as object)) {
      compare((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`, tolerance);
    }
  }
}

function fixtures(prefix: string): string[] {
  const files = readdirSync(FIXTURES).filter((f) => f.startsWith(prefix) && f.endsWith('.json'));
  assert.ok(files.length > 0, `no ${prefix}*.json fixtures`);
  return files;
}

/** Independent float64 reference of the CAFE head (plain loops, no TF.js). */
function naiveHead(f: number[][], m: number[][], w: number[][], b: number[], y: number[], drop: number[], ld: number, ls: number) {
  const B = f.length;
  const C = f[0].length;
  const K = w.length;
  const g = Math.floor(C / K);
  const masked = f.map((row, i) => row.map((v, c) => v / (1 + Math.exp(-m[i][c]))));
  const fc = masked.map((row) => w.map((wk, k) => wk.reduce((s, wkc, c) => s + wkc * row[c], b[k])));
  const gmax = (rows: number[][]) => rows.map((row) => Array.from({ length: K }, (_, k) => Math.max(...row.slice(k * g, (k + 1) * g))));
  const ce = (logits: number[][]) =>
    logits.reduce((s, row, i) => {
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
      return s + lse - row[y[i]];
    }, 0) / B;
  const groupLogits = gmax(masked);
  const droppedGroupLogits = gmax(masked.map((row) => row.map((v, c) => v * drop[c])));
  const lossCE = ce(fc);
  const lossDiverse = 1 - groupLogits.flat().reduce((a, v) => a + v, 0) / (B * K) / g;
  const lossSeparation = ce(droppedGroupLogits);
  return { masked, fcLogits: fc, groupLogits, droppedGroupLogits, lossCE, lossDiverse, lossSeparation, lossTotal: lossCE + ld * lossDiverse + ls * lossSeparation };
}

describe('golden-vector parity with the official PyTorch code', () => {
  before(async () => {
    await selectBackend({ override: 'cpu' });
  });

  for (const file of fixtures('head-')) {
    it(`should match every output of ${file} when run on its inputs`, () => {
      const fixture = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
      const result = runHeadFixture(fixture);
      const { grad, ...values } = fixture.outputs;
      assert.deepEqual(Object.keys(result).sort(), Object.keys(fixture.outputs).sort());
      compare(result, values, file, { relative: 1e-5 });
      compare(result.grad, grad, `${file}.grad`, { absolute: 1e-4 });
    });
  }

  for (const file of fixtures('adam-trace-')) for (const execution of ['host', 'tensor'] as const) {
    it(`should match every traced loss and parameter of ${file} when replaying its Adam steps with ${execution} execution`, () => {
      const fixture = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
      const { trace } = runAdamTrace(fixture, execution);
      assert.equal(trace.length, fixture.trace.length);
      trace.forEach((step, i) => {
        const { lossTotal, ...params } = fixture.trace[i];
        compare(step.lossTotal, lossTotal, `${file}.trace[${i}].lossTotal`, { relative: 1e-5 });
        compare(step, params, `${file}.trace[${i}]`, { absolute: 1e-4 });
      });
    });
  }

  it('should agree with a naive float64 computation and its finite-difference gradients when C=30 and K=4', () => {
    const rng = new SeededRandom(11);
    const B = 5;
    const C = 30; // groupSize 7, channels 28 and 29 are not pooled
    const K = 4;
    const matrix = (rows: number, cols: number, scale: number) => Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * rng.normal()));
    const inputs = {
      features: matrix(B, C, 0.5),
      maskLogits: matrix(B, C, 1),
      targets: [0, 3, 1, 2, 3],
      fcWeight: matrix(K, C, 0.2),
      fcBias: matrix(1, K, 0.1)[0],
      dropMask: Array.from({ length: C }, (_, c) => (c % 7 === 3 ? 0 : 1)),
    };
    const config = { lambdaDiverse: 5, lambdaSeparation: 1.5 };
    const result = runHeadFixture({ inputs, config });
    const reference = naiveHead(inputs.features, inputs.maskLogits, inputs.fcWeight, inputs.fcBias, inputs.targets, inputs.dropMask, 5, 1.5);
    compare(result, reference, 'C30K4', { relative: 1e-5 });

    const h = 1e-6;
    const total = (m: number[][], w: number[][], b: number[]) => naiveHead(inputs.features, m, w, b, inputs.targets, inputs.dropMask, 5, 1.5).lossTotal;
    const numeric = (matrixOf: number[][], evaluate: () => number) =>
      matrixOf.map((row) =>
        row.map((_, j) => {
          const saved = row[j];
          row[j] = saved + h;
          const up = evaluate();
          row[j] = saved - h;
          const down = evaluate();
          row[j] = saved;
          return (up - down) / (2 * h);
        }),
      );
    const gradMask = numeric(inputs.maskLogits, () => total(inputs.maskLogits, inputs.fcWeight, inputs.fcBias));
    const gradWeight = numeric(inputs.fcWeight, () => total(inputs.maskLogits, inputs.fcWeight, inputs.fcBias));
    const bias = [inputs.fcBias];
    const gradBias = numeric(bias, () => total(inputs.maskLogits, inputs.fcWeight, bias[0]))[0];
    compare(result.grad, { maskLogits: gradMask, fcWeight: gradWeight, fcBias: gradBias }, 'C30K4.grad', { absolute: 1e-4 });
    // the unpooled channels get no gradient from the group losses, only from the FC head
    assert.ok(result.grad.maskLogits.some((row) => row[29] !== 0));
  });

  it('should name the missing field when a head file lacks inputs.maskLogits', () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, fixtures('head-')[0]), 'utf8'));
    delete fixture.inputs.maskLogits;
    assert.throws(() => runHeadFixture(fixture), /inputs\.maskLogits/);
  });

  it('should name the field when a target is not a class index', () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, fixtures('head-')[0]), 'utf8'));
    fixture.inputs.targets[1] = 99;
    assert.throws(() => runHeadFixture(fixture), /inputs\.targets\[1\]/);
  });

  it('should leave no tensors behind when a fixture is run', () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, fixtures('adam-trace-')[0]), 'utf8'));
    const before = tf.memory().numTensors;
    runAdamTrace(fixture);
    assert.equal(tf.memory().numTensors, before);
  });
});
