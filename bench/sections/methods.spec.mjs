// node --test bench/sections/methods.spec.mjs
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { METHODS, plan, render } from './methods.mjs';

/** One measured process: `rate` samples/s over its warm steps. */
const measured = (engine, method, rate) => ({
  engine,
  method,
  n: 32,
  imageSize: 48,
  storedSize: 60,
  epochs: 4,
  epochSeconds: [3, 1, 1, 1],
  samplesPerSecond: rate,
  finalLoss: 2,
});

describe('image-space methods section', () => {
  it('should plan every image-space method, cafe included, on one batch per epoch, and fewer rounds with --quick', () => {
    assert.deepEqual(METHODS, ['erm', 'scn', 'rul', 'eac', 'cafe']);
    for (const quick of [false, true]) {
      const p = plan(quick);
      assert.deepEqual(p.methods, METHODS);
      assert.equal(p.case.kind, 'image');
      assert.equal(p.case.n, 32);
      assert.ok(p.case.epochs >= 2, 'a warm-up epoch and at least one timed one');
    }
    assert.ok(plan(true).rounds < plan(false).rounds);
  });

  it('should render one row and one headline ratio per method from the median over rounds', () => {
    // TF.js at 10, 30, 20 samples/s and PyTorch at 40, 40, 100 over three rounds: medians 20 and 40.
    const tfjs = [10, 30, 20];
    const torch = [40, 40, 100];
    const rounds = tfjs.map((rate, i) =>
      METHODS.map((method) => ({
        method,
        torch: measured('pytorch', method, torch[i]),
        tfjs: { ...measured('tfjs-wasm', method, rate), backend: 'wasm' },
      })),
    );
    const summary = [];
    const text = render({ rounds, torch: { torch: '1.13', threads: 1 } }, summary);
    assert.deepEqual(
      summary.map(([label]) => label.split(' ')[2]),
      METHODS,
    );
    for (const [, value] of summary) assert.equal(value, 0.5);
    const rows = text.split('\n').filter((line) => line.startsWith('| ') && line.includes('60 -> 48 px'));
    assert.equal(rows.length, METHODS.length);
    // step ms 1600 vs 800, samples/s ratio 0.5x, step-time ratio 2x, each round's ratio, 9 warm steps in all
    for (const row of rows) {
      const cells = row.split(' | ');
      assert.deepEqual(cells.slice(2, 8), ['9', '1600', '800', '**0.50x**', '**2.00x**', '0.25, 0.75, 0.20']);
    }
  });
});
