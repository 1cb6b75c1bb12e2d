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
    await withDatabaseRetry(() => this.prisma.client.artifact.upsert({ where: { id: `${runId}.${kind}` }, create: { id: `${runId}.${kind}`, ...row }, update: row }));
  }

  /** The checkpoint's bytes, or null when there is none. Integrity is checked by the checkpoint format itself. */
  async load(runId: string, kind: CheckpointKind): Promise<Uint8Array | null> {
    const artifact = await withDatabaseRetry(() => this.prisma.client.artifact.findFirst({ where: { runId, kind } }));
    if (!artifact) return null;
    const path = new URL(artifact.uri).pathname;
    const bytes = await readFile(path).catch(() => null);
    return bytes ? new Uint8Array(bytes) : null;
  }
}
