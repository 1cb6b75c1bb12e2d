import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { Sample } from '../sample';
import { makeTempDir, writeImage } from '../test-support/fixture-files';
import { cropFaces, squareCrop } from './face-crop';
import { createFaceDetector, type FaceDetector } from './face-detector';

const DEMO = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

describe('face preprocessing', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let detector: FaceDetector;
  before(async () => {
    ({ dir, cleanup } = await makeTempDir('faces'));
    detector = await createFaceDetector({ model: 'ssd-mobilenet' });
  });
  after(() => cleanup());

  it('should keep the square crop inside the image when the box touches an edge', () => {
    assert.deepEqual(squareCrop({ x: 0, y: 10, width: 20, height: 40, score: 1 }, 100, 60, 0.25), {
      left: 0,
      top: 0,
      width: 60,
      height: 60,
    });
  });

  it('should crop the largest face and record the box when run on the face-api demo photos', async () => {
    const samples: Sample[] = [1, 2, 3].map((n) => ({
      key: `demo/sample${n}.jpg`,
      split: 'test',
      label: 6,
      image: { kind: 'file', path: join(DEMO, `sample${n}.jpg`) },
    }));
    const noFace = join(dir, 'flat.png');
    await writeImage(noFace, { size: 96 });
    samples.push({ key: 'flat.png', split: 'test', label: 6, image: { kind: 'file', path: noFace } });
    const result = await cropFaces(samples, { detector, outDir: join(dir, 'crops') });
    assert.deepEqual(result.counts, { cropped: 3, 'kept-whole': 1, dropped: 0 });
    for (const record of result.records.slice(0, 3)) {
      assert.equal(record.action, 'cropped');
      assert.ok(record.facesFound >= 1);
      assert.ok((record.box?.score ?? 0) >= 0.5);
      const crop = await sharp(join(dir, 'crops', `${record.key}.png`)).metadata();
      assert.equal(crop.width, record.crop?.width);
      assert.equal(crop.width, crop.height);
      assert.ok((crop.width ?? 0) >= 40, `${record.key}: ${crop.width}`);
    }
    assert.deepEqual(result.records[3], { key: 'flat.png', action: 'kept-whole', facesFound: 0 });
    assert.equal(result.samples[3].image.kind === 'file' && result.samples[3].image.path, noFace);
    const dropped = await cropFaces(samples.slice(3), { detector, outDir: join(dir, 'crops'), onNoFace: 'drop' });
    assert.deepEqual([dropped.samples.length, dropped.records[0].action], [0, 'dropped']);
  });

  it('should find more faces in the group photo than in a single portrait', async () => {
    const counts = [];
    for (const n of [1, 5]) counts.push((await detector.detectInFile(join(DEMO, `sample${n}.jpg`))).faces.length);
    assert.ok(counts[1] > 1, JSON.stringify(counts));
  });
});
