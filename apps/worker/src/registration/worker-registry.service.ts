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

  /**
   * Jobs this worker is running, oldest first. A worker runs several queues at once (a probe or an evaluation beside a
   * training): its current job is the oldest still running, so a short job ending never blanks a long one.
   */
  private readonly activeJobs: string[] = [];

  async jobStarted(jobId: string): Promise<void> {
    this.activeJobs.push(jobId);
    await this.writeCurrentJob();
  }

  async jobFinished(jobId: string): Promise<void> {
    const index = this.activeJobs.indexOf(jobId);
    if (index >= 0) this.activeJobs.splice(index, 1);
    await this.writeCurrentJob();
  }

  private async writeCurrentJob(): Promise<void> {
    await this.prisma.client.worker
      .update({
        where: { id: this.identity.id },
        data: { currentJob: this.activeJobs[0] ?? null, lastHeartbeatAt: new Date(), status: 'online' },
      })
      .catch((error: Error) => this.logger.warn(`could not record the current job: ${error.message}`));
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
