import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RandomDistribution } from '@fer/contracts';
import { normalCdf, normalQuantile, parzen, proposeTpe, type TpeObservation } from './tpe';
import { SeededRandom } from '@fer/contracts';

const parameters: Record<string, RandomDistribution> = {
  lr: { type: 'loguniform', min: 1e-5, max: 1e-1 },
  lambda: { type: 'uniform', min: 0, max: 10 },
  layers: { type: 'int', min: 1, max: 4 },
  maskNet: { type: 'choice', values: ['mlp', 'resnet18', 'linear'] },
};

/** A smooth objective with its optimum at lr 1e-3, lambda 7, layers 3, maskNet mlp. */
function objective(p: Record<string, unknown>): number {
  const lr = Math.log10(p.lr as number) + 3;
  const lambda = ((p.lambda as number) - 7) / 3;
  const layers = (p.layers as number) - 3;
  return 100 - 10 * lr * lr - 10 * lambda * lambda - 5 * layers * layers - (p.maskNet === 'mlp' ? 0 : 8);
}

function search(seed: number, trials: number, startupTrials = 5): TpeObservation[] {
  const history: TpeObservation[] = [];
  for (let trialIndex = 0; trialIndex < trials; trialIndex++) {
    const { params } = proposeTpe({ parameters, history, trialIndex, seed, startupTrials, candidates: 24, goal: 'maximize' });
    history.push({ params, value: objective(params) });
  }
  return history;
}

describe('proposeTpe', () => {
  it('should propose the same points for the same seed and result history, and other points for another seed', () => {
    assert.deepEqual(search(3, 25), search(3, 25));
    assert.notDeepEqual(search(3, 25), search(4, 25));
  });

  it('should draw the startup trials at random, independently of the results, then model the results', () => {
    const history = search(1, 12, 5);
    const first = proposeTpe({ parameters, history: [], trialIndex: 2, seed: 1, startupTrials: 5, candidates: 24, goal: 'maximize' });
    const later = proposeTpe({ parameters, history: history.slice(0, 2), trialIndex: 2, seed: 1, startupTrials: 5, candidates: 24, goal: 'maximize' });
    assert.equal(first.source, 'startup');
    assert.deepEqual(first.params, later.params);
    const modelled = proposeTpe({ parameters, history: history.slice(0, 6), trialIndex: 6, seed: 1, startupTrials: 5, candidates: 24, goal: 'maximize' });
    assert.equal(modelled.source, 'tpe');
    assert.equal(modelled.good, 1);
  });

  it('should keep every proposal inside its distribution (ints whole, choices from the list)', () => {
    for (const { params } of search(7, 40)) {
      assert.ok((params.lr as number) >= 1e-5 && (params.lr as number) <= 1e-1);
      assert.ok((params.lambda as number) >= 0 && (params.lambda as number) <= 10);
      assert.ok(Number.isInteger(params.layers) && (params.layers as number) >= 1 && (params.layers as number) <= 4);
      assert.ok(['mlp', 'resnet18', 'linear'].includes(params.maskNet as string));
    }
  });

  it('should find better points than random search on the same budget (mean over seeds)', () => {
    const best = (history: TpeObservation[]) => Math.max(...history.map((h) => h.value));
    const tpe = [0, 1, 2, 3, 4].map((seed) => best(search(seed, 40)));
    const random = [0, 1, 2, 3, 4].map((seed) => best(search(seed, 40, 40)));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(tpe) > mean(random), `tpe ${mean(tpe)} vs random ${mean(random)}`);
  });

  it('should propose for minimize on -f exactly what it proposes for maximize on f', () => {
    const maximize: TpeObservation[] = [];
    const minimize: TpeObservation[] = [];
    for (let trialIndex = 0; trialIndex < 20; trialIndex++) {
      const up = proposeTpe({ parameters, history: maximize, trialIndex, seed: 2, startupTrials: 5, candidates: 24, goal: 'maximize' });
      const down = proposeTpe({ parameters, history: minimize, trialIndex, seed: 2, startupTrials: 5, candidates: 24, goal: 'minimize' });
      assert.deepEqual(down.params, up.params);
      maximize.push({ params: up.params, value: objective(up.params) });
      minimize.push({ params: down.params, value: -objective(down.params) });
    }
  });
});

describe('parzen', () => {
  it('should be a density over its bounds (integrates to 1) whose draws stay inside them', () => {
    const estimator = parzen([0.2, 0.25, 0.9], 0, 1);
    let integral = 0;
    const steps = 20_000;
    for (let i = 0; i < steps; i++) integral += Math.exp(estimator.logPdf((i + 0.5) / steps)) / steps;
    assert.ok(Math.abs(integral - 1) < 1e-3, `integral ${integral}`);
    const random = new SeededRandom(0);
    for (let i = 0; i < 1000; i++) {
      const x = estimator.sample(random);
      assert.ok(x >= 0 && x <= 1);
    }
  });

  it('should invert the normal CDF', () => {
    for (const p of [1e-6, 0.01, 0.3, 0.5, 0.77, 0.999]) assert.ok(Math.abs(normalCdf(normalQuantile(p)) - p) < 1e-6 * Math.max(1, p * 10));
  });
});
