import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { workerEnvSchema } from '../config/worker-env.schema';
import type { WorkerPrismaService } from '../persistence/worker-prisma.service';
import { describeFrozenEngine, initializeBackend } from '@fer/cafe';
import { RunDataService } from './run-data.service';

/** The worker opens a weights file only when it is, by real path, inside its own FER_DATA_ROOTS (checked again). */
describe('RunDataService weights confinement', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'fer-worker-weights-'));
    mkdirSync(join(root, 'models'));
    writeFileSync(join(root, 'models', 'ok.safetensors'), 'x');
    symlinkSync('/etc', join(root, 'link'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  // No database is reached on this path: the check runs before any read.
  const service = (roots: string, env: Record<string, string> = {}) =>
    new RunDataService(
      {} as WorkerPrismaService,
      workerEnvSchema.parse({
        DATABASE_URL: 'postgresql://x@127.0.0.1/x',
        REDIS_URL: 'redis://127.0.0.1',
        FER_HOME: root,
        FER_DATA_ROOTS: roots,
        ...env,
      }),
    );

  it('should refuse weights reached through a symlink out of the data roots, when the API accepted the path earlier', async () => {
    await assert.rejects(
      service(root).backbone({ backbone: 'clip-vit-b32', backboneWeights: join(root, 'link', 'passwd') }),
      /refused by the worker: .*link that leads outside the data roots/,
    );
  });

  it('should refuse any weights file when the worker has no FER_DATA_ROOTS, saying what to set', async () => {
    await assert.rejects(
      service('').backbone({ backbone: 'clip-vit-b32', backboneWeights: join(root, 'models', 'ok.safetensors') }),
      /has no FER_DATA_ROOTS/,
    );
  });

  it('should read trunk weights inside the roots with their strict=False report and digest, and refuse them through a symlink out', async () => {
    const fixture = join(__dirname, '..', '..', '..', '..', 'libs', 'weights', 'fixtures');
    copyFileSync(join(fixture, 'resnet18-partial.pth'), join(root, 'models', 'trunk.pth'));
    const weights = await service(root).trunkWeights({ trunkWeights: join(root, 'models', 'trunk.pth') });
    assert.equal(weights!.report.loaded, JSON.parse(readFileSync(join(fixture, 'expected.json'), 'utf8'))['resnet18-partial.pth'].loaded);
    assert.match(weights!.sha256, /^[0-9a-f]{64}$/);
    assert.ok(weights!.tensors.has('conv1.weight'));
    assert.equal(await service(root).trunkWeights({}), undefined);
    await assert.rejects(service(root).trunkWeights({ trunkWeights: join(root, 'link', 'passwd') }), /trunkWeights refused by the worker/);
    copyFileSync(join(fixture, 'other-arch.pth'), join(root, 'models', 'other.pth'));
    await assert.rejects(service(root).trunkWeights({ trunkWeights: join(root, 'models', 'other.pth') }), /no resnet18 trunk key matches/);
  });

  it('should pass the real path inside the roots on to the loader (which then reads the file)', async () => {
    // Not a safetensors file: the loader, reached, refuses its content (the confinement let it through).
    await assert.rejects(
      service(root).backbone({ backbone: 'clip-vit-b32', backboneWeights: join(root, 'models', 'ok.safetensors') }),
      (error: Error) => !/refused by the worker|FER_DATA_ROOTS/.test(error.message),
    );
  });

  it('should compute frozen features on FER_FROZEN_ENGINE (auto: ONNX Runtime here) and run the in-graph branch on TF.js', async () => {
    const clip = join(__dirname, '..', '..', '..', '..', 'libs', 'cafe', 'fixtures', 'clip-tiny');
    copyFileSync(join(clip, 'model.safetensors'), join(root, 'models', 'clip.safetensors'));
    const config = { backbone: 'clip-vit-b32', backboneWeights: join(root, 'models', 'clip.safetensors') };
    await initializeBackend('wasm');
    const auto = await service(root).backbone(config);
    assert.equal(auto.engine, 'onnx');
    assert.match(describeFrozenEngine(auto), /^onnx \(onnxruntime-node [\d.]+, cpu, \d+ threads?; CUDA not used: /);
    const tfjs = await service(root, { FER_FROZEN_ENGINE: 'tfjs' }).backbone(config);
    assert.equal(tfjs.engine, 'tfjs');
    assert.match(describeFrozenEngine(tfjs), /^tfjs \(/);
    assert.equal(auto.identity, `${tfjs.identity}-onnx`, 'the cache keys the two engines apart');
    const threads = await service(root, { FER_FROZEN_THREADS: '1' }).backbone(config);
    assert.match(describeFrozenEngine(threads), /, 1 thread;/);
    for (const backbone of [auto, tfjs, threads]) backbone.dispose();
  });
});
