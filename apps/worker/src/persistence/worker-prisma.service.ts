import { createDatabase, type Pool, PrismaClient, prismaRunLedger } from '@fer/db';
import type { RunLedger } from '@fer/experiments';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { WORKER_ENV, WorkerEnv } from '../config/worker-env.schema';

@Injectable()
export class WorkerPrismaService implements OnModuleDestroy {
  readonly client: PrismaClient;
  /** The experiment domain's view of the same database (run lifecycle, webhook events). */
  readonly ledger: RunLedger;
  private readonly pool: Pool;
  private readonly close: () => Promise<void>;

  constructor(@Inject(WORKER_ENV) env: WorkerEnv) {
    const database = createDatabase(env.DATABASE_URL, { poolSize: 4 });
    this.client = database.prisma;
    this.pool = database.pool;
    this.close = database.close;
    this.ledger = prismaRunLedger(this.client);
  }

  /**
   * What decides most train jobs before any work (a run already ended, cancelled or held), read with one prepared
   * statement: the per-job cost of dispatch; null when the run no longer exists.
   */
  async runState(runId: string): Promise<{ status: string; cancelRequested: boolean; heldReason: string | null } | null> {
    const { rows } = await this.pool.query<{ status: string; cancelRequested: boolean; heldReason: string | null }>({
      name: 'worker-run-state',
      text: 'SELECT status::text, "cancelRequested", "heldReason" FROM "Run" WHERE id = $1',
      values: [runId],
    });
    return rows[0] ?? null;
  }

  /** The worker's current job (null when idle), as its registry records it up to ten times a second in a burst. */
  async recordCurrentJob(workerId: string, currentJob: string | null): Promise<void> {
    await this.pool.query({
      name: 'worker-current-job',
      // The clock as an ISO string read as UTC (a Date would be sent in the process's time zone): as Prisma writes it.
      text: `UPDATE "Worker" SET "currentJob" = $2, "lastHeartbeatAt" = $3::timestamptz AT TIME ZONE 'UTC', status = 'online' WHERE id = $1`,
      values: [workerId, currentJob, new Date().toISOString()],
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }
}
