import assert from 'node:assert/strict';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, writeImage, writeText } from '../test-support/fixture-files';
import { validateDataset } from '../validation/dataset-validation';

async function rafdbTree(root: string, lines: string[], images: string[]): Promise<void> {
  await writeText(join(root, 'EmoLabel/list_patition_label.txt'), lines.join('\n') + '\n');
  let shade = 0;
  for (const name of images) await writeImage(join(root, 'Image/aligned', name), { shade: (shade += 20) });
}

describe('rafdb reader', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await makeTempDir('rafdb')));
  after(() => cleanup());

  it('should map labels 1-7 to canonical 0-6 and split by name prefix when the layout is RAF-DB basic', async () => {
    const root = join(dir, 'good');
    await rafdbTree(
      root,
      ['train_00001.jpg 1', 'train_00002.jpg 4', 'train_00003.jpg 4', 'test_0001.jpg 7', 'test_0002.jpg 6'],
      [
        'train_00001_aligned.jpg',
        'train_00002_aligned.jpg',
        'train_00003_aligned.jpg',
        'test_0001_aligned.jpg',
        'test_0002_aligned.jpg',
      ],
    );
    const { report, samples } = await validateDataset({ format: 'rafdb', path: root });
    assert.equal(report.valid, true, JSON.stringify(report.problems));
    assert.deepEqual(report.counts.splits, {
      train: { total: 3, perClass: [1, 0, 0, 2, 0, 0, 0] },
      test: { total: 2, perClass: [0, 0, 0, 0, 0, 1, 1] },
    });
    assert.deepEqual(samples[0], {
      key: 'Image/aligned/train_00001_aligned.jpg',
      split: 'train',
      label: 0,
      image: { kind: 'file', path: join(report.root, 'Image/aligned/train_00001_aligned.jpg') },
      source: { file: 'EmoLabel/list_patition_label.txt', line: 1 },
    });
    assert.match(report.checksum ?? '', /^[0-9a-f]{64}$/);
  });

  it('should change the checksum when an image file changes in place', async () => {
    const root = join(dir, 'changed');
    await rafdbTree(
      root,
      ['train_00001.jpg 1', 'test_0001.jpg 2'],
      ['train_00001_aligned.jpg', 'test_0001_aligned.jpg'],
    );
    const first = await validateDataset({ format: 'rafdb', path: root });
    await writeImage(join(root, 'Image/aligned/test_0001_aligned.jpg'), { shade: 200 });
    const second = await validateDataset({ format: 'rafdb', path: root });
    assert.equal(first.report.valid && second.report.valid, true);
    assert.notEqual(first.report.checksum, second.report.checksum);
    const third = await validateDataset({ format: 'rafdb', path: root });
    assert.equal(third.report.checksum, second.report.checksum);
  });

  it('should name file and line for each bad label line and each bad image when the dataset is broken', async () => {
    const root = join(dir, 'broken');
    await rafdbTree(
      root,
      [
        'train_00001.jpg 1',
        'train_00002.jpg 8', // label out of range
        'train_00003.jpg x', // not a number
        'train_00004.jpg 3 extra', // wrong field count
        'train_00005.jpg 2', // image missing
        'train_00006.jpg 2', // truncated JPEG
        'train_00007.jpg 2', // not an image at all
        'test_0001.jpg 5',
      ],
      ['train_00001_aligned.jpg', 'train_00006_aligned.jpg', 'test_0001_aligned.jpg'],
    );
    const full = await readFile(join(root, 'Image/aligned/train_00006_aligned.jpg'));
    await writeFile(join(root, 'Image/aligned/train_00006_aligned.jpg'), full.subarray(0, Math.floor(full.length / 2)));
    await writeText(join(root, 'Image/aligned/train_00007_aligned.jpg'), 'this is not a JPEG\n');
    const progress: [number, number][] = [];
    const { report, samples } = await validateDataset({
      format: 'rafdb',
      path: root,
      onProgress: (d, t) => progress.push([d, t]),
    });
    assert.equal(report.valid, false);
    assert.equal(samples.length, 0);
    const seen = report.problems.map((p) => `${p.kind} ${p.file}:${p.line} ${p.field ?? ''}`);
    assert.deepEqual(seen, [
      'unknown-label EmoLabel/list_patition_label.txt:2 label',
      'parse-error EmoLabel/list_patition_label.txt:3 label',
      'parse-error EmoLabel/list_patition_label.txt:4 ',
      'missing-file EmoLabel/list_patition_label.txt:5 image',
      'decode-failed EmoLabel/list_patition_label.txt:6 image',
      'decode-failed EmoLabel/list_patition_label.txt:7 image',
    ]);
    assert.deepEqual(report.problemCounts, {
      'unknown-label': 1,
      'parse-error': 2,
      'missing-file': 1,
      'decode-failed': 2,
    });
    assert.deepEqual(progress.at(-1), [5, 5]);
  });

  it('should keep the good samples and list exactly the skipped ones when skipBad is set', async () => {
    const root = join(dir, 'skip');
    await rafdbTree(root, ['train_00001.jpg 1', 'train_00002.jpg 9', 'train_00003.jpg 2'], ['train_00001_aligned.jpg']);
    const { report, samples } = await validateDataset({ format: 'rafdb', path: root, skipBad: true });
    assert.equal(report.valid, true);
    assert.deepEqual(
      samples.map((s) => s.key),
      ['Image/aligned/train_00001_aligned.jpg'],
    );
    assert.deepEqual(
      report.skipped.map((p) => [p.kind, p.line]),
      [
        ['unknown-label', 2],
        ['missing-file', 3],
      ],
    );
    assert.equal(report.skipped[1].sampleKey, 'Image/aligned/train_00003_aligned.jpg');
  });

  it('should refuse an image that is a symlink out of the root when the target exists elsewhere', async () => {
    const root = join(dir, 'symlinked');
    await rafdbTree(root, ['train_00001.jpg 1', 'train_00002.jpg 1'], ['train_00001_aligned.jpg']);
    const outside = join(dir, 'outside.jpg');
    await writeImage(outside);
    await symlink(outside, join(root, 'Image/aligned/train_00002_aligned.jpg'));
    const { report } = await validateDataset({ format: 'rafdb', path: root });
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.line]),
      [['path-escape', 2]],
    );
  });

  it('should report the missing label file when the folder is not RAF-DB', async () => {
    const root = join(dir, 'empty');
    await writeText(join(root, 'readme.txt'), 'nothing');
    const { report } = await validateDataset({ format: 'rafdb', path: root, skipBad: true });
    assert.equal(report.valid, false);
    assert.equal(report.problems[0].kind, 'missing-label-file');
    assert.equal(report.problems[0].file, 'EmoLabel/list_patition_label.txt');
  });
});
