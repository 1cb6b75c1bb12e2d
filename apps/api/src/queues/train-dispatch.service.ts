import { QueueName } from '@fer/contracts';
import { priorityName } from '@fer/experiments';
import { Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { ownerKey } from '../runs/run-records';
import { QueueService } from './queue.service';

/** A run to enqueue: its class, its owner, and how many of its owner's runs already wait (where its rank starts). */
export interface DispatchRun {
  id: string;
  priority: number;
  owner: string | null;
  waiting: number;
}

/**
 * The one way train jobs enter the queue (single runs, retries, sweeps, the scheduler, lineage and the reconciler):
 * each job gets its run's class (interactive before background) and its owner's fair-share rank, the number of that
 * owner's runs already waiting, so one key's 5,000-run sweep does not hold back a colleague's first run (BullMQ
 * priorities; see `queuePriority`). Throws when Redis refuses: callers that can leave the runs queued in PostgreSQL
 * for the reconciler catch it.
 */
@Injectable()
export class TrainDispatchService {
  private readonly logger = new Logger(TrainDispatchService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly queue: QueueService,
  ) {}

  /** As `enqueue`, for runs already stored as queued: Redis refusing is logged, and the reconciler enqueues them later. */
  async enqueueOrDefer(runs: string[] | DispatchRun[]): Promise<void> {
    await this.enqueue(runs).catch((error: Error) =>
      this.logger.warn(`enqueue of ${runs.length} run${runs.length === 1 ? '' : 's'} deferred to the reconciler: ${error.message}`),
    );
  }

  /** Runs by id (read here), or as their insert returned them (insertRuns), which saves the read. */
  async enqueue(runs: string[] | DispatchRun[]): Promise<void> {
    if (runs.length === 0) return;
    const dispatched = typeof runs[0] === 'string' ? await this.read(runs as string[]) : (runs as DispatchRun[]);
    // Each owner's rank: the runs of theirs already waiting, then one more for each of theirs in this batch.
    const ahead = new Map<string | null, number>();
    const ranks = new Map<string, number>();
    for (const run of dispatched) {
      const rank = ahead.get(run.owner) ?? run.waiting;
      ranks.set(run.id, rank);
      ahead.set(run.owner, rank + 1);
    }
    for (const name of ['interactive', 'background'] as const) {
      const batch = dispatched.filter((run) => priorityName(run.priority) === name);
      if (batch.length === 0) continue;
      await this.queue.queues.enqueueMany(QueueName.Train, batch.map((run) => ({ runId: run.id })), { priority: name, ranks: batch.map((run) => ranks.get(run.id)!) });
    }
  }

  /** The runs, oldest first, each with how many of its owner's other runs already wait: one statement. */
  private read(runIds: string[]): Promise<DispatchRun[]> {
    return this.prisma.rows<DispatchRun>(
      'dispatch-runs',
      `WITH runs AS (
         SELECT id, priority, "createdById" AS owner, "createdAt", status = 'queued' AND "heldReason" IS NULL AS waits
           FROM "Run" WHERE id = ANY($1::text[])
       )
       SELECT r.id, r.priority, r.owner,
              greatest(coalesce(w.runs, 0) - count(*) FILTER (WHERE r.waits) OVER (PARTITION BY r.owner), 0)::int AS waiting
         FROM runs r LEFT JOIN "OwnerWaitingRuns" w ON w.owner = ${ownerKey('r.owner')}
        ORDER BY r."createdAt", r.id`,
      [runIds],
    );
  }
}
