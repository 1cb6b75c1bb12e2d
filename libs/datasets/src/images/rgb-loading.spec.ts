import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Sample } from '../sample';
import { summarizeCounts } from '../split-counts';
import { makeTempDir, writeImage } from '../test-support/fixture-files';
import { loadRgb } from './rgb-loading';
import { datasetChecksum, sampleContentHash } from './sample-hash';

describe('image loading and hashing', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await makeTempDir('rgb')));
  after(() => cleanup());

  it('should return size*size*3 RGB with equal channels when the file is grayscale', async () => {
    const path = join(dir, 'gray.png');
    await writeImage(path, { size: 20, gray: true });
    const rgb = await loadRgb({ key: 'gray.png', split: 'train', label: 0, image: { kind: 'file', path } }, 8);
    assert.equal(rgb.data.length, 8 * 8 * 3);
    assert.deepEqual([rgb.width, rgb.height], [8, 8]);
    for (let i = 0; i < 64; i++)
      assert.ok(rgb.data[i * 3] === rgb.data[i * 3 + 1] && rgb.data[i * 3 + 1] === rgb.data[i * 3 + 2]);
  });

  it('should resize in-memory pixels and crop to the face box when the sample has one', async () => {
    const data = new Uint8Array(48 * 48);
    for (let y = 0; y < 48; y++) for (let x = 0; x < 48; x++) data[y * 48 + x] = x < 24 ? 10 : 250;
    const sample: Sample = {
      key: 'p',
      split: 'test',
      label: 3,
      image: { kind: 'pixels', width: 48, height: 48, channels: 1, data },
    };
    const whole = await loadRgb(sample, 4);
    assert.ok(whole.data[0] < 50 && whole.data[3 * 3] > 200);
    const right = await loadRgb({ ...sample, faceBox: { x: 30, y: 0, width: 18, height: 48 } }, 4);
    assert.ok(right.data.every((value) => value > 200));
  });

  it('should hash pixel data and give a different checksum when a label changes', async () => {
    const data = new Uint8Array(4).fill(7);
    const sample: Sample = {
      key: 'a',
      split: 'train',
      label: 1,
      image: { kind: 'pixels', width: 2, height: 2, channels: 1, data },
    };
    assert.match(await sampleContentHash(sample), /^[0-9a-f]{64}$/);
    assert.notEqual(await datasetChecksum([sample]), await datasetChecksum([{ ...sample, label: 2 }]));
    assert.equal(
      await datasetChecksum([sample, { ...sample, key: 'b' }]),
      await datasetChecksum([{ ...sample, key: 'b' }, sample]),
    );
  });

  it('should refuse to count a label outside the class space when summarizing', () => {
    const sample: Sample = { key: 'a', split: 'train', label: 7, image: { kind: 'file', path: 'x' } };
    assert.throws(() => summarizeCounts([sample], 7), /outside the 7-class space/);
    assert.deepEqual(summarizeCounts([sample], 8).splits.train?.perClass, [0, 0, 0, 0, 0, 0, 0, 1]);
  });
});
