import { QueueName } from '@fer/contracts';
import { priorityName } from '@fer/experiments';
import { Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { QueueService } from './queue.service';

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
  async enqueueOrDefer(runIds: string[]): Promise<void> {
    await this.enqueue(runIds).catch((error: Error) =>
      this.logger.warn(`enqueue of ${runIds.length} run${runIds.length === 1 ? '' : 's'} deferred to the reconciler: ${error.message}`),
    );
  }

  async enqueue(runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    const { rows: runs } = await this.prisma.pool.query<{ id: string; priority: number; owner: string | null }>({
      name: 'dispatch-runs',
      text: 'SELECT id, priority, "createdById" AS owner FROM "Run" WHERE id = ANY($1::text[]) ORDER BY "createdAt", id',
      values: [runIds],
    });
    const { rows: waiting } = await this.prisma.pool.query<{ owner: string | null; n: number }>({
      name: 'dispatch-waiting',
      text: `SELECT "createdById" AS owner, count(*)::int AS n FROM "Run"
              WHERE status = 'queued' AND "heldReason" IS NULL AND NOT (id = ANY($1::text[])) GROUP BY "createdById"`,
      values: [runIds],
    });
    const ahead = new Map(waiting.map((row) => [row.owner, row.n]));
    const ranks = new Map<string, number>();
    for (const run of runs) {
      const rank = ahead.get(run.owner) ?? 0;
      ranks.set(run.id, rank);
      ahead.set(run.owner, rank + 1);
    }
    for (const name of ['interactive', 'background'] as const) {
      const batch = runs.filter((run) => priorityName(run.priority) === name);
      if (batch.length === 0) continue;
      await this.queue.queues.enqueueMany(QueueName.Train, batch.map((run) => ({ runId: run.id })), { priority: name, ranks: batch.map((run) => ranks.get(run.id)!) });
    }
  }
}
