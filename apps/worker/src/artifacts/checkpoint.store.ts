import { checkpointEpoch, deserializeCheckpoint } from '@fer/cafe';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { WORKER_ENV, WorkerEnv } from '../config/worker-env.schema';
import { withDatabaseRetry } from '../persistence/database-retry';
import { WorkerPrismaService } from '../persistence/worker-prisma.service';

export type CheckpointKind = 'checkpoint-last' | 'checkpoint-source-val';

/**
 * Checkpoints on disk under FER_HOME/artifacts/runs/<runId>/, one Artifact row each. Files are written to a temp
 * name and renamed, so a worker killed mid-write leaves the previous checkpoint intact.
 */
@Injectable()
export class CheckpointStore {
  private readonly root: string;

  constructor(
    private readonly prisma: WorkerPrismaService,
    @Inject(WORKER_ENV) env: WorkerEnv,
  ) {
    this.root = resolve(env.FER_HOME, 'artifacts', 'runs');
  }

  async save(runId: string, kind: CheckpointKind, bytes: Uint8Array): Promise<void> {
    const path = join(this.root, runId, `${kind}.ckpt`);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, path);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const uri = `file://${path}`;
    const row = { runId, kind, uri, sha256, bytes: BigInt(bytes.byteLength) };
    await withDatabaseRetry(() =>
      this.prisma.client.artifact.upsert({
        where: { id: `${runId}.${kind}` },
        create: { id: `${runId}.${kind}`, ...row },
        update: row,
      }),
    );
  }

  /**
   * The checkpoint's bytes, or null when none was saved. A checkpoint that was saved (its Artifact row exists) but
   * cannot be read, or fails its checksum, is an error naming the file: never read as "none", which would silently
   * train again from epoch 1 or evaluate nothing.
   */
  async loadValid(runId: string, kind: CheckpointKind): Promise<Uint8Array | null> {
    const artifact = await withDatabaseRetry(() => this.prisma.client.artifact.findFirst({ where: { runId, kind } }));
    if (!artifact) return null;
    const path = new URL(artifact.uri).pathname;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (error) {
      throw new CheckpointUnusableError(
        `checkpoint ${path} (${kind} of run ${runId}) cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    try {
      deserializeCheckpoint(bytes);
    } catch (error) {
      throw new CheckpointUnusableError(
        `checkpoint ${path} (${kind} of run ${runId}) is corrupt: ${(error as Error).message}`,
      );
    }
    return bytes;
  }

  /**
   * Where an interrupted run resumes: its last checkpoint; when that one is unusable, the source-validation best (an
   * earlier epoch, with its full training state), said in the run log; when neither is usable, the attempt fails
   * naming the file. Null when the run never saved one.
   */
  async resumePoint(runId: string, warn: (message: string) => Promise<void>): Promise<Uint8Array | null> {
    try {
      return await this.loadValid(runId, 'checkpoint-last');
    } catch (lastError) {
      if (!(lastError instanceof CheckpointUnusableError)) throw lastError;
      // Only an unusable older checkpoint means "none to fall back to"; a database error is not swallowed.
      const older = await this.loadValid(runId, 'checkpoint-source-val').catch((error: unknown) => {
        if (error instanceof CheckpointUnusableError) return null;
        throw error;
      });
      if (!older)
        throw new CheckpointUnusableError(
          `${lastError.message}; no older valid checkpoint to resume from (delete the run's checkpoints to train it again from epoch 1)`,
        );
      await warn(
        `${lastError.message}; resuming from the source-validation best checkpoint of epoch ${checkpointEpoch(older)} instead`,
      );
      return older;
    }
  }
}

/** A saved checkpoint that cannot be used: the message names the file and why. */
export class CheckpointUnusableError extends Error {
  override name = 'CheckpointUnusableError';
}
