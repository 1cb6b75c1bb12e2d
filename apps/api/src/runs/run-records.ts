import { RunSummaryDto, TrainingConfig } from '@fer/contracts';
import type { Prisma, PrismaClient } from '@fer/db';
import { PrismaService, queryRows } from '../database/prisma.service';

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

/** The columns a run summary reads (toRunSummary): what insertRuns returns, so a submission parses no more. */
const SUMMARY_COLUMNS = [
  'id', 'sweepId', 'configId', 'sourceDomain', 'sourceDatasetId', 'seed', 'status', 'progress', 'epoch', 'epochs', 'attempts', 'workerId',
  'backend', 'frozenEngine', 'error', 'priority', 'trial', 'heldReason', 'replacesRunId', 'createdAt', 'startedAt', 'finishedAt',
] as const satisfies readonly (keyof RunRow)[];
export type RunSummaryRow = Pick<RunRow, (typeof SUMMARY_COLUMNS)[number]>;

/** A run as insertRuns stored it: its summary's columns, its method, and its owner with how many of their runs were already waiting. */
export type InsertedRun = RunSummaryRow & { method: string; owner: string | null; waiting: number };

/**
 * The "OwnerWaitingRuns" row of a run's owner column. That table holds how many of each owner's runs wait for a worker
 * (queued, not held by a sweep's budget), kept by triggers on Run, with runs without an owner under ''; the fair-share
 * rank of an owner's next run starts there (TrainDispatchService).
 */
export const ownerKey = (column: string) => `coalesce(${column}, '')`;

/**
 * Inserts configs and runs that do not exist yet; returns the runs that were new, in the order given. One statement
 * whatever the number of runs (the configs in a data-modifying CTE, the runs ON CONFLICT DO NOTHING: a concurrent
 * submission of the same runs may have won), so a sweep of 5,000 runs is one round trip. It returns what the caller
 * does next without reading again: each new run's summary, and its owner's waiting runs as the statement found them
 * (before these runs: every part of one statement sees the same snapshot, and the triggers that count them run after
 * it), which the fair-share rank starts from.
 */
export async function insertRuns(db: PrismaService | Prisma.TransactionClient, runs: NewRun[]): Promise<InsertedRun[]> {
  if (runs.length === 0) return [];
  const configs = [...new Map(runs.map((run) => [run.configId, run.config]))];
  const column = <T>(pick: (run: NewRun) => T) => runs.map(pick);
  const inserted = await queryRows<InsertedRun>(
    db,
    'insert-runs',
    `WITH config AS (
       INSERT INTO "Config" (id, method, body)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
       ON CONFLICT (id) DO NOTHING
     ),
     inserted AS (
       INSERT INTO "Run" (id, "sweepId", "configId", "groupKey", params, "sourceDatasetId", "sourceDomain", targets, "targetSplit",
                          seed, epochs, priority, "createdById", trial, "heldReason", "replacesRunId", "updatedAt")
       SELECT r.id, r.sweep, r.config, r.config, r.params, r.source, r.domain,
              ARRAY(SELECT jsonb_array_elements_text(r.targets)), r.split, r.seed, r.epochs, r.priority, r.owner, r.trial, r.held, r.replaces, now()
         FROM unnest($4::text[], $5::text[], $6::text[], $7::jsonb[], $8::text[], $9::text[], $10::jsonb[], $11::text[],
                     $12::int[], $13::int[], $14::int[], $15::text[], $16::int[], $17::text[], $18::text[])
              AS r(id, sweep, config, params, source, domain, targets, split, seed, epochs, priority, owner, trial, held, replaces)
       ON CONFLICT (id) DO NOTHING
       RETURNING ${SUMMARY_COLUMNS.map((name) => `"${name}"`).join(', ')}, "createdById"
     )
     SELECT i.*, i.status::text AS status, c.method, i."createdById" AS owner, coalesce(w.runs, 0) AS waiting
       FROM inserted i
       JOIN unnest($1::text[], $2::text[]) AS c(id, method) ON c.id = i."configId"
       LEFT JOIN "OwnerWaitingRuns" w ON w.owner = ${ownerKey('i."createdById"')}`,
    [
      configs.map(([id]) => id),
      configs.map(([, body]) => body.method),
      // jsonb keeps keys in its own order, so the body needs no canonical form here (its id, contentId, had one).
      configs.map(([, body]) => JSON.stringify(body)),
      column((r) => r.id),
      column((r) => r.sweepId),
      column((r) => r.configId),
      column((r) => JSON.stringify(r.params)),
      column((r) => r.sourceDatasetId),
      column((r) => r.sourceDomain),
      column((r) => JSON.stringify(r.targets)),
      column((r) => r.targetSplit),
      column((r) => r.seed),
      column((r) => r.config.epochs),
      column((r) => r.priority),
      column((r) => r.createdById),
      column((r) => r.trial ?? null),
      column((r) => r.heldReason ?? null),
      column((r) => r.replacesRunId ?? null),
    ],
  );
  // In the order given (RETURNING's order is not guaranteed).
  const byId = new Map(inserted.map((run) => [run.id, run]));
  return runs.flatMap((run) => byId.get(run.id) ?? []);
}

export type RunRow = Awaited<ReturnType<PrismaClient['run']['findFirstOrThrow']>> & { config?: { method: string } };

export function toRunSummary(run: RunSummaryRow, method: string): RunSummaryDto {
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
