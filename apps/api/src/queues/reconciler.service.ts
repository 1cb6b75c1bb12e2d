import { QueueName } from '@fer/contracts';
import { QUEUE_CONFIG } from '@fer/queues';
import {
  completeRunIfEvaluated,
  failRun,
  jobIdOf,
  owedEvaluations,
  priorityName,
  unavailableTargetsError,
} from '@fer/experiments';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';
import { API_ENV, ApiEnv } from '../config/api-env.schema';
import { QueueService } from './queue.service';
import { TrainDispatchService } from './train-dispatch.service';
import { PrismaService } from '../database/prisma.service';

/** BullMQ's attempts for a training job: a run that started this many times has no attempt left. */
const TRAIN_ATTEMPTS = QUEUE_CONFIG[QueueName.Train].attempts;

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** Queue probes are diagnostics: kept a week, then deleted so periodic probing does not grow the table forever. */
export const PROBE_RETENTION_DAYS = 7;

export interface ReconcileReport {
  workersMarkedLost: number;
  /** Runs ended `failed` instead of re-enqueued: attempts spent without a live job, or a target left without a dataset. */
  runsFailed: number;
  trainJobsRestored: number;
  evaluateJobsRestored: number;
  runsCompleted: number;
  probesPruned: number;
}

/**
 * Postgres is the source of truth, Redis only carries jobs. Every interval: workers silent too long are marked
 * lost; every queued or running run without a live job (Redis flushed or restarted without persistence) gets its
 * job back; and runs whose evaluations are all written are closed. Queue probes are never re-enqueued: a probe whose
 * job Redis lost stays unanswered, which is what it exists to show; old probes are pruned.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconcilerService.name);
  private readonly loop = new PeriodicTask(
    'reconcile',
    async () => {
      const report = await this.reconcile();
      if (report.trainJobsRestored || report.evaluateJobsRestored || report.workersMarkedLost || report.runsFailed)
        this.logger.warn(report);
    },
    this.logger,
  );

  constructor(
    private readonly prisma: PrismaService,
    private readonly queue: QueueService,
    private readonly dispatch: TrainDispatchService,
    @Inject(API_ENV) private readonly env: ApiEnv,
  ) {}

  onApplicationBootstrap(): void {
    this.loop.start(this.env.FER_RECONCILE_INTERVAL_SECONDS);
  }

  onModuleDestroy(): void {
    this.loop.stop();
  }

  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      workersMarkedLost: 0,
      runsFailed: 0,
      trainJobsRestored: 0,
      evaluateJobsRestored: 0,
      runsCompleted: 0,
      probesPruned: 0,
    };
    const cutoff = new Date(Date.now() - this.env.FER_WORKER_LOST_AFTER_SECONDS * 1000);
    const lost = await this.prisma.client.worker.updateMany({
      where: { status: 'online', lastHeartbeatAt: { lt: cutoff } },
      data: { status: 'lost', currentJob: null },
    });
    report.workersMarkedLost = lost.count;
    const pruned = await this.prisma.client.queueProbe.deleteMany({
      where: { requestedAt: { lt: new Date(Date.now() - PROBE_RETENTION_DAYS * 24 * 3600 * 1000) } },
    });
    report.probesPruned = pruned.count;

    const queues = this.queue.queues;
    const runs = await this.prisma.client.run.findMany({
      // Held runs wait for their sweep's scheduler (budgets), not for a job.
      where: { status: { in: ['queued', 'running'] }, cancelRequested: false, heldReason: null },
      select: {
        id: true,
        trainedAt: true,
        priority: true,
        targets: true,
        attempts: true,
        epochs: true,
        sourceValBestEpoch: true,
      },
    });
    for (const run of runs) {
      const priority = priorityName(run.priority);
      if (!run.trainedAt) {
        const job = await queues.queue(QueueName.Train).getJob(jobIdOf(QueueName.Train, { runId: run.id }));
        const state = job ? await job.getState() : 'missing';
        if (!LIVE_STATES.has(state)) {
          if (job) await job.remove().catch(() => undefined);
          if (run.attempts >= TRAIN_ATTEMPTS) {
            // Its last attempt failed but the failure was never recorded (PostgreSQL refused the write): end it.
            await failRun(
              this.prisma.ledger,
              run.id,
              `all ${run.attempts} attempts were spent and the last failure was not recorded (see the worker log); retry the run to train it again`,
            );
            report.runsFailed++;
            continue;
          }
          await this.dispatch.enqueue([run.id]);
          report.trainJobsRestored++;
        }
        continue;
      }
      if (await completeRunIfEvaluated(this.prisma.ledger, run)) {
        report.runsCompleted++;
        continue;
      }
      const { missing, unavailable } = await owedEvaluations(this.prisma.ledger, run);
      if (unavailable.length > 0) {
        await failRun(this.prisma.ledger, run.id, unavailableTargetsError(unavailable));
        report.runsFailed++;
        continue;
      }
      for (const evaluation of missing) {
        const payload = { runId: run.id, datasetId: evaluation.datasetId, checkpoint: evaluation.checkpoint };
        const job = await queues.queue(QueueName.Evaluate).getJob(jobIdOf(QueueName.Evaluate, payload));
        const state = job ? await job.getState() : 'missing';
        if (!LIVE_STATES.has(state)) {
          if (job) await job.remove().catch(() => undefined);
          await queues.enqueue(QueueName.Evaluate, payload, { priority });
          report.evaluateJobsRestored++;
        }
      }
    }
    return report;
  }
}
