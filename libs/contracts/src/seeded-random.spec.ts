import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from './seeded-random';

describe('SeededRandom', () => {
  it('should repeat the same stream when seeded alike and differ when seeded differently', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const draw = (r: SeededRandom) => Array.from({ length: 20 }, () => r.nextUint32());
    const sa = draw(a);
    assert.deepEqual(sa, draw(b));
    assert.notDeepEqual(sa, draw(c));
  });

  it('should continue identically when restored from a saved state', () => {
    const a = new SeededRandom(3);
    a.permutation(100);
    const b = new SeededRandom(a.getState());
    assert.deepEqual(
      Array.from({ length: 10 }, () => a.next()),
      Array.from({ length: 10 }, () => b.next()),
    );
  });

  it('should give uniforms in [0,1) with mean near 1/2 and normals with variance near 1 when drawing many', () => {
    const r = new SeededRandom(1);
    const u = Array.from({ length: 20000 }, () => r.next());
    assert.ok(u.every((x) => x >= 0 && x < 1));
    assert.ok(Math.abs(u.reduce((a, b) => a + b) / u.length - 0.5) < 0.01);
    const n = Array.from({ length: 20000 }, () => r.normal());
    const variance = n.reduce((a, b) => a + b * b, 0) / n.length;
    assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
  });

  it('should repeat the same stream for the same text and differ for another when seeded from text', () => {
    const draw = (r: SeededRandom) => Array.from({ length: 8 }, () => r.nextUint32());
    assert.deepEqual(draw(SeededRandom.fromText('synth5')), draw(SeededRandom.fromText('synth5')));
    assert.notDeepEqual(draw(SeededRandom.fromText('synth5')), draw(SeededRandom.fromText('synth6')));
  });

  it('should pick every item of a list when picking many times', () => {
    const r = new SeededRandom(2);
    const seen = new Set(Array.from({ length: 200 }, () => r.pick(['a', 'b', 'c'])));
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c']);
  });
});
