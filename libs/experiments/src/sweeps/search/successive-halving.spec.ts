import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EarlyStopping } from '@fer/contracts';
import { bracketCount, bracketOf, percentile, rungDecision, rungEpochs } from './successive-halving';

const asha = (minEpochs: number, reductionFactor: number): EarlyStopping => ({ kind: 'asha', metric: 'source-val', minEpochs, reductionFactor });

describe('successive halving', () => {
  it('should put rungs at minEpochs x factor^k below the last epoch, one bracket per minimum resource for hyperband', () => {
    assert.deepEqual(rungEpochs(asha(1, 3), 30), [1, 3, 9, 27]);
    assert.deepEqual(rungEpochs(asha(2, 2), 16), [2, 4, 8]);
    assert.deepEqual(rungEpochs(asha(5, 3), 5), []);
    assert.equal(bracketCount(asha(1, 3), 30), 1);
    const hyperband: EarlyStopping = { ...asha(1, 3), kind: 'hyperband' };
    assert.equal(bracketCount(hyperband, 30), 4);
    assert.deepEqual(rungEpochs(hyperband, 30, 1), [3, 9, 27]);
    assert.deepEqual(rungEpochs(hyperband, 30, 3), [27]);
    assert.equal(bracketOf('run-a', 4), bracketOf('run-a', 4));
    assert.equal(bracketOf('run-a', 1), 0);
  });

  it('should interpolate percentiles as numpy does', () => {
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
    assert.equal(percentile([10], 66.7), 10);
    assert.ok(Math.abs(percentile([0.5, 0.7, 0.6], (1 - 1 / 3) * 100) - 0.6333333) < 1e-6);
  });

  // Runs reach one rung in this order with these values (reduction factor 3): each decision follows from the values
  // recorded before it alone (Ray Tune's ASHA rule), computed here by hand.
  it('should stop exactly the runs below the 1 - 1/factor quantile of the values recorded before them (table)', () => {
    const arrivals = [0.5, 0.4, 0.45, 0.7, 0.2, 0.65, 0.66];
    // Recorded before each: [], [.5], [.5,.4], [.5,.4,.45], [.5,.4,.45,.7], ...; q(2/3) by linear interpolation.
    const expected = [
      { stop: false, cutoff: null },
      { stop: true, cutoff: 0.5 }, // [.5]
      { stop: true, cutoff: 0.4 + (0.5 - 0.4) * (2 / 3) }, // [.4,.5] -> .4667; .45 below
      { stop: false, cutoff: 0.45 + (0.5 - 0.45) * (1 / 3) }, // [.4,.45,.5] pos 1.333 -> .4667
      { stop: true, cutoff: 0.5 }, // [.4,.45,.5,.7] pos 2 -> .5
      { stop: false, cutoff: 0.45 + (0.5 - 0.45) * (2 / 3) }, // [.2,.4,.45,.5,.7] pos 2.667 -> .4833
      { stop: false, cutoff: 0.5 + (0.65 - 0.5) * (1 / 3) }, // [.2,.4,.45,.5,.65,.7] pos 3.333 -> .55
    ];
    const recorded: number[] = [];
    arrivals.forEach((value, i) => {
      const decision = rungDecision(recorded, value, 3);
      assert.equal(decision.stop, expected[i].stop, `arrival ${i} (${value})`);
      if (expected[i].cutoff === null) assert.equal(decision.cutoff, null);
      else assert.ok(Math.abs(decision.cutoff! - expected[i].cutoff!) < 1e-9, `arrival ${i}: cutoff ${decision.cutoff}`);
      recorded.push(value);
    });
  });
});
