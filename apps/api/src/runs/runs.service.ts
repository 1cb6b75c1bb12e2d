import {
  selectionQuerySchema,
  contentId,
  EvaluationDto,
  ModelSelection,
  QueueName,
  RUN_STATUSES,
  RunDetailDto,
  RunLogLineDto,
  RunSelectionDto,
  RunsTableDto,
  RunStatus,
  RunSummaryDto,
  trainingConfigSchema,
  TargetSplit,
  targetSplitSchema,
} from '@fer/contracts';
import {
  assertRunnable,
  JOB_PRIORITY,
  jobIdOf,
  parseStoredConfig,
  recordRunOutcome,
  parseRunFilter,
  runId,
  runsTableGroupsQuery,
  runsTableQuery,
  selectedEvaluationsQuery,
  type RunsTableGroupRow,
  type RunsTableRow,
  type SelectedEvaluationRow,
} from '@fer/experiments';
import { Inject, Injectable } from '@nestjs/common';
import { API_ENV, ApiEnv, dataRootsOf } from '../config/api-env.schema';
import { z } from 'zod';
import { ApiError, ApiErrorCode } from '../common/api-error';
import { resolveSubmission } from '../datasets/dataset-resolver';
import { SubmissionCatalogCache } from '../datasets/submission-catalog.cache';
import { QueueService } from '../queues/queue.service';
import { PrismaService } from '../database/prisma.service';
import { insertRuns, toRunSummary, type RunRow } from './run-records';
import { TrainDispatchService } from '../queues/train-dispatch.service';
import { assertWeightsFiles } from './weights-file';

export const createRunSchema = z
  .object({
    config: trainingConfigSchema.default(trainingConfigSchema.parse({})),
    source: z.string().min(1),
    benchmark: z.string().default('fer5'),
    targets: z.array(z.string().min(1)).min(1).max(50).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    priority: z.enum(['interactive', 'background']).default('interactive'),
    targetSplit: targetSplitSchema.default('test'),
  })
  .strict();
export type CreateRunInput = z.output<typeof createRunSchema>;

export const retrainSchema = z
  .object({
    /** Re-run this config (its id), or the config of this run. */
    configId: z.string().optional(),
    runId: z.string().optional(),
    /** Source domain or dataset name; default: the original run's source domain. */
    source: z.string().optional(),
    seeds: z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(100),
    benchmark: z.string().default('fer5'),
    targets: z.array(z.string().min(1)).min(1).max(50).optional(),
    targetSplit: targetSplitSchema.default('test'),
  })
  .strict()
  .refine((b) => Boolean(b.configId) !== Boolean(b.runId), { message: 'give exactly one of configId or runId', path: ['configId'] });

