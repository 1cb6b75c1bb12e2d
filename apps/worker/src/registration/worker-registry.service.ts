import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { WORKER_ENV, WorkerEnv } from '../config/worker-env.schema';
import { RunLogWriter } from '../persistence/run-log.writer';
import { WorkerPrismaService } from '../persistence/worker-prisma.service';
import { WorkerIdentity } from './worker-identity';

export const WORKER_IDENTITY = Symbol('WORKER_IDENTITY');

/** At most one current-job write per this many milliseconds. */
const CURRENT_JOB_WRITE_MS = 100;

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

  jobStarted(jobId: string): void {
    this.activeJobs.push(jobId);
    this.scheduleCurrentJobWrite();
  }

  jobFinished(jobId: string): void {
    const index = this.activeJobs.indexOf(jobId);
    if (index >= 0) this.activeJobs.splice(index, 1);
    this.scheduleCurrentJobWrite();
  }

  private writeTimer?: NodeJS.Timeout;
  private writing = false;
  private stopped = false;

  /**
   * The current job reaches PostgreSQL within CURRENT_JOB_WRITE_MS, one write for however many jobs started and ended
   * meanwhile: a burst of short jobs costs a write per interval, not two per job, and no job waits on it.
   */
  private scheduleCurrentJobWrite(): void {
    if (this.writeTimer || this.stopped) return;
    this.writeTimer = setTimeout(() => void this.writeCurrentJob(), CURRENT_JOB_WRITE_MS);
    this.writeTimer.unref();
  }

  private async writeCurrentJob(): Promise<void> {
    if (this.stopped) return;
    if (this.writing) {
      // A write is in flight: this state goes in the next one.
      this.writeTimer = setTimeout(() => void this.writeCurrentJob(), CURRENT_JOB_WRITE_MS);
      this.writeTimer.unref();
      return;
    }
    this.writeTimer = undefined;
    this.writing = true;
    // A prepared statement, not a Prisma update: in a burst of short jobs it runs ten times a second.
    await this.prisma
      .recordCurrentJob(this.identity.id, this.activeJobs[0] ?? null)
      .catch((error: Error) => this.logger.warn(`could not record the current job: ${error.message}`))
      .finally(() => (this.writing = false));
  }

  private async heartbeat(): Promise<void> {
    await this.prisma.client.worker
      .update({ where: { id: this.identity.id }, data: { lastHeartbeatAt: new Date(), status: 'online', droppedLogLines: this.logs.droppedLines } })
      .catch((error: Error) => this.logger.warn(`heartbeat failed: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // No current-job write after this one: it would mark the stopped worker online again.
    clearTimeout(this.writeTimer);
    this.stopped = true;
    await this.prisma.client.worker
      .update({ where: { id: this.identity.id }, data: { status: 'stopped', currentJob: null } })
      .catch(() => undefined);
  }
}
