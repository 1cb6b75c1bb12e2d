import { SeededRandom } from '@fer/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ImportanceSample, parameterImportance, pearson, ranks, spearman } from './parameter-importance';

/** target = 10 * lr-ish signal + a method offset + small noise; `noise` and `flag` are drawn independently of it. */
function synthetic(n: number, seed = 7): ImportanceSample[] {
  const random = new SeededRandom(seed);
  const methods = ['cafe', 'erm', 'linear-probe'];
  return Array.from({ length: n }, (_, i) => {
    const informative = random.nextInt(5);
    const method = methods[random.nextInt(3)];
    const noise = random.uniform(0, 1);
    const flag = random.next() < 0.5;
    const target = 50 + 6 * informative + (method === 'cafe' ? 8 : 0) + random.normal() * 0.5;
    return { id: `run-${String(i).padStart(3, '0')}`, params: { informative, method, noise, flag }, target };
  });
}

describe('parameterImportance', () => {
  it('should rank an informative numeric parameter above a noise one, by correlation and by permutation', () => {
    const result = parameterImportance(synthetic(60), ['informative', 'noise', 'method', 'flag'], {
      seed: 3,
      trees: 60,
    });
    const by = Object.fromEntries(result.parameters.map((p) => [p.parameter, p]));
    assert.equal(by.informative.encoding, 'numeric');
    assert.equal(by.informative.correlationMethod, 'spearman');
    assert.ok(by.informative.correlation! > 0.7, `informative |rho| ${by.informative.correlation}`);
    assert.ok(by.noise.correlation! < 0.3, `noise |rho| ${by.noise.correlation}`);
    assert.ok(
      by.informative.permutation! > 10 * Math.max(by.noise.permutation!, 1e-6),
      'informative >> noise by permutation',
    );
    assert.ok(
      by.method.permutation! > by.noise.permutation!,
      'the one-hot categorical that carries signal ranks above noise',
    );
    assert.ok(by.method.permutation! > by.flag.permutation!);
    assert.equal(by.method.encoding, 'one-hot');
    assert.equal(by.method.correlationMethod, 'max-abs-pearson-one-hot');
    assert.equal(by.method.levels, 3);
    assert.equal(by.flag.encoding, 'boolean');
    assert.equal(result.samples, 60);
    assert.ok(result.baselineOobMse! > 0);
  });

  it('should give the same numbers for the same seed whatever the input order, and others for another seed', () => {
    const samples = synthetic(30);
    const a = parameterImportance(samples, ['informative', 'noise', 'method'], { seed: 11 });
    const b = parameterImportance([...samples].reverse(), ['informative', 'noise', 'method'], { seed: 11 });
    assert.deepEqual(a, b);
    const c = parameterImportance(samples, ['informative', 'noise', 'method'], { seed: 12 });
    assert.notDeepEqual(
      a.parameters.map((p) => p.permutation),
      c.parameters.map((p) => p.permutation),
    );
    assert.deepEqual(
      a.parameters.map((p) => p.correlation),
      c.parameters.map((p) => p.correlation),
      'correlations do not depend on the seed',
    );
  });

  it('should give a constant parameter no correlation and no permutation importance, and skip the forest on too few samples', () => {
    const samples = synthetic(20).map((s) => ({ ...s, params: { ...s.params, constant: 'x' } }));
    const constant = parameterImportance(samples, ['constant', 'informative']).parameters[0];
    assert.equal(constant.correlation, null);
    assert.equal(constant.permutation, 0);
    const few = parameterImportance(samples.slice(0, 3), ['informative']);
    assert.equal(few.baselineOobMse, null);
    assert.equal(few.parameters[0].permutation, null);
    assert.notEqual(few.parameters[0].correlation, undefined);
  });

  it('should compute Spearman with average ranks for ties, and Pearson by hand', () => {
    assert.deepEqual(ranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
    assert.ok(Math.abs(spearman([1, 2, 3, 4], [1, 4, 9, 16])! - 1) < 1e-12, 'monotone: rho = 1');
    assert.ok(Math.abs(pearson([1, 2, 3], [2, 4, 7])! - 0.9933992677987828) < 1e-12);
    assert.equal(pearson([1, 1, 1], [1, 2, 3]), null);
    // A two-level one-hot parameter: |r| of either indicator, the point-biserial correlation.
    const samples = [
      { id: 'a', params: { m: 'x' }, target: 1 },
      { id: 'b', params: { m: 'x' }, target: 2 },
      { id: 'c', params: { m: 'y' }, target: 3 },
      { id: 'd', params: { m: 'y' }, target: 6 },
    ];
    const [m] = parameterImportance(samples, ['m']).parameters;
    assert.ok(Math.abs(m.correlation! - Math.abs(pearson([1, 1, 0, 0], [1, 2, 3, 6])!)) < 1e-12);
  });
});

describe('parameterImportance past maxForestSamples', () => {
  it('should fit the forest on a seeded subset and still rank the informative parameter first', () => {
    const result = parameterImportance(synthetic(80), ['informative', 'noise'], {
      seed: 1,
      trees: 30,
      maxForestSamples: 40,
    });
    assert.equal(result.samples, 80);
    assert.equal(result.forestSamples, 40);
    assert.ok(result.parameters[0].permutation! > result.parameters[1].permutation!);
  });
});
