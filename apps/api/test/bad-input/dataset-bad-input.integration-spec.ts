import type { PrismaClient } from '@fer/db';
import { generateSyntheticBenchmark } from '@fer/datasets';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { PrismaService } from '../../src/database/prisma.service';
import { ApiHarness, startApiHarness } from '../support/api-test-harness';
import { assertRefused } from './bad-input-support';

/**
 * Bad datasets through POST /datasets: each refused with a 400 naming the file (and line, for label files), and
 * nothing registered. (A corrupt PNG header and a path outside the data roots are in datasets.integration-spec.ts.)
 */
describe('bad datasets: a 400 naming the file, nothing registered', () => {
  let api: ApiHarness;
  let prisma: PrismaClient;
  let root: string;
  let outside: string;
  let studio: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'fer-bad-data-'));
    outside = mkdtempSync(join(tmpdir(), 'fer-bad-outside-'));
    await Promise.all([
      generateSyntheticBenchmark({ outDir: root, perClassTrain: 1, perClassTest: 1, size: 24, seed: 'bad', domains: ['synth-studio'] }),
      generateSyntheticBenchmark({ outDir: join(root, 'raf'), perClassTrain: 1, perClassTest: 1, size: 24, seed: 'bad', domains: ['synth-studio'], layout: 'rafdb' }),
      generateSyntheticBenchmark({ outDir: outside, perClassTrain: 1, perClassTest: 1, size: 24, seed: 'out', domains: ['synth-studio'] }),
    ]);
    studio = join(root, 'synth-studio');
    api = await startApiHarness('bad_datasets', { FER_DATA_ROOTS: root });
    prisma = api.app.get(PrismaService).client;
  });
  after(async () => {
    await api?.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  /** A fresh copy of the valid image folder, to break one thing in. */
  const copy = (name: string): string => {
    const dir = join(root, name);
    cpSync(studio, dir, { recursive: true });
    return dir;
  };
  /** The first image of the train split: [class folder, file name]. */
  const firstTrainImage = (dir: string): [string, string] => {
    const folder = join(dir, 'train', readdirSync(join(dir, 'train')).sort()[0]);
    return [folder, readdirSync(folder).sort()[0]];
  };
  const importing = (path: string, format = 'imagefolder') => () =>
    api.request('POST', '/datasets', { body: { name: `bad-${Math.random().toString(36).slice(2, 8)}`, domain: 'synth-studio', format, path } });

  it('should accept the untouched folder the broken copies are made from', async () => {
    const ok = await api.request('POST', '/datasets', { body: { name: 'control', format: 'imagefolder', path: studio } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
  });

  it('should refuse a dataset folder that is a symlink out of the data roots', async () => {
    symlinkSync(join(outside, 'synth-studio'), join(root, 'linked-out'));
    await assertRefused(prisma, 'symlinked folder', importing(join(root, 'linked-out')), { status: 400, names: /outside the allowed roots|outside the data roots/ });
    symlinkSync('/etc', join(root, 'linked-etc'));
    await assertRefused(prisma, 'symlink to /etc', importing(join(root, 'linked-etc')), { status: 400, names: /outside/ });
  });

  it('should refuse an image that is a symlink out of the data roots, naming it', async () => {
    const dir = copy('image-link');
    const [folder, file] = firstTrainImage(dir);
    const [outsideFolder, outsideFile] = firstTrainImage(join(outside, 'synth-studio'));
    unlinkSync(join(folder, file));
    symlinkSync(join(outsideFolder, outsideFile), join(folder, file));
    await assertRefused(prisma, 'symlinked image', importing(dir), { status: 400, names: new RegExp(file.replace('.', '\\.')) });
    const dir2 = copy('passwd-link');
    const [folder2] = firstTrainImage(dir2);
    symlinkSync('/etc/passwd', join(folder2, 'passwd.png'));
    await assertRefused(prisma, 'symlink to /etc/passwd', importing(dir2), { status: 400, names: /passwd\.png/ });
  });

  it('should refuse non-image files and truncated images, naming each file', async () => {
    const text = copy('text-file');
    writeFileSync(join(firstTrainImage(text)[0], 'notes.txt'), 'not an image\n');
    await assertRefused(prisma, 'a text file among the images', importing(text), { status: 400, names: /notes\.txt/ });

    const disguised = copy('disguised');
    writeFileSync(join(firstTrainImage(disguised)[0], 'fake.png'), '<html>not a png</html>\n');
    await assertRefused(prisma, 'text named .png', importing(disguised), { status: 400, names: /fake\.png/ });

    const truncatedPng = copy('truncated-png');
    const [pngFolder, pngFile] = firstTrainImage(truncatedPng);
    const png = readFileSync(join(pngFolder, pngFile));
    writeFileSync(join(pngFolder, pngFile), png.subarray(0, Math.floor(png.length * 0.6)));
    await assertRefused(prisma, 'PNG cut at 60 %', importing(truncatedPng), { status: 400, names: new RegExp(pngFile.replace('.', '\\.')) });

    const truncatedJpeg = copy('truncated-jpeg');
    const [jpegFolder, jpegSource] = firstTrainImage(truncatedJpeg);
    const jpeg = await sharp(join(jpegFolder, jpegSource)).resize(96, 96).jpeg({ quality: 90 }).toBuffer();
    writeFileSync(join(jpegFolder, 'cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    await assertRefused(prisma, 'JPEG cut in half', importing(truncatedJpeg), { status: 400, names: /cut\.jpg/ });

    const empty = copy('empty-file');
    writeFileSync(join(firstTrainImage(empty)[0], 'empty.png'), '');
    await assertRefused(prisma, 'empty .png', importing(empty), { status: 400, names: /empty\.png/ });
  });

  it('should refuse a path that is missing, a file, or an empty folder', async () => {
    await assertRefused(prisma, 'missing path', importing(join(root, 'no-such-folder')), { status: 400, names: /does not exist|no-such-folder/ });
    const [folder, file] = firstTrainImage(studio);
    await assertRefused(prisma, 'a file as the folder', importing(join(folder, file)), { status: 400, names: /folder|directory|not a/i });
    mkdirSync(join(root, 'empty-folder'));
    await assertRefused(prisma, 'an empty folder', importing(join(root, 'empty-folder')), { status: 400, names: /no (images|samples)|empty|layout|split/i });
  });

  /** A CSV dataset: the images of the valid folder, listed in labels.csv by relative path. */
  const csvDataset = (name: string, lines: (string | Buffer)[]): string => {
    const dir = copy(name);
    writeFileSync(join(dir, 'labels.csv'), Buffer.concat(lines.map((line) => Buffer.concat([Buffer.isBuffer(line) ? line : Buffer.from(line), Buffer.from('\n')]))));
    return dir;
  };
  const trainImage = (): string => {
    const [folder, file] = firstTrainImage(studio);
    return `train/${folder.split('/').pop()}/${file}`;
  };

  it('should refuse CSV datasets with wrong columns, naming the file and line', async () => {
    const image = trainImage();
    const good = csvDataset('csv-good', ['path,label,split', `${image},happy,train`]);
    const accepted = await api.request('POST', '/datasets', { body: { name: 'csv-control', format: 'csv', path: good } });
    assert.equal(accepted.status, 201, `the control CSV is valid: ${JSON.stringify(accepted.body)}`);

    const fourColumns = csvDataset('csv-four', ['path,label,split,weight', `${image},happy,train,1`]);
    await assertRefused(prisma, 'four columns', importing(fourColumns, 'csv'), { status: 400, names: /labels\.csv: line 1: .*expected 2 or 3 columns/ });
    const ragged = csvDataset('csv-ragged', ['path,label', `${image},happy`, `${image}`]);
    await assertRefused(prisma, 'a row with one column', importing(ragged, 'csv'), { status: 400, names: /labels\.csv: line 3: .*columns/ });
    const swapped = csvDataset('csv-swapped', ['label,path', `happy,${image}`]);
    await assertRefused(prisma, 'columns swapped', importing(swapped, 'csv'), { status: 400, names: /labels\.csv: line \d/ });
    const badLabel = csvDataset('csv-label', ['path,label', `${image},ecstatic`]);
    await assertRefused(prisma, 'unknown label', importing(badLabel, 'csv'), { status: 400, names: /labels\.csv: line 2: .*ecstatic/ });
    const badSplit = csvDataset('csv-split', ['path,label,split', `${image},happy,holdout`]);
    await assertRefused(prisma, 'unknown split', importing(badSplit, 'csv'), { status: 400, names: /labels\.csv: line 2: .*holdout/ });
    const escape = csvDataset('csv-escape', ['path,label', `../../${image},happy`]);
    await assertRefused(prisma, 'a row climbing out of the folder', importing(escape, 'csv'), { status: 400, names: /labels\.csv: line 2/ });
    const missing = csvDataset('csv-missing', ['path,label', 'train/nowhere/ghost.png,happy']);
    await assertRefused(prisma, 'a row naming a missing image', importing(missing, 'csv'), { status: 400, names: /ghost\.png/ });
  });

  it('should refuse label files with invalid UTF-8, naming the file and line', async () => {
    const image = trainImage();
    const csv = csvDataset('csv-utf8', ['path,label', Buffer.concat([Buffer.from(`${image},hap`), Buffer.from([0xff, 0xfe]), Buffer.from('py')])]);
    await assertRefused(prisma, 'CSV with invalid UTF-8', importing(csv, 'csv'), { status: 400, names: /labels\.csv: line 2: .*UTF-8/i });

    const raf = join(root, 'raf-utf8');
    cpSync(join(root, 'raf', 'synth-studio'), raf, { recursive: true });
    const labelFile = join(raf, 'EmoLabel', 'list_patition_label.txt');
    const lines = readFileSync(labelFile).toString('utf8').trimEnd().split('\n');
    const accepted = await api.request('POST', '/datasets', { body: { name: 'raf-control', format: 'rafdb', path: join(root, 'raf', 'synth-studio') } });
    assert.equal(accepted.status, 201, `the control RAF-DB layout is valid: ${JSON.stringify(accepted.body)}`);
    writeFileSync(labelFile, Buffer.concat([Buffer.from(`${lines[0]}\n`), Buffer.from([0xc3, 0x28, 0x20, 0x35, 0x0a]), Buffer.from(lines.slice(1).join('\n') + '\n')]));
    await assertRefused(prisma, 'RAF-DB label file with invalid UTF-8', importing(raf, 'rafdb'), { status: 400, names: /list_patition_label\.txt: line 2: .*UTF-8/i });
    writeFileSync(labelFile, [lines[0].replace(/\s\d+$/, ' 9'), ...lines.slice(1)].join('\n') + '\n');
    await assertRefused(prisma, 'RAF-DB label out of range', importing(raf, 'rafdb'), { status: 400, names: /list_patition_label\.txt: line 1/ });
  });
});
