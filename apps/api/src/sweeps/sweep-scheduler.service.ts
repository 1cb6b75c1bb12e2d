import { ModelSelection, QueueName, SweepSpec, type RunStatus } from '@fer/contracts';
import {
  configAt,
  JOB_PRIORITY,
  jobIdOf,
  selectedEvaluationsQuery,
  tpeProposal,
  trialStates,
  type ObjectiveRun,
  type ParameterValue,
  type SelectedEvaluationRow,
} from '@fer/experiments';
import type { Prisma } from '@fer/db';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';
import { API_ENV, ApiEnv, dataRootsOf } from '../config/api-env.schema';
import { PrismaService } from '../database/prisma.service';
import { resolveDatasets } from '../datasets/dataset-resolver';
import { QueueService } from '../queues/queue.service';
import { TrainDispatchService } from '../queues/train-dispatch.service';
import { insertRuns } from '../runs/run-records';
import { HELD_FOR_SCHEDULER, isBudgeted, pointRuns } from './sweep-runs';

/** What one scheduling round of a sweep did. */
export interface ScheduleReport {
  proposed: number[];
  runsCreated: number;
  released: string[];
  held: string[];
}

type Tx = Prisma.TransactionClient;

/**
 * The API side of a sweep's search and budgets, one round per open sweep, each under a PostgreSQL advisory lock on the
 * sweep: (1) a tpe search proposes its next trials from the results stored so far (the trials table is the searcher's
 * whole state, so a restarted API, a lost Redis or a second replica resumes it: trial n is written once); (2) runs
 * held by the sweep's budgets are released while it has room (maxConcurrentRuns), or everything not started is held
 * once its maxGpuHours are spent. The jobs are enqueued after the round commits; a lost enqueue is the reconciler's.
 */
