import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, writeImage, writeText } from '../test-support/fixture-files';
import { validateDataset } from '../validation/dataset-validation';

describe('csv reader', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await makeTempDir('csv')));
  after(() => cleanup());

  it('should map labels through the label map and take the split column when the CSV is well formed', async () => {
    const root = join(dir, 'good');
    await writeImage(join(root, 'img/a.png'));
    await writeImage(join(root, 'img/b.png'));
    await writeImage(join(root, 'img/c.png'));
    await writeText(
      join(root, 'labels.csv'),
      'path,label,split\nimg/a.png,HAP,train\nimg/b.png,NEU,test\nimg/c.png,CON,valid\n',
    );
    const labelMap = { HAP: 'happiness', NEU: 6, CON: 'contempt' };
    const { report, samples } = await validateDataset({ format: 'csv', path: join(root, 'labels.csv'), labelMap });
    assert.equal(report.valid, true, JSON.stringify(report.problems));
    assert.deepEqual(report.counts, {
      splits: {
        train: { total: 1, perClass: [0, 0, 0, 1, 0, 0, 0] },
        test: { total: 1, perClass: [0, 0, 0, 0, 0, 0, 1] },
      },
      dropped: { contempt: 1 },
    });
    assert.deepEqual(samples[0].source, { file: 'labels.csv', line: 2 });
  });

  it('should name file, line and field for each bad row when the CSV is broken', async () => {
    const root = join(dir, 'bad');
    await writeImage(join(root, 'a.png'));
    await writeImage(join(dir, 'outside.png'));
    await symlink(join(dir, 'outside.png'), join(root, 'link.png'));
    const lines = [
      'a.png,happy',
      'a.png,happy,train', // wrong column count
      'b.png,smirk', // unknown label
      '../outside.png,sad', // climbs out
      'link.png,sad', // symlink out
      'missing.png,sad',
    ];
    const bytes = Buffer.concat([
      Buffer.from(lines.join('\n') + '\n'),
      Buffer.from([0x63, 0xff, 0xfe, 0x2c, 0x73, 0x61, 0x64, 0x0a]), // line 7: invalid UTF-8
    ]);
    await writeText(join(root, 'labels.csv'), bytes);
    const { report } = await validateDataset({ format: 'csv', path: root, dataRoots: [dir] });
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.line, p.field]),
      [
        ['invalid-utf8', 7, undefined],
        ['parse-error', 2, undefined],
        ['unknown-label', 3, 'label'],
        ['path-escape', 4, 'image'],
        ['path-escape', 5, 'image'],
        ['missing-file', 6, 'image'],
      ],
    );
    assert.ok(report.problems.every((p) => p.file === 'labels.csv'));
    const limited = await validateDataset({ format: 'csv', path: root, dataRoots: [dir], maxProblems: 2 });
    assert.equal(limited.report.problems.length, 2);
    assert.equal(limited.report.totalProblems, 6);
  });
});
