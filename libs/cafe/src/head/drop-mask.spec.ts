import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '@fer/contracts';
import { drawDropMask, droppedPerGroup } from './drop-mask';

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
