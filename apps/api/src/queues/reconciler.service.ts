import { QueueName } from '@fer/contracts';
import { completeRunIfEvaluated, missingEvaluations, sourceValFractionOf } from '@fer/db';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { API_ENV, ApiEnv } from '../config/api-env.schema';
import { QueueService } from '../database/job-queues.provider';
import { PrismaService } from '../database/prisma.service';

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** Queue probes are diagnostics: kept a week, then deleted so periodic probing does not grow the table forever. */
export const PROBE_RETENTION_DAYS = 7;

export interface ReconcileReport {
  workersMarkedLost: number;
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
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly queue: QueueService,
    @Inject(API_ENV) private readonly env: ApiEnv,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.env.FER_RECONCILE_INTERVAL_SECONDS * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const report = await this.reconcile();
      if (report.trainJobsRestored || report.evaluateJobsRestored || report.workersMarkedLost) this.logger.warn(report);
    } catch (error) {
      this.logger.debug(`reconcile skipped: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = { workersMarkedLost: 0, trainJobsRestored: 0, evaluateJobsRestored: 0, runsCompleted: 0, probesPruned: 0 };
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
      where: { status: { in: ['queued', 'running'] }, cancelRequested: false },
      select: { id: true, trainedAt: true, priority: true, targets: true, config: { select: { body: true } } },
    });
    for (const run of runs) {
      const priority = run.priority <= 1 ? 'interactive' : 'background';
      if (!run.trainedAt) {
        const job = await queues.queue(QueueName.Train).getJob(`run.${run.id}.train`);
        const state = job ? await job.getState() : 'missing';
        if (!LIVE_STATES.has(state)) {
          if (job) await job.remove().catch(() => undefined);
          await queues.enqueue(QueueName.Train, { runId: run.id }, { priority });
          report.trainJobsRestored++;
        }
        continue;
      }
      const lifecycle = { id: run.id, targets: run.targets, sourceValFraction: sourceValFractionOf(run.config.body) };
      if (await completeRunIfEvaluated(this.prisma.client, lifecycle)) {
        report.runsCompleted++;
        continue;
      }
      const missing = await missingEvaluations(this.prisma.client, lifecycle);
      for (const evaluation of missing) {
        const id = `run.${run.id}.evaluate.${evaluation.datasetId}.${evaluation.checkpoint}`;
        const job = await queues.queue(QueueName.Evaluate).getJob(id);
        const state = job ? await job.getState() : 'missing';
        if (!LIVE_STATES.has(state)) {
          if (job) await job.remove().catch(() => undefined);
          await queues.enqueue(QueueName.Evaluate, { runId: run.id, datasetId: evaluation.datasetId, checkpoint: evaluation.checkpoint }, { priority });
          report.evaluateJobsRestored++;
        }
      }
    }
    return report;
  }
}

