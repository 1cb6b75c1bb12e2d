import { createPrismaClient, PrismaClient } from '@fer/db';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { WORKER_ENV, WorkerEnv } from '../config/worker-env.schema';

@Injectable()
export class WorkerPrismaService implements OnModuleDestroy {
  readonly client: PrismaClient;

  constructor(@Inject(WORKER_ENV) env: WorkerEnv) {
    this.client = createPrismaClient(env.DATABASE_URL, { poolSize: 4 });
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.$disconnect();
  }
}
