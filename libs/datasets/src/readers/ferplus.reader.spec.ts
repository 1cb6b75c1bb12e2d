import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, writeImage, writeText } from '../test-support/fixture-files';
import { validateDataset } from '../validation/dataset-validation';
import { ferplusVote } from './ferplus.reader';

const VOTE_HEADER = 'Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF';

function pixels(seed: number): string {
  return Array.from({ length: 48 * 48 }, (_, i) => (i * 7 + seed) % 256).join(' ');
}

describe('ferplus reader', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await makeTempDir('ferplus')));
  after(() => cleanup());

  it('should drop ties, unknown, not-face and contempt when votes are counted by plurality', () => {
    const plurality = (votes: number[], classes: 7 | 8) => ferplusVote(votes, classes, 'plurality');
    //                         neu hap sur sad ang dis fea con unk NF
    assert.deepEqual(plurality([0, 8, 2, 0, 0, 0, 0, 0, 0, 0], 7), { label: 3 });
    assert.deepEqual(plurality([5, 5, 0, 0, 0, 0, 0, 0, 0, 0], 7), { dropped: 'tie' });
    assert.deepEqual(plurality([1, 0, 0, 0, 0, 0, 0, 0, 9, 0], 7), { dropped: 'unknown' });
    assert.deepEqual(plurality([0, 0, 0, 0, 0, 0, 0, 0, 0, 10], 7), { dropped: 'not-face' });
    assert.deepEqual(plurality([0, 0, 0, 0, 0, 0, 0, 6, 0, 0], 7), { dropped: 'contempt' });
    assert.deepEqual(plurality([0, 0, 0, 0, 0, 0, 0, 6, 0, 0], 8), { label: 7 });
    assert.deepEqual(plurality([0, 0, 0, 0, 0, 0, 7, 0, 0, 0], 7), { label: 1 });
  });

  it('should follow FERPlus majority by default: single votes removed, then more than half of the rest or unknown', () => {
    //                                         neu hap sur sad ang dis fea con unk NF
    assert.deepEqual(ferplusVote([0, 8, 2, 0, 0, 0, 0, 0, 0, 0], 7), { label: 3 }, '8 of 10');
    // plurality says neutral (4 is the most); FERPlus majority: 4 of 9 remaining votes is not more than half
    assert.deepEqual(ferplusVote([4, 3, 1, 0, 0, 0, 0, 0, 2, 0], 7), { dropped: 'no-majority' });
    assert.deepEqual(ferplusVote([4, 3, 1, 0, 0, 0, 0, 0, 2, 0], 7, 'plurality'), { label: 6 });
    // plurality drops the tie at the top; majority sees neutral alone once the single votes are gone (2 of 2)
    assert.deepEqual(ferplusVote([2, 1, 1, 1, 1, 1, 1, 1, 1, 0], 7), { label: 6 });
    assert.deepEqual(ferplusVote([2, 2, 1, 1, 1, 1, 1, 1, 0, 0], 7, 'plurality'), { dropped: 'tie' });
    // exactly half is not a majority
    assert.deepEqual(ferplusVote([5, 5, 0, 0, 0, 0, 0, 0, 0, 0], 7), { dropped: 'no-majority' });
    // only single votes: nothing is left to count
    assert.deepEqual(ferplusVote([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 7), { dropped: 'no-majority' });
    assert.deepEqual(ferplusVote([1, 0, 0, 0, 0, 0, 0, 0, 9, 0], 7), { dropped: 'unknown' });
    assert.deepEqual(ferplusVote([0, 0, 0, 0, 0, 0, 0, 0, 2, 8], 7), { dropped: 'not-face' });
    assert.deepEqual(ferplusVote([0, 0, 0, 0, 0, 0, 0, 6, 3, 0], 7), { dropped: 'contempt' });
    assert.deepEqual(ferplusVote([0, 0, 0, 0, 0, 0, 0, 6, 3, 0], 8), { label: 7 });
  });

  it('should map fer2013.csv + fer2013new.csv votes and splits and count drops when the CSVs are consistent', async () => {
    const root = join(dir, 'csv');
    await writeText(
      join(root, 'fer2013.csv'),
      [
        'emotion,pixels,Usage',
        `3,${pixels(1)},Training`,
        `0,${pixels(2)},Training`,
        `6,${pixels(3)},PublicTest`,
        `4,${pixels(4)},PrivateTest`,
        `2,${pixels(5)},PrivateTest`,
        `1,${pixels(6)},Training`,
      ].join('\n') + '\n',
    );
    await writeText(
      join(root, 'fer2013new.csv'),
      [
        VOTE_HEADER,
        'Training,fer0000000.png,0,10,0,0,0,0,0,0,0,0', // happiness
        'Training,fer0000001.png,4,4,1,1,0,0,0,0,0,0', // tie
        'PublicTest,fer0000002.png,1,0,8,0,0,0,0,0,1,0', // surprise
        'PrivateTest,fer0000003.png,0,0,0,0,0,0,0,7,3,0', // contempt
        'PrivateTest,,0,0,0,0,0,0,0,0,0,10', // not a face
        'Training,fer0000005.png,0,0,0,0,9,0,0,0,1,0', // anger
      ].join('\n') + '\n',
    );
    const seven = await validateDataset({ format: 'ferplus', path: root });
    assert.equal(seven.report.valid, true, JSON.stringify(seven.report.problems));
    assert.deepEqual(seven.report.counts, {
      splits: {
        train: { total: 2, perClass: [0, 0, 0, 1, 0, 1, 0] },
        val: { total: 1, perClass: [1, 0, 0, 0, 0, 0, 0] },
      },
      dropped: { 'no-majority': 1, contempt: 1, 'not-face': 1 },
    });
    // Counted by plurality instead, the 4-4 row is a tie at the top (a named option, recorded with the dataset).
    const plurality = await validateDataset({ format: 'ferplus', path: root, ferplusLabels: 'plurality' });
    assert.deepEqual(plurality.report.counts.dropped, { tie: 1, contempt: 1, 'not-face': 1 });
    const first = seven.samples[0];
    assert.equal(first.key, 'fer2013/fer0000000');
    assert.equal(first.image.kind, 'pixels');
    const eight = await validateDataset({ format: 'ferplus', path: root, numClasses: 8 });
    assert.deepEqual(eight.report.counts.splits.test, { total: 1, perClass: [0, 0, 0, 0, 0, 0, 0, 1] });
  });

  it('should name the line when a pixel row or vote row is malformed', async () => {
    const root = join(dir, 'bad-csv');
    await writeText(
      join(root, 'fer2013.csv'),
      ['emotion,pixels,Usage', `3,${pixels(1)},Training`, `3,1 2 3,Training`, `3,${pixels(1)},Somewhere`].join('\n') +
        '\n',
    );
    await writeText(
      join(root, 'fer2013new.csv'),
      [
        VOTE_HEADER,
        'Training,a.png,0,10,0,0,0,0,0,0,0',
        'Training,b.png,0,1,0,0,0,0,0,0,0,0',
        'Somewhere,c.png,0,1,0,0,0,0,0,0,0,0',
      ].join('\n') + '\n',
    );
    const { report } = await validateDataset({ format: 'ferplus', path: root });
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.file, p.line, p.field]),
      [
        ['parse-error', 'fer2013new.csv', 2, undefined],
        ['parse-error', 'fer2013.csv', 3, 'pixels'],
        ['parse-error', 'fer2013.csv', 4, 'Usage'],
      ],
    );
  });

  it('should read FER2013Train/Valid/Test label.csv folders when given the Microsoft image export', async () => {
    const root = join(dir, 'export');
    await writeText(
      join(root, 'FER2013Train/label.csv'),
      'fer0000000.png,"(0, 0, 48, 48)",0,10,0,0,0,0,0,0,0,0\nfer0000001.png,"(0, 0, 48, 48)",5,5,0,0,0,0,0,0,0,0\n',
    );
    await writeText(join(root, 'FER2013Test/label.csv'), 'fer0000002.png,"(0, 0, 48, 48)",0,0,0,10,0,0,0,0,0,0\n');
    await writeImage(join(root, 'FER2013Train/fer0000000.png'), { gray: true });
    await writeImage(join(root, 'FER2013Test/fer0000002.png'), { gray: true });
    const { report } = await validateDataset({ format: 'ferplus', path: root });
    assert.equal(report.valid, true, JSON.stringify(report.problems));
    assert.deepEqual(report.counts, {
      splits: {
        train: { total: 1, perClass: [0, 0, 0, 1, 0, 0, 0] },
        test: { total: 1, perClass: [0, 0, 0, 0, 1, 0, 0] },
      },
      dropped: { 'no-majority': 1 }, // 5-5: half is not more than half
    });
  });

  it('should read a train/test/<emotion> folder export when there are no CSVs', async () => {
    const root = join(dir, 'folders');
    await writeImage(join(root, 'train/angry/1.png'));
    await writeImage(join(root, 'train/happy/1.png'));
    await writeImage(join(root, 'test/surprise/1.png'));
    const { report } = await validateDataset({ format: 'ferplus', path: root });
    assert.deepEqual(report.counts.splits, {
      train: { total: 2, perClass: [0, 0, 0, 1, 0, 1, 0] },
      test: { total: 1, perClass: [1, 0, 0, 0, 0, 0, 0] },
    });
  });
});
