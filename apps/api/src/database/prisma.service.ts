import { createPrismaClient, PrismaClient } from '@fer/db';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { API_ENV, ApiEnv } from '../config/api-env.schema';

/** The API's one Prisma client (pg driver adapter). */
@Injectable()
export class PrismaService implements OnModuleDestroy {
  readonly client: PrismaClient;

  constructor(@Inject(API_ENV) env: ApiEnv) {
    this.client = createPrismaClient(env.DATABASE_URL);
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.$disconnect();
  }
}
