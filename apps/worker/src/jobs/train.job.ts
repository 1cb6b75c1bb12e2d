import { splitSourceValidation, train as trainModel } from '@fer/cafe';
import { EpochMetrics, JobPayload, QueueName } from '@fer/contracts';
import { failRun, owedEvaluations, parseStoredConfig, priorityName, recordRunOutcome, unavailableTargetsError } from '@fer/experiments';
import { JobQueues } from '@fer/queues';
import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { CheckpointStore } from '../artifacts/checkpoint.store';
import { WORKER_ENV, WorkerEnv } from '../config/worker-env.schema';
import { withDatabaseRetry } from '../persistence/database-retry';
import { RunLogWriter } from '../persistence/run-log.writer';
import { WorkerPrismaService } from '../persistence/worker-prisma.service';
import { WORKER_IDENTITY, WorkerRegistryService } from '../registration/worker-registry.service';
import type { WorkerIdentity } from '../registration/worker-identity';
import { RunDataService } from '../training/run-data.service';
import { CancellationWatch } from './cancellation.watch';
import { JOB_QUEUES } from './job-queues.token';
import type { JobContext, JobHandler, JobOutcome } from './job-handler';

/** Share of a run's progress bar given to feature extraction; training takes the rest up to 90 %, evaluation the last 10 %. */
const FEATURES_SHARE = 0.15;
const TRAINING_END = 0.9;

@Injectable()
export class TrainJob implements JobHandler<QueueName.Train> {
  readonly queue = QueueName.Train;

  constructor(
    private readonly prisma: WorkerPrismaService,
    private readonly data: RunDataService,
    private readonly checkpoints: CheckpointStore,
    private readonly logs: RunLogWriter,
    private readonly registry: WorkerRegistryService,
    @Inject(JOB_QUEUES) private readonly queues: JobQueues,
    @Inject(WORKER_IDENTITY) private readonly identity: WorkerIdentity,
    @Inject(WORKER_ENV) private readonly env: WorkerEnv,
  ) {}

  async handle({ runId }: JobPayload<QueueName.Train>, context: JobContext): Promise<JobOutcome> {
    const db = this.prisma.client;
    const run = await withDatabaseRetry(() => db.run.findUnique({ where: { id: runId }, include: { config: true } }));
    if (!run) return { status: 'skipped', reason: `run ${runId} no longer exists` };
    if (run.status === 'succeeded' || run.status === 'cancelled')
      return { status: 'skipped', reason: `run is ${run.status}` };
    if (run.cancelRequested) return this.cancel(runId);
    const config = parseStoredConfig(run.config.body, `config of run ${runId}`);
    if (run.trainedAt) {
      await this.enqueueEvaluations(runId, run.targets, config.sourceValFraction, run.priority);
      return { status: 'skipped', reason: 'already trained; evaluations enqueued' };
    }

    await withDatabaseRetry(() =>
      db.run.update({
        where: { id: runId },
        data: {
          status: 'running',
          attempts: { increment: 1 },
          workerId: this.identity.id,
          backend: this.registry.backendName,
          startedAt: run.startedAt ?? new Date(),
          error: null,
        },
      }),
    );
    await this.registry.setCurrentJob(context.jobId);
    const watch = new CancellationWatch(db, runId, this.env.FER_CANCEL_POLL_SECONDS);
    try {
      await this.logs.write(
        runId,
        'info',
        `attempt ${context.attempt} on ${this.identity.id} (${this.identity.device}, ${this.registry.backendName})`,
      );
      const source = await this.data.load(run.sourceDatasetId, ['train'], config, {
        withFlipped: config.augment.flip,
        withImages: config.maskNet === 'resnet18',
        shouldStop: () => watch.cancelled,
        onProgress: (done, total) => void this.progress(runId, (done / total) * FEATURES_SHARE, context),
      });
      if (watch.cancelled) return this.cancel(runId);
      const { train, val } = splitSourceValidation(source, config.sourceValFraction, run.seed);
      const resumeFrom = await this.checkpoints.resumePoint(runId, (message) =>
        this.logs.write(runId, 'warn', message),
      );
      await this.logs.write(
        runId,
        'info',
        `${train.n} training and ${val?.n ?? 0} source-validation samples, ${source.dim}-d features` +
          (resumeFrom ? '; resuming from the last checkpoint' : ''),
      );

      const result = await trainModel({
        config,
        seed: run.seed,
        train,
        val,
        resumeFrom: resumeFrom ?? undefined,
        shouldStop: () => watch.cancelled,
        featuresForEpoch:
          config.augment.frozenPath === 'recompute'
            ? async (epoch) =>
                splitSourceValidation(
                  await this.data.augmentedFeatures(source, config, run.seed, epoch),
                  config.sourceValFraction,
                  run.seed,
                ).train
            : undefined,
        // Metrics before the checkpoint: a worker killed in between retrains that epoch (deterministically, so the
        // upsert rewrites the same row) instead of resuming past an epoch whose metrics were never written.
        onEpoch: async (metrics, checkpoint, isBestSourceVal) => {
          await this.recordEpoch(runId, metrics, config.epochs, context);
          if (isBestSourceVal) await this.checkpoints.save(runId, 'checkpoint-source-val', checkpoint);
          await this.checkpoints.save(runId, 'checkpoint-last', checkpoint);
        },
      });
      if (result.stopped) return this.cancel(runId);

      await withDatabaseRetry(() =>
        db.run.update({ where: { id: runId }, data: { trainedAt: new Date(), progress: TRAINING_END } }),
      );
      await this.logs.write(runId, 'info', 'training finished; evaluating on the target domains');
      await this.enqueueEvaluations(runId, run.targets, config.sourceValFraction, run.priority);
      return { status: 'success' };
    } finally {
      watch.stop();
      await this.registry.setCurrentJob(null);
    }
  }