@Injectable()
export class RunsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly queue: QueueService,
    private readonly dispatch: TrainDispatchService,
    private readonly catalogs: SubmissionCatalogCache,
    @Inject(API_ENV) private readonly env: ApiEnv,
  ) {}

  async create(input: CreateRunInput, createdById: string | null): Promise<RunSummaryDto> {
    const [run] = await this.createMany(input.config, input.source, [input.seed], input, createdById);
    return run;
  }

  /** Re-runs a config on the newest version of a dataset with new seeds. */
  async retrain(input: z.output<typeof retrainSchema>, createdById: string | null): Promise<RunSummaryDto[]> {
    let configBody: unknown;
    let source = input.source;
    if (input.runId) {
      const run = await this.prisma.client.run.findUnique({ where: { id: input.runId }, include: { config: true } });
      if (!run) throw ApiError.notFound('run', input.runId);
      configBody = run.config.body;
      source ??= run.sourceDomain;
    } else {
      const config = await this.prisma.client.config.findUnique({ where: { id: input.configId! } });
      if (!config) throw ApiError.notFound('config', input.configId!);
      configBody = config.body;
    }
    if (!source) throw ApiError.validation('source is required with configId', [{ field: 'source', message: 'required with configId' }]);
    return this.createMany(parseStoredConfig(configBody), source, input.seeds, { ...input, priority: 'interactive' }, createdById);
  }

  private async createMany(
    config: z.output<typeof trainingConfigSchema>,
    sourceName: string,
    seeds: number[],
    options: { benchmark: string; targets?: string[]; targetSplit: TargetSplit; priority: 'interactive' | 'background' },
    createdById: string | null,
  ): Promise<RunSummaryDto[]> {
    assertRunnable(config, 'config', dataRootsOf(this.env));
    await assertWeightsFiles([{ config }], 'config', dataRootsOf(this.env));
    const resolved = await resolveSubmission(
      this.prisma,
      {
        benchmark: options.benchmark,
        sources: [sourceName],
        sourceField: () => 'source',
        targets: options.targets,
        targetSplit: options.targetSplit,
        targetField: (_target, i) => `targets.${i}`,
      },
      this.catalogs,
    );
    const [source] = resolved.datasets().sources;
    const targets = options.targets ?? resolved.benchmark.domains;
    const configId = contentId('cfg', config);
    const runs = seeds.map((seed) => ({
      id: runId({ scope: 'single', configId, sourceDatasetId: source.id, seed, targets, targetSplit: options.targetSplit }),
      configId,
      config,
      params: {},
      sourceDatasetId: source.id,
      sourceDomain: source.domain,
      targets,
      targetSplit: options.targetSplit,
      seed,
      priority: JOB_PRIORITY[options.priority],
      sweepId: null,
      createdById,
    }));
    // One statement (insertRuns): atomic without a transaction around it, and it returns the new runs' summaries.
    const created = new Map((await insertRuns(this.prisma, runs)).map((run) => [run.id, run]));
    const summaryOf = async (id: string) => {
      const run = created.get(id);
      return run ? toRunSummary(run, run.method) : this.summary(id);
    };
    // Redis down is not fatal: the runs are stored as queued and the reconciler enqueues them later. Runs that
    // existed already (the same seed submitted again) are read meanwhile.
    const [summaries] = await Promise.all([
      Promise.all(runs.map((run) => summaryOf(run.id))),
      this.dispatch.enqueueOrDefer([...created.values()]),
    ]);
    return summaries;
  }

  async list(query: { sweepId?: string; status?: string; limit?: number }) {
    const status = query.status && (RUN_STATUSES as readonly string[]).includes(query.status) ? (query.status as (typeof RUN_STATUSES)[number]) : undefined;
    if (query.status && !status) {
      throw ApiError.validation(`unknown status "${query.status}"`, [{ field: 'status', message: `one of ${RUN_STATUSES.join(', ')}` }]);
    }
    const where = { sweepId: query.sweepId, status };
    const [runs, total] = await Promise.all([
      this.prisma.client.run.findMany({
        where,
        include: { config: { select: { method: true } } },
        orderBy: { createdAt: 'desc' },
        take: Math.min(query.limit ?? 200, 1000),
      }),
      this.prisma.client.run.count({ where }),
    ]);
    return { items: runs.map((run) => toRunSummary(run, run.config.method)), total };
  }

  /** One page of the runs table (runsTableQuery): filter, sort and page in PostgreSQL; groups when asked for. */
  async table(query: RunsTableQueryInput): Promise<RunsTableDto> {
    const filter = parseRunFilter(query.filter);
    const input = { selection: query.selection, sweepId: query.sweepId, filter, sort: query.sort, order: query.order, limit: query.limit, offset: query.offset };
    const page = runsTableQuery(input);
    const rows = await this.prisma.client.$queryRawUnsafe<RunsTableRow[]>(page.text, ...page.values);
    let groups: RunsTableGroupRow[] | null = null;
    if (query.groupBy) {
      const grouped = runsTableGroupsQuery({ ...input, groupBy: query.groupBy });
      groups = await this.prisma.client.$queryRawUnsafe<RunsTableGroupRow[]>(grouped.text, ...grouped.values);
    }
    return {
      selection: query.selection,
      total: rows[0]?.total ?? 0,
      offset: query.offset,
      limit: query.limit,
      rows: rows.map((r) => ({
        id: r.id,
        sweepId: r.sweepId,
        method: r.method,
        sourceDomain: r.sourceDomain,
        seed: r.seed,
        status: r.status as RunStatus,
        heldReason: r.heldReason,
        configId: r.configId,
        createdAt: r.createdAt.toISOString(),
        params: r.params,
        accuracy: r.acc ?? {},
        targetMean: r.targetMean,
        sourceAccuracy: r.sourceAccuracy,
      })),
      parameters: [...new Set(rows.flatMap((r) => Object.keys(r.params)))].sort(),
      domains: [...new Set(rows.flatMap((r) => Object.keys(r.acc ?? {})))].sort(),
      groups,
    };
  }

  async summary(id: string): Promise<RunSummaryDto> {
    const run = await this.prisma.one<RunRow & { method: string }>(
      'run-summary',
      'SELECT r.*, r.status::text AS status, c.method FROM "Run" r JOIN "Config" c ON c.id = r."configId" WHERE r.id = $1',
      [id],
    );
    if (!run) throw ApiError.notFound('run', id);
    return toRunSummary(run, run.method);
  }

  async detail(id: string, selection: ModelSelection = 'last'): Promise<RunDetailDto> {
    const run = await this.prisma.client.run.findUnique({
      where: { id },
      include: {
        config: true,
        sweep: { select: { baseConfig: true } },
        metrics: { orderBy: { epoch: 'asc' } },
        evaluations: { orderBy: [{ domain: 'asc' }, { epoch: 'asc' }] },
        artifacts: { orderBy: { createdAt: 'asc' } },
      },
    });
    if (!run) throw ApiError.notFound('run', id);
    return {
      run: toRunSummary(run, run.config.method),
      config: parseStoredConfig(run.config.body),
      baseConfig: run.sweep ? parseStoredConfig(run.sweep.baseConfig) : null,
      targets: run.targets,
      metrics: run.metrics.map(({ runId: _r, createdAt: _c, ...m }) => m),
      evaluations: run.evaluations.map(toEvaluationDto),
      sourceValBestEpoch: run.sourceValBestEpoch,
      selected: await this.selected(run, selection),
      artifacts: run.artifacts.map((a) => ({ ...a, bytes: Number(a.bytes), createdAt: a.createdAt.toISOString() })),
    };
  }

  /** What a selection picks for this run: the same rule (selectedEvaluationsQuery) as the leaderboard and the ablation. */
  private async selected(
    run: { id: string; status: string; sourceValBestEpoch: number | null; evaluations: Parameters<typeof toEvaluationDto>[0][] },
    selection: ModelSelection,
  ): Promise<RunSelectionDto> {
    const { text, values } = selectedEvaluationsQuery({ selection, runId: run.id });
    const picked = await this.prisma.client.$queryRawUnsafe<SelectedEvaluationRow[]>(text, ...values);
    const ids = new Set(picked.map((p) => p.id));
    const evaluations = run.evaluations.filter((e) => ids.has(e.id)).map(toEvaluationDto);
    let unavailable: string | null = null;
    if (evaluations.length === 0) {
      if (selection === 'source-val' && run.sourceValBestEpoch === null && run.evaluations.length > 0)
        unavailable = 'this run held out no source data (selection "last"), so training-domain validation cannot pick an epoch';
      else if (selection === 'last' && run.status !== 'succeeded') unavailable = 'the last epoch is not scored yet';
      else unavailable = 'no epoch is scored yet';
    }
    return { selection, evaluations, unavailable };
  }

  async logs(id: string, afterId = 0n): Promise<{ lines: (RunLogLineDto & { id: string })[] }> {
    await this.summary(id);
    const rows = await this.prisma.client.runLog.findMany({ where: { runId: id, id: { gt: afterId } }, orderBy: { id: 'asc' }, take: 5000 });
    return { lines: rows.map((r) => ({ id: r.id.toString(), at: r.at.toISOString(), level: r.level as RunLogLineDto['level'], message: r.message })) };
  }

  async cancel(id: string): Promise<RunSummaryDto> {
    const run = await this.summary(id);
    if (run.status === 'queued') {
      const { count } = await this.prisma.client.run.updateMany({
        where: { id, status: 'queued' },
        data: { status: 'cancelled', cancelRequested: true, finishedAt: new Date() },
      });
      await this.queue.queues.forget(QueueName.Train, jobIdOf(QueueName.Train, { runId: id })).catch(() => undefined);
      // A worker announces the runs it stops; a queued run never reached one, so its outcome is recorded here.
      if (count > 0) await recordRunOutcome(this.prisma.ledger, id);
    } else if (run.status === 'running') {
      // The worker polls this flag between steps, stops, frees the GPU and marks the run cancelled.
      await this.prisma.client.run.update({ where: { id }, data: { cancelRequested: true } });
    }
    return this.summary(id);
  }

  /** A failed or cancelled run starts over from its last checkpoint. */
  async retry(id: string): Promise<RunSummaryDto> {
    const run = await this.summary(id);
    if (run.status !== 'failed' && run.status !== 'cancelled') {
      throw new ApiError(ApiErrorCode.Conflict, `run ${id} is ${run.status}; only failed or cancelled runs can be retried`);
    }
    await this.prisma.client.run.update({
      where: { id },
      // A retry someone asked for is interactive work, whatever the run was queued as.
      data: { status: 'queued', cancelRequested: false, error: null, finishedAt: null, trainedAt: null, priority: JOB_PRIORITY.interactive },
    });
    await this.queue.queues.forget(QueueName.Train, jobIdOf(QueueName.Train, { runId: id }));
    await this.dispatch.enqueue([id]);
    return this.summary(id);
  }
}

