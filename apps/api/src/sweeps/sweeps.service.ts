import {
  AblationBasis,
  AblationRow,
  contentId,
  DEFAULT_MODEL_SELECTION,
  ModelSelection,
  ParameterEffectDto,
  QueueName,
  RUN_STATUSES,
  RunStatus,
  SweepCreatedDto,
  SweepDetailDto,
  SweepPlanDto,
  SweepImportanceDto,
  SweepRerunDto,
  SweepRunPointDto,
  SweepSpec,
  sweepSpecSchema,
  SweepGrowth,
  SweepGrownDto,
  SweepSummaryDto,
  SweepTrialDto,
  RungResultDto,
} from '@fer/contracts';
import {
  assertSearchRules,
  expandSearchSpace,
  trialStates,
  type ObjectiveRun,
  JOB_PRIORITY,
  jobIdOf,
  parameterImportance,
  recordRunOutcome,
  selectedEvaluationsQuery,
  type SelectedEvaluationRow,
  sweepBestQuery,
  type SweepBestRow,
  sweepStatus,
} from '@fer/experiments';
import { Inject, Injectable } from '@nestjs/common';
import { API_ENV, ApiEnv, dataRootsOf } from '../config/api-env.schema';
import { ApiError } from '../common/api-error';
import { resolveSubmission } from '../datasets/dataset-resolver';
import { SubmissionCatalogCache } from '../datasets/submission-catalog.cache';
import { QueueService } from '../queues/queue.service';
import { PrismaService } from '../database/prisma.service';
import { insertRuns, NewRun, toRunSummary } from '../runs/run-records';
import { assertWeightsFiles } from '../runs/weights-file';
import { objectiveRuns, SweepSchedulerService, sweepBudgetStats } from './sweep-scheduler.service';
import { TrainDispatchService } from '../queues/train-dispatch.service';
import { HELD_FOR_SCHEDULER, isBudgeted, isScheduled, pointRuns } from './sweep-runs';

