import { QueueName } from '@fer/contracts';
import { createRedisConnection, parseJobPayload, QUEUE_CONFIG } from '@fer/queues';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { WORKER_ENV, WorkerEnv } from '../config/worker-env.schema';
import { EvaluateJob } from './evaluate.job';
import { recordFinalFailure } from './final-failure';
import { ExtractFeaturesJob } from './extract-features.job';
import type { JobHandler } from './job-handler';
import { ProbeJob } from './probe.job';
import { TrainJob } from './train.job';
import { WorkerRegistryService } from '../registration/worker-registry.service';

/** One BullMQ Worker per consumed queue, each with its settings from QUEUE_CONFIG and exactly one handler. */
@Injectable()
export class JobRunnerService implements OnApplicationShutdown {
  private readonly logger = new Logger(JobRunnerService.name);
  private readonly workers: Worker[] = [];
  private readonly handlers: { [Q in QueueName]: JobHandler<Q> };

  constructor(
    @Inject(WORKER_ENV) private readonly env: WorkerEnv,
    private readonly registry: WorkerRegistryService,
    train: TrainJob,
    evaluate: EvaluateJob,
    extractFeatures: ExtractFeaturesJob,
    probe: ProbeJob,
  ) {
    this.handlers = {
      [QueueName.Train]: train,
      [QueueName.Evaluate]: evaluate,
      [QueueName.ExtractFeatures]: extractFeatures,
      [QueueName.Probe]: probe,
    };
  }

  start(): void {
    for (const queue of this.env.FER_WORKER_QUEUES) {
      const lockMs = this.env.FER_JOB_LOCK_SECONDS ? this.env.FER_JOB_LOCK_SECONDS * 1000 : undefined;
      const config = { ...QUEUE_CONFIG[queue], ...(lockMs ? { lockDurationMs: lockMs, stalledIntervalMs: Math.max(500, lockMs / 2) } : {}) };
      const handler = this.handlers[queue] as JobHandler<QueueName>;
      const worker = new Worker(
        queue,
        async (job: Job) => {
          const payload = parseJobPayload(queue, job.data);
          const jobId = job.id ?? job.name;
          this.registry.jobStarted(jobId); // recorded in the background: no job waits on it
          const outcome = await handler
            .handle(payload, {
              jobId,
              attempt: job.attemptsMade + 1,
              updateProgress: (fraction) => job.updateProgress(Math.round(fraction * 1000) / 10),
            })
            .finally(() => this.registry.jobFinished(jobId));
          // A job that found nothing to do (its run ended, was cancelled or is held) is a debug line: in a burst, logging
          // it cost a tenth of the dispatch throughput (bench section 3). LOG_LEVEL=debug shows them.
          const line = `${queue} ${job.id}: ${outcome.status}${'reason' in outcome ? ` (${outcome.reason})` : ''}`;
          if (outcome.status === 'skipped') this.logger.debug(line);
          else this.logger.log(line);
          return outcome;
        },
        {
          connection: createRedisConnection(this.env.REDIS_URL),
          prefix: this.env.FER_QUEUE_PREFIX,
          concurrency: config.concurrency,
          lockDuration: config.lockDurationMs,
          stalledInterval: config.stalledIntervalMs,
          maxStalledCount: config.maxStalledCount,
          autorun: true,
        },
      );
      worker.on('failed', (job, error) => {
        if (!job) return;
        this.logger.warn(`${queue} ${job.id} attempt ${job.attemptsMade} failed: ${error.stack ?? error.message}`);
        const exhausted = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
        if (exhausted && handler.onFinalFailure) {
          void recordFinalFailure(() => handler.onFinalFailure!(job.data, error), `${queue} ${job.id}`, this.logger);
        }
      });
      worker.on('error', (error) => this.logger.warn(`${queue} worker: ${error.message}`));
      this.workers.push(worker);
    }
    this.logger.log(`consuming ${this.env.FER_WORKER_QUEUES.join(', ')}`);
  }

  /** The job in flight is not awaited: its lock expires and it resumes from its last checkpoint, here or elsewhere. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close(true)));
  }
}
