import { checkpointEpoch, evaluateCheckpoint } from '@fer/cafe';
import { JobPayload, QueueName, trainsOnImages } from '@fer/contracts';
import { completeRunIfEvaluated, evaluationId, failRun, missingSplitError, parseStoredConfig } from '@fer/experiments';
import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { CheckpointStore } from '../artifacts/checkpoint.store';
import { withDatabaseRetry } from '../persistence/database-retry';
import { RunLogWriter } from '../persistence/run-log.writer';
import { WorkerPrismaService } from '../persistence/worker-prisma.service';
import { RunDataService } from '../training/run-data.service';
import type { JobHandler, JobOutcome } from './job-handler';

@Injectable()
export class EvaluateJob implements JobHandler<QueueName.Evaluate> {
  readonly queue = QueueName.Evaluate;

  constructor(
    private readonly prisma: WorkerPrismaService,
    private readonly data: RunDataService,
    private readonly checkpoints: CheckpointStore,
    private readonly logs: RunLogWriter,
  ) {}

  async handle(
    { runId, datasetId, checkpoint }: JobPayload<QueueName.Evaluate>,
  ): Promise<JobOutcome> {
    const db = this.prisma.client;
    const run = await withDatabaseRetry(() => db.run.findUnique({ where: { id: runId }, include: { config: true } }));
    if (!run) return { status: 'skipped', reason: `run ${runId} no longer exists` };
    if (run.status === 'cancelled') return { status: 'skipped', reason: 'run cancelled' };
    const config = parseStoredConfig(run.config.body, `config of run ${runId}`);
    const bytes = await this.checkpoints.loadValid(
      runId,
      checkpoint === 'last' ? 'checkpoint-last' : 'checkpoint-source-val',
    );
    if (!bytes) throw new Error(`run ${runId} has no ${checkpoint} checkpoint to evaluate; retry the run`);
    const epoch = checkpointEpoch(bytes);
    const existing = await withDatabaseRetry(() =>
      db.evaluation.findUnique({ where: { runId_datasetId_epoch: { runId, datasetId, epoch } } }),
    );
    if (existing) {
      await completeRunIfEvaluated(this.prisma.ledger, run);
      return { status: 'skipped', reason: `epoch ${epoch} already scored` };
    }
    const dataset = await withDatabaseRetry(() => db.dataset.findUniqueOrThrow({ where: { id: datasetId } }));
    // The run's target split, and no other: a dataset without it fails the evaluation naming both (never train data).
    const split = run.targetSplit;
    if (!(await withDatabaseRetry(() => db.datasetSample.findFirst({ where: { datasetId, split }, select: { key: true } })))) {
      throw new UnrecoverableError(missingSplitError(dataset, split, runId));
    }
    const set = await this.data.load(datasetId, [split], config, {
      withFlipped: false,
      withImages: trainsOnImages(config),
    });
    const metrics = await evaluateCheckpoint(bytes, set, await this.data.sharedFrozen(config));
    await withDatabaseRetry(() =>
      db.evaluation.upsert({
        where: { runId_datasetId_epoch: { runId, datasetId, epoch } },
        create: {
          id: evaluationId(runId, datasetId, epoch),
          runId,
          datasetId,
          domain: dataset.domain,
          checkpoint,
          split,
          frozenEngine: set.frozenEngine,
          epoch,
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
      `${dataset.domain} (${split} split, ${checkpoint} checkpoint, epoch ${epoch}): accuracy ${(metrics.accuracy * 100).toFixed(2)}%, macro-F1 ${(metrics.macroF1 * 100).toFixed(2)}% on ${metrics.n} images`,
    );
    if (await completeRunIfEvaluated(this.prisma.ledger, run))
      await this.logs.write(runId, 'info', 'all evaluations written; run succeeded');
    return { status: 'success' };
  }

  /** An evaluation that cannot be done (its attempts spent, or no split to score) ends the run failed, naming why. */
  async onFinalFailure({ runId, datasetId, checkpoint }: JobPayload<QueueName.Evaluate>, error: Error): Promise<void> {
    const message = `evaluation on dataset ${datasetId} (${checkpoint}) failed: ${error.message}`;
    await withDatabaseRetry(() => failRun(this.prisma.ledger, runId, message));
    await this.logs.write(runId, 'error', message);
  }
}