  async onFinalFailure({ runId }: JobPayload<QueueName.Train>, error: Error): Promise<void> {
    await withDatabaseRetry(() => failRun(this.prisma.ledger, runId, error.message));
    await this.logs.write(runId, 'error', `failed after all attempts: ${error.message}`);
  }

  private async recordEpoch(runId: string, metrics: EpochMetrics, epochs: number, context: JobContext): Promise<void> {
    const db = this.prisma.client;
    await withDatabaseRetry(() =>
      db.epochMetric.upsert({
        where: { runId_epoch: { runId, epoch: metrics.epoch } },
        create: { runId, ...metrics },
        update: metrics,
      }),
    );
    await withDatabaseRetry(() =>
      db.run.update({
        where: { id: runId },
        data: {
          epoch: metrics.epoch,
          progress: FEATURES_SHARE + (TRAINING_END - FEATURES_SHARE) * (metrics.epoch / epochs),
        },
      }),
    );
    await context.updateProgress(metrics.epoch / epochs);
    await this.logs.write(
      runId,
      'info',
      `epoch ${metrics.epoch}/${epochs}: loss ${metrics.lossTotal.toFixed(4)} (ce ${metrics.lossCE.toFixed(4)}, diverse ${metrics.lossDiverse.toFixed(4)}, separation ${metrics.lossSeparation.toFixed(4)}), train acc ${(metrics.trainAccuracy * 100).toFixed(2)}%` +
        (metrics.sourceValAccuracy === null ? '' : `, source-val acc ${(metrics.sourceValAccuracy * 100).toFixed(2)}%`),
    );
  }

  private async progress(runId: string, fraction: number, context: JobContext): Promise<void> {
    await this.prisma.client.run.update({ where: { id: runId }, data: { progress: fraction } }).catch(() => undefined);
    await context.updateProgress(fraction).catch(() => undefined);
  }

  private async enqueueEvaluations(
    runId: string,
    targets: string[],
    sourceValFraction: number,
    priority: number,
  ): Promise<void> {
    const { missing, unavailable } = await owedEvaluations(this.prisma.ledger, {
      id: runId,
      targets,
      sourceValFraction,
    });
    // A target without a dataset is never skipped: the run fails naming it (no retry can help until it is imported).
    if (unavailable.length > 0) throw new UnrecoverableError(unavailableTargetsError(unavailable));
    if (missing.length === 0) return;
    await this.queues.enqueueMany(
      QueueName.Evaluate,
      missing.map((evaluation) => ({ runId, datasetId: evaluation.datasetId, checkpoint: evaluation.checkpoint })),
      { priority: priorityName(priority) },
    );
  }

  private async cancel(runId: string): Promise<JobOutcome> {
    await withDatabaseRetry(() =>
      this.prisma.client.run.updateMany({
        where: { id: runId, status: { in: ['queued', 'running'] } },
        data: { status: 'cancelled', finishedAt: new Date(), workerId: null },
      }),
    );
    await this.logs.write(runId, 'warn', 'cancelled');
    // Not swallowed: a lost run.cancelled event fails the job, visibly, instead of vanishing.
    await withDatabaseRetry(() => recordRunOutcome(this.prisma.ledger, runId));
    return { status: 'skipped', reason: 'cancelled' };
  }
}