export const runsTableQuerySchema = selectionQuerySchema.extend({
  sweepId: z.string().min(1).optional(),
  /** e.g. `method = cafe and lambdaDiverse > 1` (see parseRunFilter). */
  filter: z.string().max(2000).optional(),
  sort: z.string().regex(/^[A-Za-z][\w.-]*$/, 'a column, acc.<domain> or a parameter name').optional(),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  groupBy: z.string().regex(/^[A-Za-z][\w.-]*$/, 'a column or a parameter name').optional(),
});
export type RunsTableQueryInput = z.output<typeof runsTableQuerySchema>;

export function toEvaluationDto(e: {
  id: string;
  datasetId: string;
  domain: string;
  checkpoint: string;
  epoch: number;
  split: string;
  frozenEngine: string | null;
  accuracy: number;
  perClassAccuracy: number[];
  macroF1: number;
  confusion: unknown;
  n: number;
  createdAt: Date;
}): EvaluationDto {
  return {
    id: e.id,
    datasetId: e.datasetId,
    domain: e.domain,
    checkpoint: e.checkpoint,
    epoch: e.epoch,
    split: e.split,
    frozenEngine: e.frozenEngine,
    accuracy: e.accuracy,
    perClassAccuracy: e.perClassAccuracy,
    macroF1: e.macroF1,
    confusion: e.confusion as number[][],
    n: e.n,
    createdAt: e.createdAt.toISOString(),
  };
}
