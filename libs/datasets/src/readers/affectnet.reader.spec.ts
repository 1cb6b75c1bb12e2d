import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRgb } from '../images/rgb-loading';
import { makeTempDir, writeImage, writeText } from '../test-support/fixture-files';
import { validateDataset } from '../validation/dataset-validation';

const HEADER = 'subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal';
const LANDMARKS = '"10.5;20.1;30.2;40.3"';

function row(path: string, expression: string | number, extra = ''): string {
  return `${path},4,4,16,16,${LANDMARKS},${expression},0.25,-0.1${extra}`;
}

describe('affectnet reader', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await makeTempDir('affectnet')));
  after(() => cleanup());

  it('should map codes 0-6, drop 7-10 by reason and turn validation into test when the CSVs are well formed', async () => {
    const root = join(dir, 'good');
    const images = join(root, 'Manually_Annotated_Images');
    const train = [
      row('1/a.jpg', 0),
      row('1/b.jpg', 1),
      row('1/c.jpg', 6),
      row('2/d.jpg', 7),
      row('2/e.jpg', 8),
      row('2/f.jpg', 9),
      row('2/g.jpg', 10),
    ];
    await writeText(join(root, 'training.csv'), [HEADER, ...train].join('\n') + '\n');
    // validation.csv often comes without a header.
    await writeText(join(root, 'validation.csv'), [row('3/h.jpg', 3), row('3/i.jpg', 7)].join('\n') + '\n');
    for (const name of ['1/a.jpg', '1/b.jpg', '1/c.jpg', '2/d.jpg', '3/h.jpg', '3/i.jpg'])
      await writeImage(join(images, name), { size: 32 });
    const seven = await validateDataset({ format: 'affectnet', path: root });
    assert.equal(seven.report.valid, true, JSON.stringify(seven.report.problems));
    assert.deepEqual(seven.report.counts, {
      splits: {
        train: { total: 3, perClass: [0, 0, 0, 1, 0, 1, 1] },
        test: { total: 1, perClass: [1, 0, 0, 0, 0, 0, 0] },
      },
      dropped: { contempt: 2, none: 1, uncertain: 1, 'non-face': 1 },
    });
    assert.deepEqual(seven.samples[0].faceBox, { x: 4, y: 4, width: 16, height: 16 });
    assert.equal(seven.samples[0].key, 'Manually_Annotated_Images/1/a.jpg');
    const eight = await validateDataset({ format: 'affectnet', path: root, numClasses: 8 });
    assert.deepEqual(eight.report.counts.splits.test, { total: 2, perClass: [1, 0, 0, 0, 0, 0, 0, 1] });
    assert.deepEqual(eight.report.counts.dropped, { none: 1, uncertain: 1, 'non-face': 1 });
    const rgb = await loadRgb(seven.samples[0], 8);
    assert.equal(rgb.data.length, 8 * 8 * 3);
  });

  it('should report out-of-range codes, bad numbers, wrong column counts and a path climbing out of the root', async () => {
    const root = join(dir, 'bad');
    await writeText(
      join(root, 'training.csv'),
      [
        HEADER,
        row('1/a.jpg', 11),
        row('1/b.jpg', 'two'),
        '1/c.jpg,4,4,16,16,3,0.1,0.2',
        `1/d.jpg,4,x,16,16,${LANDMARKS},1,0.1,0.2`,
        row('../../outside.jpg', 1),
      ].join('\n') + '\n',
    );
    await writeText(join(root, 'validation.csv'), '');
    await writeImage(join(dir, 'outside.jpg'));
    const { report } = await validateDataset({ format: 'affectnet', path: root, dataRoots: [dir] });
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.file, p.line, p.field]),
      [
        ['unknown-label', 'training.csv', 2, 'expression'],
        ['parse-error', 'training.csv', 3, 'expression'],
        ['parse-error', 'training.csv', 4, undefined],
        ['parse-error', 'training.csv', 5, 'face_y'],
        ['path-escape', 'training.csv', 6, 'image'],
      ],
    );
  });
});
