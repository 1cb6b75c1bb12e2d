import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Backbone } from '../backbones/backbone';
import { loadBackbone } from '../backbones/backbone.registry';
import { extractFeatures, FeatureExtractionStoppedError, type ImageSource } from './extract-features';
import { FeatureCache } from './feature-cache';

const CLIP_TINY = join(__dirname, '..', '..', 'fixtures', 'clip-tiny', 'model.safetensors');

function pixelsFor(seed: number, size: number): Uint8Array {
  const data = new Uint8Array(size * size * 3);
  let state = seed * 2654435761;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return data;
}

function source(seed: number, loads?: { count: number }): ImageSource {
  return {
    contentHash: `${seed.toString(16).padStart(4, '0')}cafe${seed}`,
    loadRgb: async (size) => {
      if (loads) loads.count++;
      return { data: pixelsFor(seed, size), width: size, height: size };
    },
  };
}

function mirror(data: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) out[(y * size + x) * 3 + c] = data[(y * size + (size - 1 - x)) * 3 + c];
    }
  }
  return out;
}

async function embedOne(backbone: Backbone, data: Uint8Array): Promise<Float32Array> {
  const s = backbone.inputSize;
  const images = tf.tensor4d(Float32Array.from(data), [1, s, s, 3]);
  const out = backbone.embed(images);
  const values = (await out.data()) as Float32Array;
  tf.dispose([images, out]);
  return values;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

describe('extractFeatures with the feature cache', () => {
  let backbone: Backbone;
  let root: string;

  before(async () => {
    await tf.setBackend('cpu');
    backbone = await loadBackbone('clip-vit-b32', { weightsPath: CLIP_TINY });
  });
  after(() => backbone.dispose());
  beforeEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
    root = await mkdtemp(join(tmpdir(), 'feature-cache-spec-'));
  });

  it('should compute each entry once and serve the next call from the cache when extracting twice', async () => {
    const loads = { count: 0 };
    const items = [1, 2, 3, 4, 5].map((seed) => source(seed, loads));
    const first = await extractFeatures(backbone, items, { cache: new FeatureCache(root), views: ['original', 'flipped'], batchSize: 2 });
    assert.deepEqual([first.n, first.dim, first.computed, first.fromCache, loads.count], [5, backbone.featureDim, 10, 0, 5]);
    const progress: number[][] = [];
    const second = await extractFeatures(backbone, items, {
      cache: new FeatureCache(root),
      views: ['original', 'flipped'],
      onProgress: (done, total, cached) => progress.push([done, total, cached]),
    });
    assert.deepEqual([second.computed, second.fromCache, loads.count], [0, 10, 5]);
    assert.deepEqual(second.views.original, first.views.original);
    assert.deepEqual(second.views.flipped, first.views.flipped);
    assert.deepEqual(progress.at(-1), [10, 10, 10]);
    const expected = await embedOne(backbone, pixelsFor(3, backbone.inputSize));
    assert.deepEqual(first.views.original.subarray(2 * first.dim, 3 * first.dim), expected);
  });

  it('should equal the backbone on the mirrored image when the view is flipped', async () => {
    const result = await extractFeatures(backbone, [source(7), source(8)], { cache: new FeatureCache(root), views: ['flipped'] });
    const expected = await embedOne(backbone, mirror(pixelsFor(8, backbone.inputSize), backbone.inputSize));
    const got = result.views.flipped.subarray(result.dim, 2 * result.dim);
    got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5));
    const original = await embedOne(backbone, pixelsFor(8, backbone.inputSize));
    assert.ok(original.some((v, i) => Math.abs(v - got[i]) > 1e-3), 'flipped features should differ from the original view');
  });

  it('should compute once and fill every row when items share a content hash', async () => {
    const loads = { count: 0 };
    const result = await extractFeatures(backbone, [source(4, loads), source(9, loads), source(4, loads)], { cache: new FeatureCache(root), views: ['original'] });
    assert.equal(loads.count, 2);
    assert.deepEqual(result.views.original.subarray(0, result.dim), result.views.original.subarray(2 * result.dim));
  });

  it('should detect and recompute an entry when its file is truncated or a byte is flipped', async () => {
    const items = [source(11), source(12), source(13)];
    const cache = new FeatureCache(root);
    const first = await extractFeatures(backbone, items, { cache, views: ['original'] });
    const truncated = cache.entryPath(backbone.identity, items[0].contentHash, 'original');
    const flipped = cache.entryPath(backbone.identity, items[1].contentHash, 'original');
    await truncate(truncated, (await stat(truncated)).size - 7);
    const bytes = await readFile(flipped);
    bytes[bytes.length - 5] ^= 0x10;
    await writeFile(flipped, bytes);

    const rerun = new FeatureCache(root);
    const second = await extractFeatures(backbone, items, { cache: rerun, views: ['original'] });
    assert.deepEqual([second.computed, second.fromCache, rerun.stats.corrupt], [2, 1, 2]);
    assert.deepEqual(second.views.original, first.views.original);
    assert.equal((await new FeatureCache(root).read(backbone.identity, items[1].contentHash, 'original', backbone.featureDim))?.length, backbone.featureDim);
  });

  it('should reject an entry when it was copied under another image hash or backbone', async () => {
    const cache = new FeatureCache(root);
    await extractFeatures(backbone, [source(21)], { cache, views: ['original'] });
    const bytes = await readFile(cache.entryPath(backbone.identity, source(21).contentHash, 'original'));
    await cache.write(backbone.identity, 'ffff0000', 'original', new Float32Array(backbone.featureDim)); // makes the folder
    await writeFile(cache.entryPath(backbone.identity, 'ffff0000', 'original'), bytes);
    assert.equal(await cache.read(backbone.identity, 'ffff0000', 'original', backbone.featureDim), null);
    assert.equal(await cache.read('other-model@0123', source(21).contentHash, 'original', backbone.featureDim), null);
    assert.equal(cache.stats.corrupt, 1);
  });

  it('should keep the tensor count flat when extracting several batches', async () => {
    const items = Array.from({ length: 7 }, (_, i) => source(30 + i));
    const before = tf.memory().numTensors;
    await extractFeatures(backbone, items, { cache: new FeatureCache(root), views: ['original', 'flipped'], batchSize: 3 });
    assert.equal(tf.memory().numTensors, before);
  });

  it('should stop between batches and resume from the cached entries when asked to stop', async () => {
    const items = Array.from({ length: 6 }, (_, i) => source(40 + i));
    let batches = 0;
    await assert.rejects(
      extractFeatures(backbone, items, { cache: new FeatureCache(root), views: ['original'], batchSize: 2, shouldStop: () => batches++ >= 2 }),
      FeatureExtractionStoppedError,
    );
    const resumed = await extractFeatures(backbone, items, { cache: new FeatureCache(root), views: ['original'], batchSize: 2 });
    assert.deepEqual([resumed.fromCache, resumed.computed], [4, 2]);
  });

  it('should load the next batch while the backbone runs the current one, and none ahead when prefetchBatches is 0', async () => {
    const loadsAtReport = async (prefetchBatches?: number) => {
      const loads = { count: 0 };
      const seen: number[] = [];
      await extractFeatures(backbone, Array.from({ length: 6 }, (_, i) => source(50 + i, loads)), {
        cache: new FeatureCache(join(root, String(prefetchBatches))),
        views: ['original'],
        batchSize: 2,
        prefetchBatches,
        onProgress: () => seen.push(loads.count),
      });
      return seen;
    };
    assert.deepEqual(await loadsAtReport(), [0, 4, 6, 6]);
    assert.deepEqual(await loadsAtReport(0), [0, 2, 4, 6]);
  });

  it('should leave no load running when it stops or a load fails with batches loaded ahead', async () => {
    let running = 0;
    const slow = (seed: number, fail = false): ImageSource => ({
      contentHash: `5107${seed}`,
      loadRgb: async (size) => {
        running++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        if (fail) throw new Error(`cannot decode ${seed}`);
        return { data: pixelsFor(seed, size), width: size, height: size };
      },
    });
    const items = Array.from({ length: 8 }, (_, i) => slow(60 + i, i === 2));
    await assert.rejects(extractFeatures(backbone, items, { cache: new FeatureCache(root), views: ['original'], batchSize: 2, prefetchBatches: 2 }), /cannot decode 62/);
    assert.equal(running, 0);
    let checks = 0;
    await assert.rejects(
      extractFeatures(backbone, items.slice(3), { cache: new FeatureCache(root), views: ['original'], batchSize: 2, prefetchBatches: 2, shouldStop: () => checks++ >= 1 }),
      FeatureExtractionStoppedError,
    );
    assert.equal(running, 0);
  });

  it('should name the expected size when an image source returns the wrong size', async () => {
    const wrong: ImageSource = { contentHash: 'abcd1234', loadRgb: async () => ({ data: new Uint8Array(12), width: 2, height: 2 }) };
    await assert.rejects(extractFeatures(backbone, [wrong], { cache: new FeatureCache(root), views: ['original'] }), /came as 2x2 .* needs 32x32 RGB/);
  });

  it('should reject a content hash that is not a safe file name', async () => {
    const bad: ImageSource = { contentHash: '../../etc', loadRgb: async () => ({ data: new Uint8Array(0), width: 0, height: 0 }) };
    await assert.rejects(extractFeatures(backbone, [bad], { cache: new FeatureCache(root), views: ['original'] }), /content hash '\.\.\/\.\.\/etc'/);
  });

  it('should leave only complete entries when the writing process is killed mid-write', async () => {
    // Probabilistic: a non-atomic writer is caught in roughly one trial in ten, so several trials with varied timing.
    const dim = 2_000_000; // 8 MB entries, written in several chunks, so some kills land inside a write
    const cache = new FeatureCache(root);
    let entries = 0;
    for (let trial = 0; trial < 6; trial++) {
      const identity = `kill-test@${trial}`;
      const child = spawn(process.execPath, ['-e', `
        const { FeatureCache } = require(${JSON.stringify(join(__dirname, 'feature-cache.js'))});
        const cache = new FeatureCache(${JSON.stringify(root)});
        const values = new Float32Array(${dim}).fill(1.5);
        (async () => { for (let i = 0; ; i++) { await cache.write('${identity}', 'aa' + i, 'original', values); if (i === 0) process.stdout.write('go'); } })();
      `]);
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 5 + trial * 9));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      for (const file of (await listFiles(join(root, identity))).filter((f) => f.endsWith('.f32'))) {
        const hash = file.split('/').at(-1)!.replace('.original.f32', '');
        assert.ok(await cache.read(identity, hash, 'original', dim), `${file} should be complete`);
        entries++;
      }
    }
    assert.ok(entries >= 6);
    assert.equal(cache.stats.corrupt, 0);
  });

  it('should ignore a temporary file left by a killed writer and still write the entry', async () => {
    const cache = new FeatureCache(root);
    const path = cache.entryPath(backbone.identity, 'beef0001', 'original');
    await cache.write(backbone.identity, 'beef0000', 'original', new Float32Array(backbone.featureDim)); // makes the folder
    await writeFile(`${path}.999.deadbeef.tmp`, Buffer.alloc(10));
    assert.equal(await cache.read(backbone.identity, 'beef0001', 'original', backbone.featureDim), null);
    await cache.write(backbone.identity, 'beef0001', 'original', Float32Array.from({ length: backbone.featureDim }, (_, i) => i));
    assert.equal((await cache.read(backbone.identity, 'beef0001', 'original', backbone.featureDim))?.[5], 5);
  });

  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });
});
