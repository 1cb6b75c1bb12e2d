import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runAdamTrace, runHeadFixture } from './golden-fixtures';

const FIXTURES = join(__dirname, '..', 'fixtures', 'golden');

function compare(actual: unknown, expected: unknown, path: string, tolerance: { relative?: number; absolute?: number }): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    assert.equal((actual as unknown[]).length, expected.length, `${path}: length`);
    expected.forEach((e, i) => compare((actual as unknown[])[i], e, `${path}[${i}]`, tolerance));
  } else if (typeof expected === 'number') {
    const a = actual as number;
    const bound = tolerance.absolute ?? (tolerance.relative! * Math.max(1, Math.abs(expected)));
    assert.ok(Math.abs(a - expected) <= bound, `${path}: ${a} vs ${expected} (tolerance ${bound})`);
  } else if (expected && typeof expected === 'object') {
    for (const key of Object.keys(expected)) compare((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`, tolerance);
  }
}

describe('CAFE head and Adam against the PyTorch golden vectors', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const file of readdirSync(FIXTURES).filter((f) => f.startsWith('head-'))) {
    it(`should match ${file} within 1e-5 relative on values and 1e-4 absolute on gradients`, () => {
      const fixture = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
      const result = runHeadFixture(fixture);
      const { grad, ...values } = fixture.outputs;
      compare(result, values, file, { relative: 1e-5 });
      compare(result.grad, grad, `${file}.grad`, { absolute: 1e-4 });
    });
  }

  for (const file of readdirSync(FIXTURES).filter((f) => f.startsWith('adam-trace-'))) {
    it(`should match every traced step of ${file}`, () => {
      const fixture = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
      const { trace } = runAdamTrace(fixture);
      assert.equal(trace.length, fixture.trace.length);
      fixture.trace.forEach((step: Record<string, unknown>, i: number) => {
        compare(trace[i].lossTotal, step.lossTotal, `${file}.trace[${i}].lossTotal`, { relative: 1e-5 });
        const { lossTotal: _loss, ...params } = step;
        compare(trace[i], params, `${file}.trace[${i}]`, { absolute: 1e-4 });
      });
    });
  }

  it('should agree with a naive computation when the shape differs from the fixtures (C=30, K=4)', () => {
    const batch = 3;
    const channels = 30;
    const classes = 4;
    const value = (i: number) => Math.sin(i * 12.9898) * 2;
    const features = Array.from({ length: batch }, (_, b) => Array.from({ length: channels }, (_, c) => Math.abs(value(b * 100 + c))));
    const maskLogits = Array.from({ length: batch }, (_, b) => Array.from({ length: channels }, (_, c) => value(b * 31 + c + 7)));
    const fcWeight = Array.from({ length: classes }, (_, k) => Array.from({ length: channels }, (_, c) => value(k * 17 + c + 3) / 10));
    const fcBias = [0.1, -0.2, 0.05, 0];
    const dropMask = Array.from({ length: channels }, (_, c) => (c % 7 === 3 ? 0 : 1));
    const targets = [0, 3, 2];
    const result = runHeadFixture({ inputs: { features, maskLogits, targets, fcWeight, fcBias, dropMask } });

    const size = Math.floor(channels / classes);
    const masked = features.map((row, b) => row.map((f, c) => f / (1 + Math.exp(-maskLogits[b][c]))));
    const groupMaxOf = (rows: number[][]) => rows.map((row) => Array.from({ length: classes }, (_, k) => Math.max(...row.slice(k * size, (k + 1) * size))));
    const ce = (logits: number[][]) =>
      logits.reduce((sum, row, b) => {
        const max = Math.max(...row);
        const logSum = Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) + max;
        return sum + (logSum - row[targets[b]]);
      }, 0) / logits.length;
    const fcLogits = masked.map((row) => fcWeight.map((w, k) => row.reduce((s, x, c) => s + x * w[c], fcBias[k])));
    const groups = groupMaxOf(masked);
    const diverse = 1 - groups.flat().reduce((a, b) => a + b, 0) / (batch * classes) / size;
    const separation = ce(groupMaxOf(masked.map((row) => row.map((x, c) => x * dropMask[c]))));
    compare(result.groupLogits, groups, 'groupLogits', { relative: 1e-5 });
    compare(result.lossCE, ce(fcLogits), 'lossCE', { relative: 1e-5 });
    compare(result.lossDiverse, diverse, 'lossDiverse', { relative: 1e-5 });
    compare(result.lossSeparation, separation, 'lossSeparation', { relative: 1e-5 });
    compare(result.lossTotal, ce(fcLogits) + 5 * diverse + 1.5 * separation, 'lossTotal', { relative: 1e-5 });
  });

  it('should name the field when an input is malformed', () => {
    assert.throws(() => runHeadFixture({ inputs: { features: [[1, 2]], maskLogits: [[1]], targets: [0], fcWeight: [[1, 2]], fcBias: [0], dropMask: [1, 1] } }), /inputs\.maskLogits/);
    assert.throws(() => runHeadFixture({ inputs: { features: [[1, 2]], maskLogits: [[1, 2]], targets: [5], fcWeight: [[1, 2]], fcBias: [0], dropMask: [1, 1] } }), /inputs\.targets\.0/);
  });
});
