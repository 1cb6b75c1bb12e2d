import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { workerEnvSchema } from '../config/worker-env.schema';
import type { WorkerPrismaService } from '../persistence/worker-prisma.service';
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
  const service = (roots: string) =>
    new RunDataService(
      {} as WorkerPrismaService,
      workerEnvSchema.parse({
        DATABASE_URL: 'postgresql://x@127.0.0.1/x',
        REDIS_URL: 'redis://127.0.0.1',
        FER_HOME: root,
        FER_DATA_ROOTS: roots,
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

  it('should pass the real path inside the roots on to the loader (which then reads the file)', async () => {
    // Not a safetensors file: the loader, reached, refuses its content (the confinement let it through).
    await assert.rejects(
      service(root).backbone({ backbone: 'clip-vit-b32', backboneWeights: join(root, 'models', 'ok.safetensors') }),
      (error: Error) => !/refused by the worker|FER_DATA_ROOTS/.test(error.message),
    );
  });
});
