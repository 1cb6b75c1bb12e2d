import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { WORKER_ENV, WorkerEnv } from '../config/worker-env.schema';
import { RunLogWriter } from '../persistence/run-log.writer';
import { WorkerPrismaService } from '../persistence/worker-prisma.service';
import { WorkerIdentity } from './worker-identity';

export const WORKER_IDENTITY = Symbol('WORKER_IDENTITY');

/** The worker's row in Postgres: registered at start, heartbeat on a timer, current job, stopped at shutdown. */
@Injectable()
export class WorkerRegistryService implements OnApplicationShutdown {
  private readonly logger = new Logger(WorkerRegistryService.name);
  private timer?: NodeJS.Timeout;
  private backend = 'unknown';

  constructor(
    private readonly prisma: WorkerPrismaService,
    private readonly logs: RunLogWriter,
    @Inject(WORKER_ENV) private readonly env: WorkerEnv,
    @Inject(WORKER_IDENTITY) readonly identity: WorkerIdentity,
  ) {}

  async register(backend: string): Promise<void> {
    this.backend = backend;
    const data = {
      host: this.identity.host,
      pid: this.identity.pid,
      device: this.identity.device,
      backend,
      queues: this.env.FER_WORKER_QUEUES,
      status: 'online' as const,
      lastHeartbeatAt: new Date(),
    };
    await this.prisma.client.worker.upsert({ where: { id: this.identity.id }, create: { id: this.identity.id, ...data }, update: data });
    this.timer = setInterval(() => void this.heartbeat(), this.env.FER_HEARTBEAT_SECONDS * 1000);
    this.timer.unref();
    this.logger.log(`registered worker ${this.identity.id} (${this.identity.device}, TF.js backend ${backend})`);
  }

  get backendName(): string {
    return this.backend;
  }

  async setCurrentJob(jobId: string | null): Promise<void> {
    await this.prisma.client.worker
      .update({ where: { id: this.identity.id }, data: { currentJob: jobId, lastHeartbeatAt: new Date(), status: 'online' } })
      .catch(() => undefined);
  }

  private async heartbeat(): Promise<void> {
    await this.prisma.client.worker
      .update({ where: { id: this.identity.id }, data: { lastHeartbeatAt: new Date(), status: 'online', droppedLogLines: this.logs.droppedLines } })
      .catch((error: Error) => this.logger.warn(`heartbeat failed: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.prisma.client.worker
      .update({ where: { id: this.identity.id }, data: { status: 'stopped', currentJob: null } })
      .catch(() => undefined);
  }
}
