import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../backends/backend';
import { runMethodLoss } from './method-loss-parity';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'golden', 'methods');

/** 1e-5 relative, with a 1e-6 absolute floor: the fixtures are float64 rounded to 12 decimals, the code is float32. */
function compare(actual: unknown, expected: unknown, path: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    assert.equal((actual as unknown[]).length, expected.length, `${path}: length`);
    expected.forEach((e, i) => compare((actual as unknown[])[i], e, `${path}[${i}]`));
  } else {
    const bound = 1e-5 * Math.abs(expected as number) + 1e-6;
    assert.ok(
      Math.abs((actual as number) - (expected as number)) <= bound,
      `${path}: ${actual} vs ${expected} (tolerance ${bound})`,
    );
  }
}

const fixtures = (method: string) =>
  readdirSync(FIXTURES).filter((f) => f.startsWith(`${method}-`) && f.endsWith('.json'));

describe('loss-level parity of the baselines with their official code (PyTorch golden files)', () => {
  before(async () => {
    await selectBackend({ override: 'cpu' });
  });

  for (const method of ['scn', 'rul', 'eac']) {
    it(`should match every ${method} golden file in loss and gradients${method === 'scn' ? ', and relabel the same samples' : ''}`, () => {
      const files = fixtures(method);
      assert.ok(files.length >= 3, `${method}: golden files at several shapes`);
      for (const file of files) {
        const golden = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
        const result = runMethodLoss({ method: golden.method, config: golden.config, inputs: golden.inputs });
        compare(result.loss, golden.outputs.loss, `${file} loss`);
        for (const name of Object.keys(golden.outputs.grads))
          compare(result.grads[name], golden.outputs.grads[name], `${file} grads.${name}`);
        if (golden.outputs.relabeled) assert.deepEqual(result.relabeled, golden.outputs.relabeled, `${file} relabeled`);
      }
    });
  }

  it('should exercise both sides of the SCN rank regularisation and change some labels across the golden files', () => {
    const goldens = fixtures('scn').map((file) => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')));
    assert.ok(
      goldens.some((g) => g.outputs.relabeled.some((label: number, i: number) => label !== g.inputs.labels[i])),
    );
    const withRegularisation = goldens.filter((g) => {
      const plain = runMethodLoss({ method: 'scn', config: { ...g.config, margin1: -10 }, inputs: g.inputs }).loss;
      return Math.abs(plain - g.outputs.loss) > 1e-6;
    });
    assert.ok(
      withRegularisation.length >= 1 && withRegularisation.length < goldens.length,
      'active in some files, inactive in others',
    );
  });

  it('should refuse a document with an unknown method, a missing input or a ragged tensor, naming the field', () => {
    const golden = JSON.parse(readFileSync(join(FIXTURES, fixtures('rul')[0]), 'utf8'));
    assert.throws(() => runMethodLoss({ method: 'mixup', inputs: {} }), /field "method": one of scn, rul, eac/);
    const { mu: _mu, ...withoutMu } = golden.inputs;
    assert.throws(() => runMethodLoss({ method: 'rul', inputs: withoutMu }), /field "inputs\.mu" is missing/);
    assert.throws(
      () => runMethodLoss({ method: 'rul', inputs: { ...golden.inputs, logvar: [[1, 2], [3]] } }),
      /field "inputs\.logvar": expected a rectangular/,
    );
    assert.throws(
      () =>
        runMethodLoss({ method: 'rul', inputs: { ...golden.inputs, permutation: golden.inputs.labels.map(() => 0) } }),
      /inputs\.permutation/,
    );
    assert.throws(
      () =>
        runMethodLoss({
          method: 'eac',
          config: { lambda: 'five' },
          inputs: { logits: [[0]], labels: [0], heatmap: [[[[0, 1]]]], heatmapFlipped: [[[[0, 1]]]] },
        }),
      /config\.lambda/,
    );
  });
});
