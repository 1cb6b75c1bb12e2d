import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drawDropMask, droppedPerGroup } from './drop-mask';
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
    assert.deepEqual(Array.from({ length: 10 }, () => a.next()), Array.from({ length: 10 }, () => b.next()));
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
});

describe('drawDropMask', () => {
  it('should drop 10 of 73 channels in every group and keep the unpooled tail when C=512 and K=7', () => {
    const mask = drawDropMask(new SeededRandom(5), 512, 7, 10 / 73);
    for (let k = 0; k < 7; k++) assert.equal(mask.subarray(k * 73, (k + 1) * 73).filter((v) => v === 0).length, 10);
    assert.equal(mask[511], 1);
  });

  it('should match the fixtures per-group drop counts when the groups are 18 and 9 channels wide', () => {
    assert.equal(droppedPerGroup(18, 10 / 73), 2);
    assert.equal(droppedPerGroup(9, 10 / 73), 1);
  });

  it('should draw a different mask each step when the generator advances', () => {
    const rng = new SeededRandom(5);
    assert.notDeepEqual(drawDropMask(rng, 128, 7, 10 / 73), drawDropMask(rng, 128, 7, 10 / 73));
  });
});
