import { canonicalJson, RunSummaryDto, TrainingConfig } from '@fer/contracts';
import type { Prisma, PrismaClient } from '@fer/db';

export interface NewRun {
  id: string;
  configId: string;
  config: TrainingConfig;
  params: Record<string, unknown>;
  sourceDatasetId: string;
  sourceDomain: string;
  targets: string[];
  targetSplit: string;
  seed: number;
  priority: number;
  sweepId: string | null;
  createdById: string | null;
  /** The sweep trial (tpe) the run belongs to. */
  trial?: number;
  /** Set when the sweep's budget holds it out of the job queue for now. */
  heldReason?: string | null;
  replacesRunId?: string;
}

/** Inserts configs and runs that do not exist yet; returns the ids that were new. */
export async function insertRuns(tx: Prisma.TransactionClient, runs: NewRun[]): Promise<string[]> {
  const configs = new Map(runs.map((run) => [run.configId, run.config]));
  await tx.config.createMany({
    data: [...configs].map(([id, body]) => ({ id, method: body.method, body: JSON.parse(canonicalJson(body)) })),
    skipDuplicates: true,
  });
  const existing = new Set(
    (await tx.run.findMany({ where: { id: { in: runs.map((r) => r.id) } }, select: { id: true } })).map((r) => r.id),
  );
  const fresh = runs.filter((run) => !existing.has(run.id));
  // What was really inserted (ON CONFLICT DO NOTHING): a concurrent submission of the same runs may have won.
  const inserted = await tx.run.createManyAndReturn({
    data: fresh.map((run) => ({
      id: run.id,
      sweepId: run.sweepId,
      configId: run.configId,
      groupKey: run.configId,
      params: run.params as Prisma.InputJsonValue,
      sourceDatasetId: run.sourceDatasetId,
      sourceDomain: run.sourceDomain,
      targets: run.targets,
      targetSplit: run.targetSplit,
      seed: run.seed,
      epochs: run.config.epochs,
      priority: run.priority,
      createdById: run.createdById,
      trial: run.trial ?? null,
      heldReason: run.heldReason ?? null,
      replacesRunId: run.replacesRunId ?? null,
    })),
    skipDuplicates: true,
    select: { id: true },
  });
  return inserted.map((run) => run.id);
}

type RunRow = Awaited<ReturnType<PrismaClient['run']['findFirstOrThrow']>> & { config?: { method: string } };

export function toRunSummary(run: RunRow, method: string): RunSummaryDto {
  return {
    id: run.id,
    sweepId: run.sweepId,
    configId: run.configId,
    method,
    sourceDomain: run.sourceDomain,
    sourceDatasetId: run.sourceDatasetId,
    seed: run.seed,
    status: run.status,
    progress: run.progress,
    epoch: run.epoch,
    epochs: run.epochs,
    attempts: run.attempts,
    workerId: run.workerId,
    backend: run.backend,
    frozenEngine: run.frozenEngine,
    error: run.error,
    priority: run.priority,
    trial: run.trial,
    heldReason: run.heldReason,
    replacesRunId: run.replacesRunId,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}
