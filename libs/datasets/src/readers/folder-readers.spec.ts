import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, writeImage, writeText } from '../test-support/fixture-files';
import { validateDataset } from '../validation/dataset-validation';

describe('sfew, mma and imagefolder readers', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await makeTempDir('folders')));
  after(() => cleanup());

  it('should read SFEW Train/ and Val/ emotion folders with Val as test when the layout is SFEW 2.0', async () => {
    const root = join(dir, 'sfew');
    await writeImage(join(root, 'Train/Angry/a.png'));
    await writeImage(join(root, 'Train/Happy/a.png'));
    await writeImage(join(root, 'Train/Happy/b.png'));
    await writeImage(join(root, 'Val/Neutral/a.png'));
    await writeImage(join(root, 'Val/Sad/a.png'));
    const { report } = await validateDataset({ format: 'sfew', path: root });
    assert.equal(report.valid, true, JSON.stringify(report.problems));
    assert.deepEqual(report.counts.splits, {
      train: { total: 3, perClass: [0, 0, 0, 2, 0, 1, 0] },
      test: { total: 2, perClass: [0, 0, 0, 0, 1, 0, 1] },
    });
  });

  it('should look inside Train_Aligned_Faces when SFEW ships its aligned faces one level down', async () => {
    const root = join(dir, 'sfew-aligned');
    await writeImage(join(root, 'Train/Train_Aligned_Faces/Fear/a.png'));
    await writeImage(join(root, 'Val/Val_Aligned_Faces/Disgust/a.png'));
    const { report } = await validateDataset({ format: 'sfew', path: root });
    assert.deepEqual(report.counts.splits, {
      train: { total: 1, perClass: [0, 1, 0, 0, 0, 0, 0] },
      test: { total: 1, perClass: [0, 0, 1, 0, 0, 0, 0] },
    });
  });

  it('should map MMA train/valid/test to train/val/test when the layout is MMA', async () => {
    const root = join(dir, 'mma');
    await writeImage(join(root, 'train/surprise/1.jpg'));
    await writeImage(join(root, 'valid/fear/1.jpg'));
    await writeImage(join(root, 'test/disgust/1.jpg'));
    await writeImage(join(root, 'test/disgust/2.jpg'));
    const { report } = await validateDataset({ format: 'mma', path: root });
    assert.equal(report.valid, true, JSON.stringify(report.problems));
    assert.deepEqual(report.counts.splits, {
      train: { total: 1, perClass: [1, 0, 0, 0, 0, 0, 0] },
      val: { total: 1, perClass: [0, 1, 0, 0, 0, 0, 0] },
      test: { total: 2, perClass: [0, 0, 2, 0, 0, 0, 0] },
    });
  });

  it('should report the missing split folder when an MMA folder lacks valid/', async () => {
    const root = join(dir, 'mma-partial');
    await writeImage(join(root, 'train/happy/1.jpg'));
    await writeImage(join(root, 'test/happy/1.jpg'));
    const { report } = await validateDataset({ format: 'mma', path: root, skipBad: true });
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.file]),
      [['bad-layout', 'valid/']],
    );
  });

  it('should map class folder synonyms case-insensitively and drop contempt in 7 classes', async () => {
    const root = join(dir, 'imagefolder');
    for (const folder of [
      'Train/ANGER',
      'Train/Surprised',
      'train-ignored/happy',
      'Validation/sadness',
      'test/Contempt',
      'test/happiness',
    ]) {
      await writeImage(join(root, folder, 'x.png'));
    }
    await writeText(join(root, 'Train/ANGER/.DS_Store'), 'junk');
    const seven = await validateDataset({ format: 'imagefolder', path: root });
    assert.equal(seven.report.valid, true, JSON.stringify(seven.report.problems));
    assert.deepEqual(seven.report.counts, {
      splits: {
        train: { total: 2, perClass: [1, 0, 0, 0, 0, 1, 0] },
        val: { total: 1, perClass: [0, 0, 0, 0, 1, 0, 0] },
        test: { total: 1, perClass: [0, 0, 0, 1, 0, 0, 0] },
      },
      dropped: { contempt: 1 },
    });
    const eight = await validateDataset({ format: 'imagefolder', path: root, numClasses: 8 });
    assert.deepEqual(eight.report.counts.splits.test?.perClass, [0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('should use the label map for folder names when one is given', async () => {
    const root = join(dir, 'mapped');
    await writeImage(join(root, 'train/0/x.png'));
    await writeImage(join(root, 'train/1/x.png'));
    await writeImage(join(root, 'train/2/x.png'));
    const { report } = await validateDataset({
      format: 'imagefolder',
      path: root,
      labelMap: { '0': 'neutral', '1': 3, '2': null },
    });
    assert.deepEqual(report.counts, {
      splits: { train: { total: 2, perClass: [0, 0, 0, 1, 0, 0, 1] } },
      dropped: { 'unmapped:2': 1 },
    });
  });

  it('should name the folder, the non-image file and the symlinked folder when an image folder is broken', async () => {
    const root = join(dir, 'broken-folder');
    await writeImage(join(root, 'train/happy/good.png'));
    await writeText(join(root, 'train/happy/notes.txt'), 'not an image');
    await writeImage(join(root, 'train/smirk/x.png'));
    const outside = join(dir, 'elsewhere/sad');
    await mkdir(outside, { recursive: true });
    await writeImage(join(outside, 'x.png'));
    await symlink(outside, join(root, 'train/sad'));
    const { report } = await validateDataset({ format: 'imagefolder', path: root });
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.file]),
      [
        ['path-escape', 'train/sad'],
        ['unknown-label', 'train/smirk'],
        ['decode-failed', 'train/happy/notes.txt'],
      ],
    );
  });

  it('should refuse a dataset folder outside the configured data roots', async () => {
    const root = join(dir, 'mma');
    const { report } = await validateDataset({ format: 'mma', path: root, dataRoots: [join(dir, 'sfew')] });
    assert.equal(report.valid, false);
    assert.equal(report.problems[0].kind, 'path-escape');
  });

  it('should refuse a dataset folder reached through `..` from a data root', async () => {
    const { report } = await validateDataset({
      format: 'mma',
      path: join(dir, 'sfew', '..', 'mma'),
      dataRoots: [join(dir, 'sfew')],
    });
    assert.equal(report.valid, false);
    assert.equal(report.problems[0].kind, 'path-escape');
  });

  it('should name a dataset folder that does not exist as a missing folder, not a missing label file', async () => {
    const path = join(dir, 'no-such-dataset');
    const { report } = await validateDataset({ format: 'rafdb', path, dataRoots: [dir] });
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.message]),
      [['missing-folder', `dataset folder ${path} does not exist`]],
    );
  });
});
