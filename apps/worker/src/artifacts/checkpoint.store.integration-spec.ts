import { serializeCheckpoint, type CafeCheckpoint } from '@fer/cafe';
import { parseTrainingConfig } from '@fer/contracts';
import { createTestDatabase } from '@fer/testing';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { workerEnvSchema } from '../config/worker-env.schema';
import { WorkerPrismaService } from '../persistence/worker-prisma.service';
import { CheckpointStore, CheckpointUnusableError } from './checkpoint.store';

function checkpoint(epoch: number): Uint8Array {
  const tensor = (name: string) => ({ name, shape: [3], data: Float32Array.from([epoch, 1, 2]) });
  const value: CafeCheckpoint = {
    config: parseTrainingConfig({ epochs: 5 }),
    seed: 0,
    epoch,
    featureDim: 3,
    parameters: [tensor('w')],
    optimizer: { step: epoch, m: [tensor('w')], v: [tensor('w')] },
    learningRate: 2e-4,
    randomState: [1, 2, 3, 4],
    bestSourceValAccuracy: 0.5,
    history: [],
    backend: 'cpu',
  };
  return serializeCheckpoint(value);
}

/** Checkpoints on a real disk with their Artifact rows in a real PostgreSQL: an unusable one is named, never "none". */
describe('CheckpointStore', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let prisma: WorkerPrismaService;
  let store: CheckpointStore;
  let home: string;
  const warnings: string[] = [];

  before(async () => {
    database = await createTestDatabase('checkpoints');
    home = mkdtempSync(join(tmpdir(), 'fer-checkpoints-'));
    const env = workerEnvSchema.parse({
      DATABASE_URL: database.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      FER_HOME: home,
    });
    prisma = new WorkerPrismaService(env);
    await prisma.client.dataset.create({
      data: {
        id: 'ds',
        name: 'd',
        domain: 'd',
        format: 'imagefolder',
        root: '/x',
        version: 1,
        checksum: 'c',
        status: 'ready',
        counts: {},
        importReport: {},
      },
    });
    await prisma.client.config.create({ data: { id: 'cfg', method: 'cafe', body: {} } });
    for (const id of ['fresh', 'last-corrupt', 'both-corrupt', 'missing-file']) {
      await prisma.client.run.create({
        data: {
          id,
          configId: 'cfg',
          groupKey: 'cfg',
          params: {},
          sourceDatasetId: 'ds',
          sourceDomain: 'd',
          targets: ['d'],
          seed: 0,
          epochs: 5,
        },
      });
    }
    store = new CheckpointStore(prisma, env);
  });
  after(async () => {
    await prisma.onModuleDestroy();
    await database.drop();
    rmSync(home, { recursive: true, force: true });
  });

  const warn = async (message: string) => void warnings.push(message);
  const file = (runId: string, kind: string) => join(home, 'artifacts', 'runs', runId, `${kind}.ckpt`);

  it('should resume from nothing when a run never saved a checkpoint, and from the last one when it is valid', async () => {
    assert.equal(await store.resumePoint('fresh', warn), null);
    await store.save('fresh', 'checkpoint-last', checkpoint(3));
    assert.deepEqual(await store.resumePoint('fresh', warn), checkpoint(3));
  });

  it('should resume from the older source-validation checkpoint, saying so, when the last one is corrupt', async () => {
    await store.save('last-corrupt', 'checkpoint-source-val', checkpoint(2));
    await store.save('last-corrupt', 'checkpoint-last', checkpoint(4));
    truncateSync(file('last-corrupt', 'checkpoint-last'), 40);
    assert.deepEqual(await store.resumePoint('last-corrupt', warn), checkpoint(2));
    assert.match(
      warnings.at(-1)!,
      new RegExp(
        `checkpoint ${file('last-corrupt', 'checkpoint-last')} .* is corrupt.*resuming from the source-validation best checkpoint of epoch 2`,
      ),
    );
  });

  it('should fail naming the file when no valid checkpoint is left, instead of training again from epoch 1', async () => {
    await store.save('both-corrupt', 'checkpoint-last', checkpoint(4));
    truncateSync(file('both-corrupt', 'checkpoint-last'), 10);
    await assert.rejects(store.resumePoint('both-corrupt', warn), (error: Error) => {
      assert.ok(error instanceof CheckpointUnusableError);
      assert.ok(error.message.includes(file('both-corrupt', 'checkpoint-last')));
      assert.match(error.message, /no older valid checkpoint/);
      return true;
    });
  });

  it('should fail naming the file when a saved checkpoint has disappeared from disk', async () => {
    await store.save('missing-file', 'checkpoint-last', checkpoint(1));
    unlinkSync(file('missing-file', 'checkpoint-last'));
    await assert.rejects(
      store.loadValid('missing-file', 'checkpoint-last'),
      new RegExp(`${file('missing-file', 'checkpoint-last')} .*cannot be read: ENOENT`),
    );
  });
});