@Injectable()
export class SweepSchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SweepSchedulerService.name);
  private readonly loop = new PeriodicTask('sweep scheduling', () => this.scheduleOpenSweeps().then(() => undefined), this.logger);

  constructor(
    private readonly prisma: PrismaService,
    private readonly queue: QueueService,
    private readonly dispatch: TrainDispatchService,
    @Inject(API_ENV) private readonly env: ApiEnv,
  ) {}

  onApplicationBootstrap(): void {
    this.loop.start(this.env.FER_SWEEP_SCHEDULE_INTERVAL_SECONDS);
  }

  onModuleDestroy(): void {
    this.loop.stop();
  }

  /** Every open sweep that has a searcher or budgets (the others need no scheduling: all their runs are queued at once). */
  async scheduleOpenSweeps(): Promise<Map<string, ScheduleReport>> {
    const sweeps = await this.prisma.client.$queryRawUnsafe<{ id: string }[]>(
      `SELECT s.id FROM "Sweep" s
        WHERE s."cancelledAt" IS NULL
          AND (EXISTS (SELECT 1 FROM "Run" r WHERE r."sweepId" = s.id AND r.status = 'queued' AND r."heldReason" IS NOT NULL)
               OR (s."maxGpuHours" IS NOT NULL AND EXISTS (SELECT 1 FROM "Run" r WHERE r."sweepId" = s.id AND r.status = 'queued'))
               OR (s."searchSpace"->>'kind' = 'tpe'
                   AND (SELECT count(*) FROM "SweepTrial" t WHERE t."sweepId" = s.id) < (s."searchSpace"->>'budget')::int))
        ORDER BY s."createdAt"`,
    );
    const reports = new Map<string, ScheduleReport>();
    for (const { id } of sweeps) reports.set(id, await this.schedule(id));
    return reports;
  }

  /** One round for one sweep (also called right after a sweep is created, grown or re-run). */
  async schedule(sweepId: string): Promise<ScheduleReport> {
    const report: ScheduleReport = { proposed: [], runsCreated: 0, released: [], held: [] };
    const toEnqueue: string[] = [];
    await this.prisma.client.$transaction(
      async (tx) => {
        await tx.$queryRawUnsafe(`SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext($1))) l`, `sweep-schedule:${sweepId}`);
        const sweep = await tx.sweep.findUnique({ where: { id: sweepId } });
        if (!sweep || sweep.cancelledAt) return;
        const spec = sweep.spec as unknown as SweepSpec;
        const budgeted = isBudgeted(sweep);
        if (spec.search.kind === 'tpe') {
          const created = await this.propose(tx, sweep.id, spec, sweep.createdById, budgeted);
          report.proposed = created.trials;
          report.runsCreated = created.runIds.length;
          if (!budgeted) toEnqueue.push(...created.runIds);
        }
        const admission = await this.admit(tx, sweep);
        report.released = admission.released;
        report.held = admission.held;
        toEnqueue.push(...admission.released);
      },
      { timeout: 60_000 },
    );
    await this.unqueue(report.held);
    await this.dispatch.enqueueOrDefer(toEnqueue);
    if (report.proposed.length > 0) this.logger.log(`sweep ${sweepId}: proposed trial${report.proposed.length > 1 ? 's' : ''} ${report.proposed.join(', ')}`);
    return report;
  }

  /** New tpe trials while fewer than `parallelTrials` are open and the budget allows, each from the results stored now. */
  private async propose(tx: Tx, sweepId: string, spec: SweepSpec, createdById: string | null, held: boolean) {
    const search = spec.search;
    if (search.kind !== 'tpe' || !spec.objective) return { trials: [], runIds: [] };
    const objective = spec.objective;
    const trials = await tx.sweepTrial.findMany({ where: { sweepId }, orderBy: { index: 'asc' } });
    const runs = await objectiveRuns(tx, sweepId, objective.selection);
    const { states, history } = trialStates(
      trials.map((t) => ({ index: t.index, params: t.params as Record<string, ParameterValue> })),
      runs,
      objective,
    );
    let open = states.filter((s) => !s.finished).length;
    const created: { trials: number[]; runIds: string[] } = { trials: [], runIds: [] };
    if (open >= search.parallelTrials || trials.length >= search.budget) return created;
    const sources = await resolveDatasets(tx, spec.sources, 'train', (_s, i) => `sources.${i}`);
    const targets = spec.targets ?? (await tx.sweep.findUniqueOrThrow({ where: { id: sweepId } })).targets;
    for (let index = trials.length; index < search.budget && open < search.parallelTrials; index++, open++) {
      const proposal = tpeProposal(search, index, history, objective.goal);
      const point = configAt(spec, proposal.params, index, dataRootsOf(this.env));
      await tx.sweepTrial.create({
        data: { sweepId, index, params: proposal.params, configId: point.configId, source: proposal.source, observed: history.length },
      });
      const newRuns = pointRuns({
        sweepId,
        scope: `${sweepId}/trial-${index}`,
        point,
        sources,
        seeds: spec.seeds,
        targets,
        targetSplit: spec.targetSplit,
        priority: JOB_PRIORITY[spec.priority],
        createdById,
        heldReason: held ? HELD_FOR_SCHEDULER : null,
        trial: index,
      });
      created.runIds.push(...(await insertRuns(tx, newRuns)).map((run) => run.id));
      created.trials.push(index);
    }
    return created;
  }

  /**
   * The sweep's budgets applied to its queued runs: with maxGpuHours spent, every run not started is held; otherwise
   * held runs are released, oldest trial first, while fewer than maxConcurrentRuns are queued or running.
   */
  private async admit(
    tx: Tx,
    sweep: { id: string; maxConcurrentRuns: number | null; maxGpuHours: number | null },
  ): Promise<{ released: string[]; held: string[] }> {
    const queued = await tx.run.findMany({
      where: { sweepId: sweep.id, status: 'queued' },
      select: { id: true, heldReason: true },
      orderBy: [{ trial: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
    });
    if (queued.length === 0) return { released: [], held: [] };
    const used = (await sweepBudgetStats(tx, sweep.id)).gpuHours;
    if (sweep.maxGpuHours !== null && used >= sweep.maxGpuHours) {
      const reason = `maxGpuHours ${sweep.maxGpuHours} spent (${used.toFixed(2)} worker hours used): raise it with PATCH /sweeps/${sweep.id} to start the rest`;
      const newlyHeld = queued.filter((r) => r.heldReason === null).map((r) => r.id);
      await tx.run.updateMany({ where: { id: { in: queued.map((r) => r.id) }, status: 'queued', ...unlessHeldFor(reason) }, data: { heldReason: reason } });
      return { released: [], held: newlyHeld };
    }
    const running = await tx.run.count({ where: { sweepId: sweep.id, status: 'running' } });
    const admitted = queued.filter((r) => r.heldReason === null).length;
    const room = sweep.maxConcurrentRuns === null ? Infinity : Math.max(0, sweep.maxConcurrentRuns - running - admitted);
    const waiting = queued.filter((r) => r.heldReason !== null);
    const released = waiting.slice(0, room).map((r) => r.id);
    if (released.length > 0) await tx.run.updateMany({ where: { id: { in: released } }, data: { heldReason: null } });
    const stillHeld = waiting.slice(released.length).map((r) => r.id);
    const slotReason = `waiting for a slot: maxConcurrentRuns ${sweep.maxConcurrentRuns} (${running} running, ${admitted + released.length} queued)`;
    if (stillHeld.length > 0) await tx.run.updateMany({ where: { id: { in: stillHeld }, ...unlessHeldFor(slotReason) }, data: { heldReason: slotReason } });
    return { released, held: [] };
  }

  /** Removes the waiting jobs of runs a spent budget now holds (a job a worker took meanwhile finds the run held and skips). */
  private async unqueue(runIds: string[]): Promise<void> {
    for (const id of runIds)
      await this.queue.queues
        .forget(QueueName.Train, jobIdOf(QueueName.Train, { runId: id }))
        .catch((error: Error) => this.logger.warn(`the waiting job of held run ${id} stays queued (a worker will skip it): ${error.message}`));
  }
}

/** Runs not already held for exactly this reason: a round that changes nothing rewrites no row. */
function unlessHeldFor(reason: string) {
  return { OR: [{ heldReason: null }, { heldReason: { not: reason } }] };
}

/** Each run of the sweep with what an objective reads: its source-val accuracy and its scores under the selection. */
export async function objectiveRuns(tx: Tx, sweepId: string, selection: ModelSelection): Promise<ObjectiveRun[]> {
  const runs = await tx.$queryRawUnsafe<{ id: string; trial: number | null; status: RunStatus; sourceDomain: string; targets: string[]; sourceVal: number | null }[]>(
    `SELECT r.id, r.trial, r.status::text AS status, r."sourceDomain", r.targets, m."sourceValAccuracy" AS "sourceVal"
       FROM "Run" r
       LEFT JOIN "EpochMetric" m ON m."runId" = r.id
        AND m.epoch = CASE WHEN $2::text = 'source-val' THEN r."sourceValBestEpoch" ELSE r.epoch END
      WHERE r."sweepId" = $1`,
    sweepId,
    selection,
  );
  const { text, values } = selectedEvaluationsQuery({ selection, sweepId, statuses: ['succeeded', 'pruned'] });
  const evaluations = await tx.$queryRawUnsafe<SelectedEvaluationRow[]>(text, ...values);
  const selected = new Map<string, Record<string, number>>();
  for (const e of evaluations) selected.set(e.runId, { ...(selected.get(e.runId) ?? {}), [e.domain]: e.accuracy });
  return runs.map((run) => ({ ...run, selected: selected.get(run.id) ?? {} }));
}

/**
 * A sweep's budget figures in one statement: worker hours spent (each started run's time from its start to its end, or
 * to now while open), runs held, trials proposed.
 */
export async function sweepBudgetStats(tx: Tx | PrismaService['client'], sweepId: string): Promise<{ gpuHours: number; held: number; trials: number }> {
  const [row] = await tx.$queryRawUnsafe<{ gpuHours: number; held: number; trials: number }[]>(
    `SELECT coalesce(sum(extract(epoch FROM (coalesce("finishedAt", now()) - "startedAt"))) FILTER (WHERE "startedAt" IS NOT NULL), 0)::float8 / 3600 AS "gpuHours",
            count(*) FILTER (WHERE status = 'queued' AND "heldReason" IS NOT NULL)::int AS held,
            (SELECT count(*)::int FROM "SweepTrial" t WHERE t."sweepId" = $1) AS trials
       FROM "Run" WHERE "sweepId" = $1`,
    sweepId,
  );
  return row;
}
