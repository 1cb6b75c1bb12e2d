import { createPrismaClient, PrismaClient, prismaRunLedger } from '@fer/db';
import type { RunLedger } from '@fer/experiments';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { API_ENV, ApiEnv } from '../config/api-env.schema';

/** The API's one Prisma client (pg driver adapter). */
@Injectable()
export class PrismaService implements OnModuleDestroy {
  readonly client: PrismaClient;
  /** The experiment domain's view of the same database (run lifecycle, webhook events). */
  readonly ledger: RunLedger;

  constructor(@Inject(API_ENV) env: ApiEnv) {
    this.client = createPrismaClient(env.DATABASE_URL);
    this.ledger = prismaRunLedger(this.client);
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.$disconnect();
  }
}
