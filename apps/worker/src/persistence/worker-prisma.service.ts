import { createPrismaClient, PrismaClient, prismaRunLedger } from '@fer/db';
import type { RunLedger } from '@fer/experiments';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { WORKER_ENV, WorkerEnv } from '../config/worker-env.schema';

@Injectable()
export class WorkerPrismaService implements OnModuleDestroy {
  readonly client: PrismaClient;
  /** The experiment domain's view of the same database (run lifecycle, webhook events). */
  readonly ledger: RunLedger;

  constructor(@Inject(WORKER_ENV) env: WorkerEnv) {
    this.client = createPrismaClient(env.DATABASE_URL, { poolSize: 4 });
    this.ledger = prismaRunLedger(this.client);
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.$disconnect();
  }
}
