import { splitSourceValidation, train as trainModel } from '@fer/cafe';
import { EpochMetrics, EvaluationMetrics, JobPayload, QueueName, TrainingConfig, trainsOnImages } from '@fer/contracts';
import {
  LifecycleRun,
  completeRunIfEvaluated,
  evaluationId,
  failRun,
  missingSplitError,
  owedEvaluations,
  parseStoredConfig,
  priorityName,
  recordRunOutcome,
  unavailableTargets,
  unavailableTargetsError,
} from '@fer/experiments';
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
import { RunDataService, type TrunkWeights } from '../training/run-data.service';
import { EarlyStoppingService } from '../training/early-stopping.service';
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
    private readonly earlyStopping: EarlyStoppingService,
    @Inject(JOB_QUEUES) private readonly queues: JobQueues,
    @Inject(WORKER_IDENTITY) private readonly identity: WorkerIdentity,
    @Inject(WORKER_ENV) private readonly env: WorkerEnv,
  ) {}

  async handle({ runId }: JobPayload<QueueName.Train>, context: JobContext): Promise<JobOutcome> {
    const db = this.prisma.client;
    // One narrow read decides most jobs (a run already ended, cancelled or held); the config is read only to train.
    const state = await withDatabaseRetry(() => this.prisma.runState(runId));
    if (!state) return { status: 'skipped', reason: `run ${runId} no longer exists` };
    if (state.status === 'succeeded' || state.status === 'cancelled' || state.status === 'pruned')
      return { status: 'skipped', reason: `run is ${state.status}` };
    if (state.cancelRequested) return this.cancel(runId);
    // A spent budget held the run after its job was queued: the sweep scheduler enqueues it again when it is released.
    if (state.heldReason !== null) return { status: 'skipped', reason: `held by its sweep: ${state.heldReason}` };
    const run = await withDatabaseRetry(() => db.run.findUnique({ where: { id: runId }, include: { config: true, sweep: { select: { spec: true } } } }));
    if (!run) return { status: 'skipped', reason: `run ${runId} no longer exists` };
    const rungPlan = run.sweepId ? this.earlyStopping.plan(run, run.sweep?.spec) : null;
    if (rungPlan) {
      const stopped = await this.earlyStopping.stoppedAt(runId);
      if (stopped) return this.prune(runId, stopped.rung, `early stopping decided at epoch ${stopped.rung} (recorded before this attempt)`);
    }
    const config = parseStoredConfig(run.config.body, `config of run ${runId}`);
    if (run.trainedAt) {
      await this.enqueueEvaluations(run, run.priority);
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
    const watch = new CancellationWatch(db, runId, this.env.FER_CANCEL_POLL_SECONDS);
    // Set by onEpoch when a rung stops the run (an object: TypeScript does not track writes inside the callback).
    const prune: { at: { epoch: number; message: string } | null } = { at: null };
    try {
      await this.logs.write(
        runId,
        'info',
        `attempt ${context.attempt} on ${this.identity.id} (${this.identity.device}, ${this.registry.backendName})`,
      );
      const source = await this.data.load(run.sourceDatasetId, ['train'], config, {
        withFlipped: config.augment.flip,
        withImages: trainsOnImages(config),
        shouldStop: () => watch.cancelled,
        onProgress: (done, total) => void this.progress(runId, (done / total) * FEATURES_SHARE, context),
      });
      if (source.frozenEngine) await this.recordFrozenEngine(runId, config.backbone, source.frozenEngine);
      if (watch.cancelled) return this.cancel(runId);
      const targets = await this.loadTargets(run, config);
      const { train, val } = splitSourceValidation(source, config.sourceValFraction, run.seed);
      const resumeFrom = await this.checkpoints.resumePoint(runId, (message) =>
        this.logs.write(runId, 'warn', message),
      );
      await this.logs.write(
        runId,
        'info',
        `${train.n} training and ${val?.n ?? 0} source-validation samples, ` +
          (source.dim > 0
            ? `${source.dim}-d features; `
            : config.augment.frozenPath === 'shared'
              ? `images only, the frozen model run on each augmented batch (${config.augment.frozenNormalization} normalisation); `
              : 'images only (this method reads no frozen features); ') +
          `targets scored every ${config.evalEvery} epoch${config.evalEvery > 1 ? 's' : ''} on their ${run.targetSplit} split` +
          (resumeFrom ? '; resuming from the last checkpoint' : ''),
      );
      // A resumed run has the pretrained trunk in its checkpoint already.
      const trunkWeights = resumeFrom ? undefined : await this.data.trunkWeights(config);
      if (trunkWeights) await this.recordTrunkWeights(runId, trunkWeights);

      const result = await trainModel({
        config,
        seed: run.seed,
        train,
        val,
        targets: targets.map((t) => ({ key: t.dataset.id, set: t.set })),
        scoreEpochs: rungPlan?.rungs,
        frozen: await this.data.sharedFrozen(config),
        resumeFrom: resumeFrom ?? undefined,
        trunkWeights: trunkWeights && { file: trunkWeights.file, tensors: trunkWeights.tensors },
        shouldStop: () => watch.cancelled || prune.at !== null,
        featuresForEpoch:
          config.augment.frozenPath === 'recompute'
            ? async (epoch) =>
                splitSourceValidation(
                  await this.data.augmentedFeatures(source, config, run.seed, epoch),
                  config.sourceValFraction,
                  run.seed,
                ).train
            : undefined,
        // Metrics and scores before the checkpoint: a worker killed in between retrains that epoch (deterministically,
        // so the upserts rewrite the same rows) instead of resuming past an epoch whose numbers were never written.
        onEpoch: async (metrics, checkpoint, isBestSourceVal, evaluations) => {
          await this.recordEpoch(runId, metrics, config.epochs, isBestSourceVal, context);
          for (const evaluation of evaluations) {
            const target = targets.find((t) => t.dataset.id === evaluation.key)!;
            await this.recordEvaluation(runId, target.dataset, run.targetSplit, metrics.epoch, evaluation.metrics, target.set.frozenEngine);
          }
          if (isBestSourceVal) await this.checkpoints.save(runId, 'checkpoint-source-val', checkpoint);
          await this.checkpoints.save(runId, 'checkpoint-last', checkpoint);
          // After the checkpoint: a pruned run keeps the model it stopped with.
          const verdict = rungPlan && (await this.earlyStopping.report({ id: runId, sweepId: run.sweepId!, sourceDomain: run.sourceDomain }, rungPlan, metrics));
          if (verdict) {
            const compared = verdict.cutoff === null ? 'the first at this rung' : `cutoff ${(verdict.cutoff * 100).toFixed(2)}% over ${verdict.compared} earlier run${verdict.compared > 1 ? 's' : ''}`;
            const line = `${rungPlan.rule.kind} rung at epoch ${verdict.rung} (bracket ${rungPlan.bracket}): ${rungPlan.rule.metric} ${(verdict.value * 100).toFixed(2)}%, ${compared}: ${verdict.stop ? 'stop' : 'continue'}`;
            await this.logs.write(runId, 'info', line);
            if (verdict.stop) prune.at = { epoch: verdict.rung, message: line };
          }
        },
      });
      if (result.stopped && prune.at) return this.prune(runId, prune.at.epoch, prune.at.message);
      if (result.stopped) return this.cancel(runId);

      await withDatabaseRetry(() =>
        db.run.update({ where: { id: runId }, data: { trainedAt: new Date(), progress: TRAINING_END } }),
      );
      const trained = await withDatabaseRetry(() => db.run.findUniqueOrThrow({ where: { id: runId } }));
      await this.logs.write(runId, 'info', 'training finished');
      await this.enqueueEvaluations(trained, run.priority);
      if (await completeRunIfEvaluated(this.prisma.ledger, trained))
        await this.logs.write(runId, 'info', 'every selection epoch was scored during training; run succeeded');
      return { status: 'success' };
    } finally {
      watch.stop();
    }
  }

  async onFinalFailure({ runId }: JobPayload<QueueName.Train>, error: Error): Promise<void> {
    await withDatabaseRetry(() => failRun(this.prisma.ledger, runId, error.message));
    await this.logs.write(runId, 'error', `failed after all attempts: ${error.message}`);
  }

  /**
   * The newest ready dataset of every target domain, loaded on the run's target split. A domain without a dataset, or a
   * dataset without that split, fails the run naming it before any training (never scored on another split).
   */
  private async loadTargets(run: { id: string; targets: string[]; targetSplit: string }, config: TrainingConfig) {
    const db = this.prisma.client;
    const newest = await withDatabaseRetry(() => this.prisma.ledger.newestReadyDatasets(run.targets));
    const unavailable = unavailableTargets({ id: run.id, targets: run.targets, epochs: 0, sourceValBestEpoch: null }, newest);
    if (unavailable.length > 0) throw new UnrecoverableError(unavailableTargetsError(unavailable));
    const targets = [];
    for (const domain of run.targets) {
      const dataset = await withDatabaseRetry(() => db.dataset.findUniqueOrThrow({ where: { id: newest.get(domain)! } }));
      const hasSplit = await withDatabaseRetry(() =>
        db.datasetSample.findFirst({ where: { datasetId: dataset.id, split: run.targetSplit }, select: { key: true } }),
      );
      if (!hasSplit) throw new UnrecoverableError(missingSplitError(dataset, run.targetSplit, run.id));
      const set = await this.data.load(dataset.id, [run.targetSplit], config, {
        withFlipped: false,
        withImages: trainsOnImages(config),
      });
      targets.push({ dataset, set });
    }
    return targets;
  }

  private async recordEvaluation(
    runId: string,
    dataset: { id: string; domain: string },
    split: string,
    epoch: number,
    metrics: EvaluationMetrics,
    frozenEngine: string | null,
  ): Promise<void> {
    const row = {
      domain: dataset.domain,
      checkpoint: 'epoch',
      split,
      frozenEngine,
      accuracy: metrics.accuracy,
      perClassAccuracy: metrics.perClassAccuracy,
      macroF1: metrics.macroF1,
      confusion: metrics.confusion,
      n: metrics.n,
    };
    await withDatabaseRetry(() =>
      this.prisma.client.evaluation.upsert({
        where: { runId_datasetId_epoch: { runId, datasetId: dataset.id, epoch } },
        create: { id: evaluationId(runId, dataset.id, epoch), runId, datasetId: dataset.id, epoch, ...row },
        update: row,
      }),
    );
  }

  private async recordEpoch(
    runId: string,
    metrics: EpochMetrics,
    epochs: number,
    isBestSourceVal: boolean,
    context: JobContext,
  ): Promise<void> {
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
          ...(isBestSourceVal ? { sourceValBestEpoch: metrics.epoch } : {}),
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

  /** Evaluations a selection needs that training did not score (a run trained before per-epoch scoring, say). */
  private async enqueueEvaluations(run: LifecycleRun, priority: number): Promise<void> {
    const runId = run.id;
    const { missing, unavailable } = await owedEvaluations(this.prisma.ledger, run);
    // A target without a dataset is never skipped: the run fails naming it (no retry can help until it is imported).
    if (unavailable.length > 0) throw new UnrecoverableError(unavailableTargetsError(unavailable));
    if (missing.length === 0) return;
    await this.queues.enqueueMany(
      QueueName.Evaluate,
      missing.map((evaluation) => ({ runId, datasetId: evaluation.datasetId, checkpoint: evaluation.checkpoint })),
      { priority: priorityName(priority) },
    );
  }

  /** The trunk-weights report as a run log line, and the file (path, sha256, size) as an artifact row of the run. */
  private async recordTrunkWeights(runId: string, weights: TrunkWeights): Promise<void> {
    const { loaded, missing, unexpected } = weights.report;
    const list = (keys: string[]) => (keys.length === 0 ? 'none' : keys.slice(0, 8).join(', ') + (keys.length > 8 ? ` and ${keys.length - 8} more` : ''));
    await this.logs.write(
      runId,
      missing.length > 0 ? 'warn' : 'info',
      `trunkWeights ${weights.file} (sha256 ${weights.sha256.slice(0, 12)}): loaded ${loaded} ResNet-18 trunk tensors as load_state_dict(strict=False); ` +
        `missing (kept at their initialisation): ${list(missing)}; unexpected (ignored): ${list(unexpected)}`,
    );
    const row = { runId, kind: 'trunk-weights', uri: `file://${weights.realPath}`, sha256: weights.sha256, bytes: BigInt(weights.bytes) };
    await withDatabaseRetry(() =>
      this.prisma.client.artifact.upsert({ where: { id: `${runId}.trunk-weights` }, create: { id: `${runId}.trunk-weights`, ...row }, update: row }),
    );
  }

  /** The engine behind the run's frozen features, on the run and in its log (numbers say how they were obtained). */
  private async recordFrozenEngine(runId: string, backbone: string, engine: string): Promise<void> {
    await withDatabaseRetry(() => this.prisma.client.run.update({ where: { id: runId }, data: { frozenEngine: engine } }));
    await this.logs.write(runId, 'info', `frozen features: ${backbone} on ${engine}`);
  }

  /** Ends a run `pruned` at the epoch its sweep's early-stopping rule stopped it; its checkpoints and scores stay. */
  private async prune(runId: string, epoch: number, reason: string): Promise<JobOutcome> {
    await withDatabaseRetry(() =>
      this.prisma.client.run.updateMany({
        where: { id: runId, status: { in: ['queued', 'running'] } },
        data: { status: 'pruned', epoch, progress: 1, finishedAt: new Date(), workerId: null },
      }),
    );
    await this.logs.write(runId, 'info', `pruned at epoch ${epoch}: ${reason}`);
    await withDatabaseRetry(() => recordRunOutcome(this.prisma.ledger, runId));
    return { status: 'success' };
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
