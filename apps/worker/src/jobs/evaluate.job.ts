import { checkpointEpoch, evaluateCheckpoint } from '@fer/cafe';
import { JobPayload, QueueName } from '@fer/contracts';
import { completeRunIfEvaluated, failRun, parseStoredConfig } from '@fer/experiments';
import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { CheckpointStore } from '../artifacts/checkpoint.store';
import { withDatabaseRetry } from '../persistence/database-retry';
import { RunLogWriter } from '../persistence/run-log.writer';
import { WorkerPrismaService } from '../persistence/worker-prisma.service';
import { WorkerRegistryService } from '../registration/worker-registry.service';
import { RunDataService } from '../training/run-data.service';
import type { JobContext, JobHandler, JobOutcome } from './job-handler';

@Injectable()
export class EvaluateJob implements JobHandler<QueueName.Evaluate> {
  readonly queue = QueueName.Evaluate;

  constructor(
    private readonly prisma: WorkerPrismaService,
    private readonly data: RunDataService,
    private readonly checkpoints: CheckpointStore,
    private readonly logs: RunLogWriter,
    private readonly registry: WorkerRegistryService,
  ) {}

  async handle(
    { runId, datasetId, checkpoint }: JobPayload<QueueName.Evaluate>,
    context: JobContext,
  ): Promise<JobOutcome> {
    const db = this.prisma.client;
    const run = await withDatabaseRetry(() => db.run.findUnique({ where: { id: runId }, include: { config: true } }));
    if (!run) return { status: 'skipped', reason: `run ${runId} no longer exists` };
    if (run.status === 'cancelled') return { status: 'skipped', reason: 'run cancelled' };
    const config = parseStoredConfig(run.config.body, `config of run ${runId}`);
    const lifecycle = { id: runId, targets: run.targets, sourceValFraction: config.sourceValFraction };
    const existing = await withDatabaseRetry(() =>
      db.evaluation.findUnique({ where: { runId_datasetId_checkpoint: { runId, datasetId, checkpoint } } }),
    );
    if (existing) {
      await completeRunIfEvaluated(this.prisma.ledger, lifecycle);
      return { status: 'skipped', reason: 'already evaluated' };
    }
    const bytes = await this.checkpoints.loadValid(
      runId,
      checkpoint === 'last' ? 'checkpoint-last' : 'checkpoint-source-val',
    );
    if (!bytes) throw new Error(`run ${runId} has no ${checkpoint} checkpoint to evaluate; retry the run`);
    await this.registry.setCurrentJob(context.jobId);
    try {
      const dataset = await withDatabaseRetry(() => db.dataset.findUniqueOrThrow({ where: { id: datasetId } }));
      // The run's target split, and no other: a dataset without it fails the evaluation naming both (never train data).
      const split = run.targetSplit;
      if (!(await withDatabaseRetry(() => db.datasetSample.findFirst({ where: { datasetId, split }, select: { key: true } })))) {
        throw new UnrecoverableError(
          `dataset "${dataset.name}" v${dataset.version} (${dataset.domain}) has no ${split} split to score run ${runId} on`,
        );
      }
      const set = await this.data.load(datasetId, [split], config, {
        withFlipped: false,
        withImages: config.maskNet === 'resnet18',
      });
      const metrics = await evaluateCheckpoint(bytes, set);
      await withDatabaseRetry(() =>
        db.evaluation.upsert({
          where: { runId_datasetId_checkpoint: { runId, datasetId, checkpoint } },
          create: {
            id: `${runId}.${datasetId}.${checkpoint}`,
            runId,
            datasetId,
            domain: dataset.domain,
            checkpoint,
            split,
            epoch: checkpointEpoch(bytes),
            accuracy: metrics.accuracy,
            perClassAccuracy: metrics.perClassAccuracy,
            macroF1: metrics.macroF1,
            confusion: metrics.confusion,
            n: metrics.n,
          },
          update: {},
        }),
      );
      await this.logs.write(
        runId,
        'info',
        `${dataset.domain} (${split} split, ${checkpoint}): accuracy ${(metrics.accuracy * 100).toFixed(2)}%, macro-F1 ${(metrics.macroF1 * 100).toFixed(2)}% on ${metrics.n} images`,
      );
      if (await completeRunIfEvaluated(this.prisma.ledger, lifecycle))
        await this.logs.write(runId, 'info', 'all evaluations written; run succeeded');
      return { status: 'success' };
    } finally {
      await this.registry.setCurrentJob(null);
    }
  }

  /** An evaluation that cannot be done (its attempts spent, or no split to score) ends the run failed, naming why. */
  async onFinalFailure({ runId, datasetId, checkpoint }: JobPayload<QueueName.Evaluate>, error: Error): Promise<void> {
    const message = `evaluation on dataset ${datasetId} (${checkpoint}) failed: ${error.message}`;
    await withDatabaseRetry(() => failRun(this.prisma.ledger, runId, message));
    await this.logs.write(runId, 'error', message);
  }
}
