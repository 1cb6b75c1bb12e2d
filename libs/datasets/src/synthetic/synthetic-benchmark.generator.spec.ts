import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { makeTempDir } from '../test-support/fixture-files';
import { validateDataset } from '../validation/dataset-validation';
import { SYNTH_DOMAINS } from './domain-styles';
import { generateSyntheticBenchmark, renderSyntheticFace } from './synthetic-benchmark.generator';

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('synthetic five-domain benchmark', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await makeTempDir('synth')));
  after(() => cleanup());

  it('should write byte-identical files when generated twice with the same seed', async () => {
    const options = { perClassTrain: 2, perClassTest: 1, size: 32, seed: 'same' };
    const first = await generateSyntheticBenchmark({ ...options, outDir: join(dir, 'a') });
    await generateSyntheticBenchmark({ ...options, outDir: join(dir, 'b'), concurrency: 1 });
    const files = await listFiles(join(dir, 'a'));
    assert.equal(files.length, 5 * 7 * 3);
    assert.equal(first.files, files.length);
    assert.deepEqual(await listFiles(join(dir, 'b')), files);
    for (const file of files) {
      assert.ok((await readFile(join(dir, 'a', file))).equals(await readFile(join(dir, 'b', file))), `${file} differs`);
    }
  });

  it('should draw different images when the seed differs', () => {
    const a = renderSyntheticFace('synth-studio', 3, 32, 'seed-1');
    const b = renderSyntheticFace('synth-studio', 3, 32, 'seed-2');
    assert.notDeepEqual(a.rgb, b.rgb);
  });

  it('should read back through the imagefolder reader with exact per-class counts when written as image folders', async () => {
    const result = await generateSyntheticBenchmark({
      outDir: join(dir, 'read'),
      perClassTrain: 3,
      perClassTest: 2,
      size: 24,
      seed: 7,
    });
    assert.deepEqual(
      result.domains.map((d) => d.domain),
      [...SYNTH_DOMAINS],
    );
    const { report } = await validateDataset({ format: 'imagefolder', path: result.domains[2].root });
    assert.equal(report.valid, true, JSON.stringify(report.problems));
    assert.deepEqual(report.counts.splits, {
      train: { total: 21, perClass: [3, 3, 3, 3, 3, 3, 3] },
      test: { total: 14, perClass: [2, 2, 2, 2, 2, 2, 2] },
    });
    const info = await sharp(join(result.domains[2].root, 'train/happiness/00000.png')).metadata();
    assert.deepEqual([info.format, info.width, info.height, info.channels], ['png', 24, 24, 3]);
  });

  it('should read back through the RAF-DB reader when written in the RAF-DB layout', async () => {
    const result = await generateSyntheticBenchmark({
      outDir: join(dir, 'rafdb'),
      perClassTrain: 2,
      perClassTest: 1,
      size: 24,
      seed: 7,
      layout: 'rafdb',
      domains: ['synth-dark'],
    });
    const { report } = await validateDataset({ format: 'rafdb', path: result.domains[0].root });
    assert.equal(report.valid, true, JSON.stringify(report.problems));
    assert.deepEqual(report.counts.splits.test, { total: 7, perClass: [1, 1, 1, 1, 1, 1, 1] });
  });

  it('should give each domain a different look when the same face is drawn in all five', () => {
    const stats = SYNTH_DOMAINS.map((domain) => {
      const { rgb } = renderSyntheticFace(domain, 6, 48, 'look');
      let sum = 0;
      let roughness = 0;
      for (let i = 0; i < rgb.length; i++) sum += rgb[i];
      for (let i = 3; i < rgb.length; i++) roughness += Math.abs(rgb[i] - rgb[i - 3]);
      return { domain, brightness: sum / rgb.length, roughness: roughness / rgb.length };
    });
    const byDomain = Object.fromEntries(stats.map((s) => [s.domain, s]));
    assert.ok(byDomain['synth-dark'].brightness < 0.5 * byDomain['synth-studio'].brightness, JSON.stringify(stats));
    assert.ok(byDomain['synth-noisy'].roughness > 2 * byDomain['synth-studio'].roughness, JSON.stringify(stats));
    assert.ok(byDomain['synth-lowres'].roughness < byDomain['synth-studio'].roughness, JSON.stringify(stats));
  });
});
