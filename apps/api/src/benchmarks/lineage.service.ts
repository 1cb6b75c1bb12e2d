import { BenchmarkRefreshDto, QueueName } from '@fer/contracts';
import { owedEvaluations, parseStoredConfig, priorityName, recordWebhookEvent, runId as runIdOf } from '@fer/experiments';
import { Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { QueueService } from '../queues/queue.service';
import { insertRuns, NewRun } from '../runs/run-records';
import { SweepSchedulerService } from '../sweeps/sweep-scheduler.service';
import { TrainDispatchService } from '../queues/train-dispatch.service';
import { HELD_FOR_SCHEDULER } from '../sweeps/sweep-runs';
import { BenchmarksService } from './benchmarks.service';

/** A changed dataset as lineage sees it. */
interface ChangedDataset {
  id: string;
  name: string;
  domain: string;
  version: number;
}

/**
 * Lineage from dataset versions to results. A run depends on the source dataset version it trained on and on the
 * target versions it was scored on; a newer version of either makes the leaderboard cells built on it stale. A refresh
 * does only what the change requires: a new target version is scored from the run's kept checkpoints (evaluation jobs),
 * a new source version retrains the run as a new run that names the one it replaces; runs that depend on nothing that
 * changed are not touched.
 */
@Injectable()
export class LineageService {
  private readonly logger = new Logger(LineageService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly queue: QueueService,
    private readonly scheduler: SweepSchedulerService,
    private readonly dispatch: TrainDispatchService,
    private readonly benchmarks: BenchmarksService,
  ) {}

  /**
   * After a new version of a dataset is imported: when finished runs depend on an older version of it, announces
   * `leaderboard.stale` (once per version: the delivery id names it) and refreshes the sweeps that opted in.
   */
  async datasetChanged(dataset: ChangedDataset): Promise<void> {
    if (dataset.version <= 1) return;
    const older = (await this.prisma.client.dataset.findMany({ where: { name: dataset.name, version: { lt: dataset.version } }, select: { id: true, version: true } })).map((d) => d.id);
    const [reevaluate, retrain] = await Promise.all([
      this.prisma.client.run.findMany({
        where: { status: 'succeeded', evaluations: { some: { datasetId: { in: older } } } },
        select: { id: true, sweepId: true },
      }),
      this.prisma.client.run.findMany({ where: { status: 'succeeded', sourceDatasetId: { in: older } }, select: { id: true, sweepId: true } }),
    ]);
    if (reevaluate.length === 0 && retrain.length === 0) return;
    const benchmarks = (await this.prisma.client.benchmark.findMany({ where: { domains: { has: dataset.domain } }, select: { name: true } })).map((b) => b.name);
    await recordWebhookEvent(this.prisma.ledger, 'leaderboard.stale', dataset.id, {
      dataset,
      previousVersions: older,
      benchmarks,
      runsToReevaluate: reevaluate.length,
      runsToRetrain: retrain.length,
      refresh: benchmarks.map((name) => `POST /api/v1/benchmarks/${encodeURIComponent(name)}/refresh`),
    });
    const sweepIds = [...new Set([...reevaluate, ...retrain].map((r) => r.sweepId).filter((id): id is string => id !== null))];
    const auto = await this.prisma.client.sweep.findMany({ where: { id: { in: sweepIds }, autoRefresh: true }, select: { id: true } });
    if (auto.length > 0) {
      const report = await this.refreshSweeps(auto.map((s) => s.id));
      this.logger.log(`auto-refresh after ${dataset.name} v${dataset.version}: ${report.reevaluated.length} runs re-evaluated, ${report.retrained.length} retrained`);
    }
  }

  /** `POST /benchmarks/:name/refresh`: the finished runs of the benchmark's sweeps brought up to the newest datasets. */
  async refreshBenchmark(name: string): Promise<BenchmarkRefreshDto> {
    const benchmark = await this.benchmarks.get(name);
    const sweeps = await this.prisma.client.sweep.findMany({ where: { benchmark: benchmark.name }, select: { id: true } });
    return { benchmark: benchmark.name, ...(await this.refreshSweeps(sweeps.map((s) => s.id))) };
  }

  private async refreshSweeps(sweepIds: string[]): Promise<Omit<BenchmarkRefreshDto, 'benchmark'>> {
    const runs = await this.prisma.client.run.findMany({
      where: { sweepId: { in: sweepIds }, status: 'succeeded' },
      include: { config: true, sourceDataset: { select: { name: true, version: true } }, evaluations: { select: { datasetId: true, domain: true } } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    const newestByName = await this.newestReadyByName();
    const newestByDomain = await this.prisma.ledger.newestReadyDatasets([...new Set(runs.flatMap((r) => r.targets))]);
    const result: Omit<BenchmarkRefreshDto, 'benchmark'> = { reevaluated: [], retrained: [], unchanged: 0 };
    const replacements: NewRun[] = [];
    for (const run of runs) {
      const newestSource = newestByName.get(run.sourceDataset.name);
      if (newestSource && newestSource.id !== run.sourceDatasetId && newestSource.version > run.sourceDataset.version) {
        const scope = run.trial !== null ? `${run.sweepId}/trial-${run.trial}` : run.sweepId!;
        const id = runIdOf({ scope, configId: run.configId, sourceDatasetId: newestSource.id, seed: run.seed, targets: run.targets });
        replacements.push({
          id,
          configId: run.configId,
          config: parseStoredConfig(run.config.body, `config of run ${run.id}`),
          params: run.params as Record<string, unknown>,
          sourceDatasetId: newestSource.id,
          sourceDomain: run.sourceDomain,
          targets: run.targets,
          targetSplit: run.targetSplit,
          seed: run.seed,
          priority: run.priority,
          sweepId: run.sweepId,
          createdById: run.createdById,
          ...(run.trial !== null ? { trial: run.trial } : {}),
          replacesRunId: run.id,
        });
        result.retrained.push({ runId: run.id, newRunId: id, sourceDatasetId: newestSource.id });
        continue;
      }
      // Scored on an older version of a target domain whose newest version it has not been scored on.
      const scored = new Set(run.evaluations.map((e) => e.datasetId));
      const staleDomains = run.targets.filter((domain) => {
        const newest = newestByDomain.get(domain);
        return newest !== undefined && !scored.has(newest) && run.evaluations.some((e) => e.domain === domain);
      });
      if (staleDomains.length === 0) {
        result.unchanged++;
        continue;
      }
      const { missing } = await owedEvaluations(this.prisma.ledger, run);
      const jobs = missing.filter((m) => staleDomains.includes(m.domain));
      await this.queue.queues.enqueueMany(
        QueueName.Evaluate,
        jobs.map((m) => ({ runId: run.id, datasetId: m.datasetId, checkpoint: m.checkpoint })),
        { priority: priorityName(run.priority) },
      );
      result.reevaluated.push({ runId: run.id, datasets: [...new Set(jobs.map((m) => m.datasetId))] });
    }
    if (replacements.length > 0) {
      // Runs of a sweep with budgets wait for its scheduler like any of its runs.
      const budgeted = new Set(
        (await this.prisma.client.sweep.findMany({ where: { id: { in: sweepIds }, OR: [{ maxConcurrentRuns: { not: null } }, { maxGpuHours: { not: null } }] }, select: { id: true } })).map((s) => s.id),
      );
      for (const run of replacements) if (run.sweepId && budgeted.has(run.sweepId)) run.heldReason = HELD_FOR_SCHEDULER;
      const created = (await insertRuns(this.prisma, replacements)).map((run) => run.id);
      await this.dispatch.enqueueOrDefer(created.filter((id) => !replacements.find((r) => r.id === id)?.heldReason));
      for (const sweepId of budgeted) await this.scheduler.schedule(sweepId);
    }
    return result;
  }

  /** The newest ready version of every dataset name. */
  private async newestReadyByName(): Promise<Map<string, { id: string; version: number }>> {
    const rows = await this.prisma.client.dataset.findMany({
      where: { status: 'ready' },
      select: { id: true, name: true, version: true },
      orderBy: [{ name: 'asc' }, { version: 'desc' }],
    });
    const newest = new Map<string, { id: string; version: number }>();
    for (const row of rows) if (!newest.has(row.name)) newest.set(row.name, { id: row.id, version: row.version });
    return newest;
  }
}