@Injectable()
export class SweepsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly queue: QueueService,
    private readonly scheduler: SweepSchedulerService,
    private readonly dispatch: TrainDispatchService,
    private readonly catalogs: SubmissionCatalogCache,
    @Inject(API_ENV) private readonly env: ApiEnv,
  ) {}

  /**
   * What a spec would create, validated exactly as creating it is (benchmark, expansion, weights files, datasets of
   * every source and target) and nothing stored: the runs, and how they multiply out (a tpe search: its budget's runs,
   * the startup trials listed as its configs).
   */
  async plan(spec: SweepSpec): Promise<SweepPlanDto> {
    const { plannedRuns, points, sources, targets } = await this.expand(spec, null);
    return {
      runs: plannedRuns,
      configs: points.map((p) => ({ configId: p.configId, params: p.params })),
      sources: sources.map((s) => s.domain),
      seeds: spec.seeds,
      targets,
    };
  }

  private async expand(spec: SweepSpec, createdById: string | null, existingSweepId?: string) {
    const resolved = await resolveSubmission(
      this.prisma,
      {
        benchmark: spec.benchmark,
        sources: spec.sources,
        sourceField: (_source, i) => `sources.${i}`,
        targets: spec.targets,
        targetSplit: spec.targetSplit,
        targetField: (target, i) => (spec.targets ? `targets.${i}` : `benchmark (domain ${target})`),
      },
      this.catalogs,
    );
    const points = expandSearchSpace(spec, dataRootsOf(this.env));
    await assertWeightsFiles(points, 'base', dataRootsOf(this.env));
    const targets = spec.targets ?? resolved.benchmark.domains;
    assertSearchRules(spec, points, targets);
    const { sources } = resolved.datasets();
    const sweepId = existingSweepId ?? contentId('swp', spec);
    const priority = JOB_PRIORITY[spec.priority];
    // A tpe search's runs are created trial by trial by the scheduler; the others are all known now.
    const held = isBudgeted(spec) ? HELD_FOR_SCHEDULER : null;
    const runs: NewRun[] =
      spec.search.kind === 'tpe'
        ? []
        : points.flatMap((point) =>
            pointRuns({ sweepId, scope: sweepId, point, sources, seeds: spec.seeds, targets, targetSplit: spec.targetSplit, priority, createdById, heldReason: held }),
          );
    const plannedRuns = spec.search.kind === 'tpe' ? spec.search.budget * sources.length * spec.seeds.length : runs.length;
    return { sweepId, runs, points, sources, targets, plannedRuns };
  }

  /** Validates everything first (as plan does), then stores the sweep and its runs in one transaction: whole or nothing. */
  async create(spec: SweepSpec, createdById: string | null): Promise<SweepCreatedDto> {
    const { sweepId, runs, targets } = await this.expand(spec, createdById);
    const created = await this.prisma.client.$transaction(async (tx) => {
      // ON CONFLICT DO NOTHING: the same spec submitted concurrently is one sweep, not a 409 for the later ones.
      await tx.sweep.createMany({
        data: [
          {
            id: sweepId,
            name: spec.name,
            benchmark: spec.benchmark,
            spec: spec as object,
            baseConfig: spec.base as object,
            searchSpace: spec.search as object,
            seeds: spec.seeds,
            sources: spec.sources,
            targets,
            createdById,
            maxConcurrentRuns: spec.maxConcurrentRuns ?? null,
            maxGpuHours: spec.maxGpuHours ?? null,
            autoRefresh: spec.autoRefresh,
          },
        ],
        skipDuplicates: true,
      });
      return (await insertRuns(tx, runs)).map((run) => run.id);
    });
    const scheduled = await this.startRuns(sweepId, isScheduled(spec), created);
    return { sweep: await this.summary(sweepId), runsCreated: created.length + scheduled, runsExisting: runs.length - created.length };
  }

  /**
   * New runs go to the queue: through the scheduler when the sweep has a searcher or budgets (it proposes the first
   * trials and releases what the budgets allow), straight away otherwise. Returns the runs the scheduler created.
   */
  private async startRuns(sweepId: string, scheduled: boolean, runIds: string[]): Promise<number> {
    if (!scheduled) {
      await this.dispatch.enqueueOrDefer(runIds);
      return 0;
    }
    return (await this.scheduler.schedule(sweepId)).runsCreated;
  }

  /**
   * Grows a sweep: more seeds, sources, grid values or budget (or new budgets). Only the runs that did not exist are
   * created (run ids are a function of the sweep, config, source and seed); finished runs are never touched.
   */
  async grow(id: string, growth: SweepGrowth): Promise<SweepGrownDto> {
    const sweep = await this.prisma.client.sweep.findUnique({ where: { id } });
    if (!sweep) throw ApiError.notFound('sweep', id);
    const spec = structuredClone(sweep.spec as unknown as SweepSpec);
    if (growth.seeds) spec.seeds = [...new Set([...spec.seeds, ...growth.seeds])];
    if (growth.sources) spec.sources = [...new Set([...spec.sources, ...growth.sources])];
    if (growth.values) {
      if (spec.search.kind !== 'grid')
        throw ApiError.validation('only a grid sweep takes new values', [{ field: 'values', message: `this sweep's search is ${spec.search.kind}: grow it with budget` }]);
      for (const [name, values] of Object.entries(growth.values)) {
        const current = spec.search.parameters[name];
        if (!current)
          throw ApiError.validation(`"${name}" is not a parameter of this grid`, [
            { field: `values.${name}`, message: `a new parameter would change every existing point; the grid varies ${Object.keys(spec.search.parameters).join(', ') || 'nothing'}` },
          ]);
        spec.search.parameters[name] = [...current, ...values.filter((v) => !current.includes(v))];
      }
    }
    if (growth.budget !== undefined) {
      if (spec.search.kind === 'grid')
        throw ApiError.validation('a grid sweep has no budget', [{ field: 'budget', message: 'grow a grid with values, seeds or sources' }]);
      if (growth.budget < spec.search.budget)
        throw ApiError.validation(`the budget can only grow (it is ${spec.search.budget})`, [{ field: 'budget', message: `at least ${spec.search.budget}` }]);
      spec.search.budget = growth.budget;
    }
    if (growth.maxConcurrentRuns !== undefined) spec.maxConcurrentRuns = growth.maxConcurrentRuns ?? undefined;
    if (growth.maxGpuHours !== undefined) spec.maxGpuHours = growth.maxGpuHours ?? undefined;
    const checked = sweepSpecSchema.safeParse(spec);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw ApiError.validation(`the grown sweep is invalid: ${issue.path.join('.')}: ${issue.message}`, [{ field: issue.path.join('.'), message: issue.message }]);
    }
    const { runs, targets } = await this.expand(checked.data, sweep.createdById, id);
    const created = await this.prisma.client.$transaction(async (tx) => {
      await tx.sweep.update({
        where: { id },
        data: {
          spec: checked.data as object,
          searchSpace: checked.data.search as object,
          seeds: checked.data.seeds,
          sources: checked.data.sources,
          targets,
          maxConcurrentRuns: checked.data.maxConcurrentRuns ?? null,
          maxGpuHours: checked.data.maxGpuHours ?? null,
          finishedAt: null,
        },
      });
      return (await insertRuns(tx, runs)).map((run) => run.id);
    });
    const scheduled = await this.startRuns(id, isScheduled(checked.data), created);
    return { sweep: await this.summary(id), runsCreated: created.length + scheduled };
  }

  /** The newest 500 sweeps, each with its best config group by target mean at the last epoch (one statement for all). */
  async list(): Promise<{ items: SweepSummaryDto[]; total: number }> {
    const sweeps = await this.prisma.client.sweep.findMany({ orderBy: { createdAt: 'desc' }, take: 500 });
    const items = await Promise.all(sweeps.map((s) => this.summary(s.id)));
    const { text, values } = sweepBestQuery({ selection: DEFAULT_MODEL_SELECTION, sweepIds: sweeps.map((s) => s.id) });
    const best = await this.prisma.client.$queryRawUnsafe<SweepBestRow[]>(text, ...values);
    const methods = new Map(
      (await this.prisma.client.config.findMany({ where: { id: { in: best.map((b) => b.groupKey) } }, select: { id: true, method: true } })).map((c) => [c.id, c.method]),
    );
    for (const item of items) {
      const row = best.find((b) => b.sweepId === item.id);
      item.best = row ? { groupKey: row.groupKey, method: methods.get(row.groupKey) ?? '?', source: row.source, targetMean: row.targetMean, runs: row.runs } : null;
    }
    return { items, total: await this.prisma.client.sweep.count() };
  }

  async summary(id: string): Promise<SweepSummaryDto> {
    const sweep = await this.prisma.client.sweep.findUnique({ where: { id } });
    if (!sweep) throw ApiError.notFound('sweep', id);
    const grouped = await this.prisma.client.run.groupBy({ by: ['status'], where: { sweepId: id }, _count: true, _sum: { progress: true } });
    const runCounts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
    let progressSum = 0;
    for (const group of grouped) {
      runCounts[group.status] = group._count;
      progressSum += group.status === 'queued' || group.status === 'running' ? (group._sum.progress ?? 0) : group._count;
    }
    const totalRuns = Object.values(runCounts).reduce((a, b) => a + b, 0);
    const stats = await sweepBudgetStats(this.prisma.client, id);
    // A tpe search between trials is still running: its trials to come count as queued for the status.
    const search = sweep.searchSpace as { kind?: string; budget?: number };
    const pendingTrials = search.kind === 'tpe' ? Math.max(0, (search.budget ?? 0) - stats.trials) : 0;
    return {
      id: sweep.id,
      name: sweep.name,
      status: sweepStatus({ ...runCounts, queued: runCounts.queued + pendingTrials }, sweep.cancelledAt !== null),
      benchmark: sweep.benchmark,
      createdAt: sweep.createdAt.toISOString(),
      runCounts,
      totalRuns,
      progress: totalRuns ? progressSum / totalRuns : 0,
      budget: {
        maxConcurrentRuns: sweep.maxConcurrentRuns,
        maxGpuHours: sweep.maxGpuHours,
        gpuHoursUsed: stats.gpuHours,
        held: stats.held,
        autoRefresh: sweep.autoRefresh,
      },
    };
  }

  async detail(id: string, selection: ModelSelection = DEFAULT_MODEL_SELECTION): Promise<SweepDetailDto> {
    const summary = await this.summary(id);
    const sweep = await this.prisma.client.sweep.findUniqueOrThrow({ where: { id } });
    const runs = await this.prisma.client.run.findMany({
      where: { sweepId: id },
      include: { config: { select: { method: true } } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    const spec = sweep.spec as unknown as SweepSpec;
    const variedParameters = Object.keys(spec.search?.parameters ?? {}).sort();
    // One read of the evaluations the selection picks, shared by the ablation and the explorer.
    const { text, values } = selectedEvaluationsQuery({ selection, sweepId: id });
    const evaluations = await this.prisma.client.$queryRawUnsafe<SelectedEvaluationRow[]>(text, ...values);
    const { rows, basis } = this.ablation(variedParameters, sweep.targets, selection, runs, evaluations);
    const runPoints = sweepRunPoints(runs, evaluations);
    return {
      sweep: summary,
      spec,
      runs: runs.map((run) => toRunSummary(run, run.config.method)),
      variedParameters,
      ablation: rows,
      ablationBasis: basis,
      runPoints,
      parameterEffects: parameterEffects(runPoints, variedParameters),
      importance: sweepImportance(runPoints, variedParameters),
      trials: await this.trials(id, spec, runs),
      rungs: await this.rungs(id),
    };
  }

  /** A tpe search's trials with their objective values (the scheduler's rule, trialStates). */
  private async trials(id: string, spec: SweepSpec, runs: { id: string; trial: number | null }[]): Promise<SweepTrialDto[]> {
    if (spec.search.kind !== 'tpe' || !spec.objective) return [];
    const trials = await this.prisma.client.sweepTrial.findMany({ where: { sweepId: id }, orderBy: { index: 'asc' } });
    const runsOfTrials: ObjectiveRun[] = await objectiveRuns(this.prisma.client, id, spec.objective.selection);
    const { states } = trialStates(
      trials.map((t) => ({ index: t.index, params: t.params as Record<string, string | number | boolean> })),
      runsOfTrials,
      spec.objective,
    );
    return trials.map((trial, i) => ({
      index: trial.index,
      params: trial.params as Record<string, string | number | boolean>,
      source: trial.source,
      observed: trial.observed,
      proposedAt: trial.proposedAt.toISOString(),
      finished: states[i].finished,
      value: states[i].value,
      runIds: runs.filter((run) => run.trial === trial.index).map((run) => run.id),
    }));
  }

  private async rungs(id: string): Promise<RungResultDto[]> {
    const rows = await this.prisma.client.rungResult.findMany({ where: { sweepId: id }, orderBy: [{ rung: 'asc' }, { createdAt: 'asc' }] });
    return rows.map((r) => ({ runId: r.runId, sourceDomain: r.sourceDomain, bracket: r.bracket, rung: r.rung, value: r.value * 100, cutoff: r.cutoff === null ? null : r.cutoff * 100, stop: r.stop }));
  }

  /**
   * One row per value of each varied parameter and source domain: mean accuracy, under the selection in force (the
   * leaderboard's rule, selectedEvaluationsQuery), of the succeeded runs with that value, per domain, over all domains
   * and over the targets. Unfinished runs are left out and counted.
   */
  private ablation(
    parameters: string[],
    targets: string[],
    selection: ModelSelection,
    runs: { id: string; status: string; params: unknown; sourceDomain: string }[],
    evaluations: SelectedEvaluationRow[],
  ): { rows: AblationRow[]; basis: AblationBasis } {
    const excludedUnfinished = runs.filter((run) => run.status === 'queued' || run.status === 'running').length;
    const basis: AblationBasis = { selection, excludedUnfinished };
    if (parameters.length === 0) return { rows: [], basis };
    const runsById = new Map(runs.map((run) => [run.id, run]));
    const rows: AblationRow[] = [];
    for (const parameter of parameters) {
      const groups = new Map<string, { value: string | number | boolean; source: string; acc: Map<string, number[]>; runs: Set<string> }>();
      for (const evaluation of evaluations) {
        const run = runsById.get(evaluation.runId)!;
        const value = (run.params as Record<string, string | number | boolean>)[parameter];
        if (value === undefined) continue;
        const source = run.sourceDomain;
        const key = `${source}\u0000${JSON.stringify(value)}`;
        const entry = groups.get(key) ?? { value, source, acc: new Map(), runs: new Set() };
        entry.acc.set(evaluation.domain, [...(entry.acc.get(evaluation.domain) ?? []), evaluation.accuracy * 100]);
        entry.runs.add(evaluation.runId);
        groups.set(key, entry);
      }
      const ordered = [...groups.values()].sort((a, b) => a.source.localeCompare(b.source) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
      for (const entry of ordered) {
        const perDomain = Object.fromEntries(targets.map((t) => [t, mean(entry.acc.get(t) ?? [])]));
        const present = (domains: string[]) => domains.map((d) => perDomain[d]).filter((v): v is number => v !== null && v !== undefined);
        rows.push({
          parameter,
          value: entry.value,
          source: entry.source,
          perDomain,
          mean: mean(present(targets)),
          targetMean: mean(present(targets.filter((t) => t !== entry.source))),
          runs: entry.runs.size,
        });
      }
    }
    return { rows, basis };
  }

  /**
   * Re-queues a sweep's runs in the given statuses (failed, cancelled) as new attempts of the same runs: same ids, their
   * checkpoints resumed, their attempts counted on. A cancelled sweep whose cancelled runs are re-run is open again.
   */
  async rerun(id: string, statuses: ('failed' | 'cancelled')[]): Promise<SweepRerunDto> {
    const sweepRow = await this.prisma.client.sweep.findUnique({ where: { id } });
    if (!sweepRow) throw ApiError.notFound('sweep', id);
    const runs = await this.prisma.client.run.findMany({ where: { sweepId: id, status: { in: statuses } }, select: { id: true } });
    const ids = runs.map((r) => r.id);
    if (ids.length > 0) {
      await this.prisma.client.$transaction([
        this.prisma.client.run.updateMany({
          where: { id: { in: ids }, status: { in: statuses } },
          data: {
            status: 'queued',
            cancelRequested: false,
            error: null,
            finishedAt: null,
            trainedAt: null,
            heldReason: isBudgeted(sweepRow) ? HELD_FOR_SCHEDULER : null,
          },
        }),
        ...(statuses.includes('cancelled') ? [this.prisma.client.sweep.update({ where: { id }, data: { cancelledAt: null, finishedAt: null } })] : []),
      ]);
      for (const runId of ids) await this.queue.queues.forget(QueueName.Train, jobIdOf(QueueName.Train, { runId })).catch(() => undefined);
      await this.startRuns(id, isScheduled(sweepRow.spec as unknown as SweepSpec), ids);
    }
    return { sweep: await this.summary(id), rerun: ids };
  }

  async cancel(id: string): Promise<SweepSummaryDto> {
    await this.summary(id);
    await this.prisma.client.sweep.update({ where: { id }, data: { cancelledAt: new Date() } });
    const queued = await this.prisma.client.run.findMany({ where: { sweepId: id, status: 'queued' }, select: { id: true } });
    await this.prisma.client.run.updateMany({
      where: { sweepId: id, status: { in: ['queued', 'running'] } },
      data: { cancelRequested: true },
    });
    const cancelled = await this.prisma.client.run.updateManyAndReturn({
      where: { id: { in: queued.map((r) => r.id) }, status: 'queued' },
      data: { status: 'cancelled', finishedAt: new Date() },
      select: { id: true },
    });
    for (const run of queued) await this.queue.queues.forget(QueueName.Train, jobIdOf(QueueName.Train, { runId: run.id })).catch(() => undefined);
    // Workers announce the runs they stop; queued runs never reached one, so their outcomes (and, after the last
    // open run, sweep.completed) are recorded here.
    for (const run of cancelled) await recordRunOutcome(this.prisma.ledger, run.id);
    return this.summary(id);
  }
}

function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

type ParamValue = string | number | boolean;

/**
 * The sweep explorer's points: each succeeded run (the selected evaluations are of succeeded runs only) with its
 * accuracy % per domain under the selection and its target mean, the mean over its targets other than its source
 * domain (the leaderboard's and the ablation's rule for one run).
 */
export function sweepRunPoints(
  runs: { id: string; configId: string; seed: number; sourceDomain: string; targets: string[]; params: unknown; status: string }[],
  evaluations: SelectedEvaluationRow[],
): SweepRunPointDto[] {
  const byRun = new Map<string, Map<string, number[]>>();
  for (const evaluation of evaluations) {
    const domains = byRun.get(evaluation.runId) ?? new Map<string, number[]>();
    domains.set(evaluation.domain, [...(domains.get(evaluation.domain) ?? []), evaluation.accuracy * 100]);
    byRun.set(evaluation.runId, domains);
  }
  return runs
    .filter((run) => run.status === 'succeeded' && byRun.has(run.id))
    .map((run) => {
      const perDomain = Object.fromEntries([...byRun.get(run.id)!].map(([domain, accuracies]) => [domain, mean(accuracies)!]));
      const targets = Object.keys(perDomain).filter((domain) => domain !== run.sourceDomain && (run.targets.length === 0 || run.targets.includes(domain)));
      return {
        runId: run.id,
        configId: run.configId,
        seed: run.seed,
        source: run.sourceDomain,
        params: (run.params ?? {}) as Record<string, ParamValue>,
        perDomain,
        targetMean: mean(targets.map((domain) => perDomain[domain])),
      };
    });
}

/** Mean ± sample std of the runs' target means per (parameter, value, source), ordered as the ablation is. */
export function parameterEffects(points: SweepRunPointDto[], parameters: string[]): ParameterEffectDto[] {
  const effects: ParameterEffectDto[] = [];
  for (const parameter of parameters) {
    const groups = new Map<string, { value: ParamValue; source: string; values: number[]; seeds: Set<number> }>();
    for (const point of points) {
      const value = point.params[parameter];
      if (value === undefined || point.targetMean === null) continue;
      const key = `${point.source}\u0000${JSON.stringify(value)}`;
      const group = groups.get(key) ?? { value, source: point.source, values: [], seeds: new Set() };
      group.values.push(point.targetMean);
      group.seeds.add(point.seed);
      groups.set(key, group);
    }
    const ordered = [...groups.values()].sort((a, b) => a.source.localeCompare(b.source) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    for (const group of ordered) {
      const m = mean(group.values)!;
      const n = group.values.length;
      effects.push({
        parameter,
        value: group.value,
        source: group.source,
        mean: m,
        std: n > 1 ? Math.sqrt(group.values.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1)) : null,
        runs: n,
        seeds: [...group.seeds].sort((a, b) => a - b),
      });
    }
  }
  return effects;
}

/** The forest's settings for a page's request: small enough to answer in well under a second at 5,000 runs. */
const SWEEP_FOREST = { trees: 50, maxDepth: 6, minLeaf: 1, repeats: 5, seed: 0, maxForestSamples: 500 };

/**
 * Correlation and random-forest permutation importance of each varied parameter for the runs' target means, with the
 * source domain as one more (unswept) factor when the runs come from more than one source.
 */
export function sweepImportance(points: SweepRunPointDto[], parameters: string[]): SweepImportanceDto {
  const scored = points.filter((point) => point.targetMean !== null);
  const withSource = new Set(scored.map((point) => point.source)).size > 1 && !parameters.includes('source');
  const factors = withSource ? [...parameters, 'source'] : parameters;
  const result = parameterImportance(
    scored.map((point) => ({ id: point.runId, params: withSource ? { ...point.params, source: point.source } : point.params, target: point.targetMean! })),
    factors,
    SWEEP_FOREST,
  );
  const { maxForestSamples: _cap, ...forest } = result.forest;
  return {
    runs: result.samples,
    forestRuns: result.forestSamples,
    forest,
    baselineOobMse: result.baselineOobMse,
    factors: result.parameters.map((p) => ({ ...p, swept: parameters.includes(p.parameter) })),
  };
}
