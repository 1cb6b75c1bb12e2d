import { generateSyntheticBenchmark } from '@fer/datasets';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { after, before, describe, it } from 'node:test';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';

describe('dataset registration through the API', () => {
  let api: ApiHarness;
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'fer-datasets-'));
    await generateSyntheticBenchmark({ outDir: root, perClassTrain: 3, perClassTest: 2, size: 32, seed: 'api', domains: ['synth-studio'] });
    api = await startApiHarness('datasets', { FER_DATA_ROOTS: root });
  });
  after(async () => {
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });

  const body = (path: string, name = 'studio') => ({ name, domain: 'synth-studio', format: 'imagefolder', path });

  it('should label FERPlus by its own majority protocol by default, record the rule, and make plurality another version', async () => {
    const folder = join(root, 'ferplus');
    mkdirSync(folder, { recursive: true });
    const pixels = (seed: number) => Array.from({ length: 48 * 48 }, (_, i) => (i * 7 + seed) % 256).join(' ');
    writeFileSync(join(folder, 'fer2013.csv'), ['emotion,pixels,Usage', `3,${pixels(1)},Training`, `0,${pixels(2)},Training`, `6,${pixels(3)},PrivateTest`].join('\n') + '\n');
    writeFileSync(
      join(folder, 'fer2013new.csv'),
      [
        'Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF',
        'Training,fer0000000.png,0,10,0,0,0,0,0,0,0,0',
        'Training,fer0000001.png,4,3,1,0,0,0,0,0,2,0', // neutral by plurality; no majority once single votes go
        'PrivateTest,fer0000002.png,0,0,9,0,0,0,0,0,1,0',
      ].join('\n') + '\n',
    );
    const ferplus = { name: 'ferplus', domain: 'ferplus', format: 'ferplus', path: folder };
    const majority = await api.request('POST', '/datasets', { body: ferplus });
    assert.equal(majority.status, 201, majority.text);
    assert.equal(majority.body.counts.splits.train.total, 1);
    assert.deepEqual(majority.body.counts.dropped, { 'no-majority': 1 });
    assert.equal(majority.body.importReport.labelRule, 'ferplus-majority');
    const plurality = await api.request('POST', '/datasets', { body: { ...ferplus, ferplusLabels: 'plurality' } });
    assert.equal(plurality.status, 201, plurality.text);
    assert.equal(plurality.body.version, 2, 'other labels, another version');
    assert.equal(plurality.body.counts.splits.train.total, 2);
    assert.equal(plurality.body.importReport.labelRule, 'ferplus-plurality');
    const misplaced = await api.request('POST', '/datasets', { body: { ...body(join(root, 'synth-studio'), 'x'), ferplusLabels: 'majority' } });
    assert.equal(misplaced.status, 400);
    assert.equal(misplaced.body.error.problems[0].field, 'ferplusLabels');
  });

  it('should register a valid folder with counts, and return the same version when its content is unchanged', async () => {
    const first = await api.request('POST', '/datasets', { body: body(join(root, 'synth-studio')) });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.version, 1);
    assert.equal(first.body.counts.splits.train.total, 21);
    assert.deepEqual(first.body.counts.splits.test.perClass, [2, 2, 2, 2, 2, 2, 2]);
    const again = await api.request('POST', '/datasets', { body: body(join(root, 'synth-studio')) });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    const samples = await api.request('GET', `/datasets/${first.body.id}/samples?split=test&label=3`);
    assert.equal(samples.body.total, 2);
    const image = await fetch(`${api.url}/api/v1/datasets/${first.body.id}/samples/image?key=${encodeURIComponent(samples.body.items[0].key)}`, {
      headers: { authorization: `Bearer ${api.keys.read}` },
    });
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    assert.deepEqual([...new Uint8Array(await image.arrayBuffer()).slice(1, 4)], [0x50, 0x4e, 0x47]);
  });

  it('should make a new version when a file changes, leaving the old one as it was', async () => {
    const copy = join(root, 'studio-copy');
    cpSync(join(root, 'synth-studio'), copy, { recursive: true });
    const v1 = await api.request('POST', '/datasets', { body: body(copy, 'copy') });
    const folder = join(copy, 'train', readdirSync(join(copy, 'train'))[0]);
    const otherClass = join(root, 'synth-studio', 'test', readdirSync(join(root, 'synth-studio', 'test'))[1]);
    cpSync(join(otherClass, readdirSync(otherClass)[0]), join(folder, readdirSync(folder)[0]));
    const v2 = await api.request('POST', '/datasets', { body: body(copy, 'copy') });
    assert.equal(v2.status, 201);
    assert.equal(v2.body.version, 2);
    assert.notEqual(v2.body.checksum, v1.body.checksum);
    const old = await api.request('GET', `/datasets/${v1.body.id}`);
    assert.equal(old.body.checksum, v1.body.checksum);
    // Benchmarks resolve each domain to its newest ready version (and null where none was imported).
    const benchmarks = await api.request('GET', '/benchmarks');
    const synth5 = benchmarks.body.find((b: { name: string }) => b.name === 'synth5');
    assert.equal(synth5.datasets['synth-studio'], v2.body.id);
    assert.equal(synth5.datasets['synth-dark'], null);
  });

  it('should reject a dataset with a corrupt image, naming the file, and register nothing', async () => {
    const broken = join(root, 'broken');
    cpSync(join(root, 'synth-studio'), broken, { recursive: true });
    const folder = join(broken, 'test', readdirSync(join(broken, 'test'))[0]);
    writeFileSync(join(folder, readdirSync(folder)[0]), Buffer.from('89504e470d0a1a0a0000', 'hex'));
    const before = (await api.request('GET', '/datasets')).body.total;
    const response = await api.request('POST', '/datasets', { body: body(broken, 'broken') });
    assert.equal(response.status, 400);
    assert.match(JSON.stringify(response.body.error.problems), /test\//);
    assert.equal((await api.request('GET', '/datasets')).body.total, before);
  });

  it('should refuse a path outside the data roots', async () => {
    const response = await api.request('POST', '/datasets', { body: body(tmpdir(), 'outside') });
    assert.equal(response.status, 400);
    const traversal = await api.request('POST', '/datasets', { body: body(join(root, '..', '..', 'etc'), 'etc') });
    assert.equal(traversal.status, 400);
  });

  it('should crop the largest face of unaligned photos when asked, and record what it did per image', async () => {
    const demo = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
    const photos = join(root, 'photos');
    for (const [split, n] of [['train', 1], ['train', 2], ['test', 3]] as const) {
      mkdirSync(join(photos, split, 'happiness'), { recursive: true });
      cpSync(join(demo, `sample${n}.jpg`), join(photos, split, 'happiness', `sample${n}.jpg`));
    }
    mkdirSync(join(photos, 'test', 'neutral'), { recursive: true });
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toFile(join(photos, 'test', 'neutral', 'flat.png'));
    const response = await api.request('POST', '/datasets', { body: { ...body(photos, 'photos'), cropFaces: true } });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    const report = response.body.importReport.faceCrop;
    assert.equal(report.counts.cropped, 3);
    assert.equal(report.counts['kept-whole'], 1);
    assert.ok(report.records.every((r: { key: string; action: string }) => (r.key.endsWith('flat.png') ? r.action === 'kept-whole' : r.action === 'cropped')));
  });
});
