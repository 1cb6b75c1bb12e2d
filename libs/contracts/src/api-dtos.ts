import type { EpochMetrics, EvaluationMetrics } from './metrics';
import type { ApiKeyRole, DatasetStatus, RunStatus, SweepStatus } from './run-status';
import type { FieldProblem } from './validation-error';
import type { SweepSpec } from './sweep-spec.schema';
import type { ModelSelection, TrainingConfig } from './training-config.schema';

/** Every error the API returns has this envelope. */
export interface ApiErrorBody {
  error: { status: number; code: string; message: string; problems?: FieldProblem[] };
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface SplitCounts {
  total: number;
  /** Counts in canonical label order. */
  perClass: number[];
}

export interface DatasetCounts {
  splits: Record<string, SplitCounts>;
  dropped: Record<string, number>;
}

export interface DatasetDto {
  id: string;
  name: string;
  format: string;
  domain: string;
  version: number;
  checksum: string;
  status: DatasetStatus;
  numClasses: number;
  counts: DatasetCounts;
  importReport: unknown;
  createdAt: string;
}

export interface DatasetSampleDto {
  key: string;
  split: string;
  label: number;
}

export interface BenchmarkDto {
  name: string;
  description: string;
  domains: string[];
  numClasses: number;
  /** Shipped with the platform (fer5, synth5): never archived or deleted. */
  builtIn: boolean;
  /** Archived: hidden from pickers and closed to new sweeps; its leaderboards stay readable. */
  archivedAt: string | null;
  /** Sweeps that ran on it (a benchmark in use is archived, never deleted). */
  sweeps: number;
  /** Newest ready dataset registered for each domain, or null. */
  datasets: Record<string, string | null>;
}

export interface RunSummaryDto {
  id: string;
  sweepId: string | null;
  configId: string;
  method: string;
  sourceDomain: string;
  sourceDatasetId: string;
  seed: number;
  status: RunStatus;
  /** 0..1 */
  progress: number;
  epoch: number;
  epochs: number;
  attempts: number;
  workerId: string | null;
  backend: string | null;
  /** The engine that computed its frozen features, e.g. `onnx (onnxruntime-node 1.30.0, cpu, 2 threads)`. */
  frozenEngine: string | null;
  error: string | null;
  priority: number;
  /** The sweep trial (tpe search) this run belongs to; null otherwise. */
  trial: number | null;
  /** Why this queued run waits outside the job queue (its sweep's maxConcurrentRuns or maxGpuHours); null otherwise. */
  heldReason: string | null;
  /** The run this one retrains on a newer source dataset version (lineage refresh). */
  replacesRunId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface EvaluationDto extends EvaluationMetrics {
  id: string;
  datasetId: string;
  domain: string;
  /** `epoch` (scored during training) or the kept checkpoint it was scored from after training (`last`, `source-val`). */
  checkpoint: string;
  /** The epoch whose model was scored. */
  epoch: number;
  /** The split of the target dataset that was scored (`unrecorded` for rows written before splits were recorded). */
  split: string;
  /** The engine that computed the frozen features it scored (`onnx`, `tfjs`); null when the method reads none, or for rows written before engines were recorded. */
  frozenEngine: string | null;
  createdAt: string;
}

/** What a model selection picks for one run: one evaluation per target dataset, or why there is none. */
export interface RunSelectionDto {
  selection: ModelSelection;
  evaluations: EvaluationDto[];
  /** Why the selection picks nothing yet (no held-out source split, not trained), when it picks nothing. */
  unavailable: string | null;
}

export interface ArtifactDto {
  id: string;
  kind: string;
  uri: string;
  sha256: string;
  bytes: number;
  createdAt: string;
}

export interface RunDetailDto {
  run: RunSummaryDto;
  config: TrainingConfig;
  /** The sweep's base config, to diff against; null for a run created alone. */
  baseConfig: TrainingConfig | null;
  targets: string[];
  metrics: EpochMetrics[];
  /** Every stored evaluation: each target at each scored epoch. */
  evaluations: EvaluationDto[];
  /** The epoch best on the held-out source split; null without a hold-out. */
  sourceValBestEpoch: number | null;
  /** What the selection in force (`?selection=`, default `last`) picks. */
  selected: RunSelectionDto;
  artifacts: ArtifactDto[];
}

export interface RunLogLineDto {
  at: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/** Server-sent events of `GET /runs/:id/events`; the SSE `event:` field is the `type`. */
export type RunEvent =
  | { type: 'status'; status: RunStatus; progress: number; epoch: number; error: string | null; startedAt: string | null; finishedAt: string | null }
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'evaluation'; evaluation: EvaluationDto }
  | { type: 'log'; line: RunLogLineDto };

export interface SweepSummaryDto {
  id: string;
  name: string;
  status: SweepStatus;
  benchmark: string;
  createdAt: string;
  runCounts: Record<RunStatus, number>;
  totalRuns: number;
  /** The best config group by target mean (last epoch, succeeded runs), in the sweeps list; absent elsewhere. */
  best?: { groupKey: string; method: string; source: string; targetMean: number; runs: number } | null;
  /** 0..1 over all runs. */
  progress: number;
  /** The sweep's budgets and what it has spent. */
  budget: SweepBudgetDto;
}

export interface SweepBudgetDto {
  maxConcurrentRuns: number | null;
  maxGpuHours: number | null;
  /** Worker hours spent: each started run's training time (start to end, or to now while it runs). */
  gpuHoursUsed: number;
  /** Queued runs held outside the job queue by these budgets. */
  held: number;
  autoRefresh: boolean;
}

/** One trial of a tpe search: the point proposed, how, and its objective once every run of it ended. */
export interface SweepTrialDto {
  index: number;
  params: Record<string, string | number | boolean>;
  /** `startup` (random draw) or `tpe` (modelled on the `observed` finished trials). */
  source: string;
  observed: number;
  proposedAt: string;
  finished: boolean;
  /** Mean of the objective over the trial's runs (percent); null while open or when no run produced one. */
  value: number | null;
  runIds: string[];
}

/** One run's value at one rung of the sweep's early-stopping rule, and the decision. */
export interface RungResultDto {
  runId: string;
  sourceDomain: string;
  bracket: number;
  rung: number;
  /** Percent. */
  value: number;
  cutoff: number | null;
  stop: boolean;
}

/** `PATCH /sweeps/:id`: the sweep grown (or its budgets changed) and the runs that were new. */
export interface SweepGrownDto {
  sweep: SweepSummaryDto;
  runsCreated: number;
}

/** `POST /benchmarks/:name/refresh`: what a new dataset version made stale, and what was done about it. */
export interface BenchmarkRefreshDto {
  benchmark: string;
  /** Runs scored again on the newest version of a target domain (their checkpoints exist: evaluation jobs only). */
  reevaluated: { runId: string; datasets: string[] }[];
  /** Runs retrained because their source dataset has a newer version: new runs, each naming the one it replaces. */
  retrained: { runId: string; newRunId: string; sourceDatasetId: string }[];
  /** Succeeded runs of the benchmark's sweeps that depend on no changed dataset: untouched. */
  unchanged: number;
}

/** One row per value of one varied parameter, averaged over everything else. */
/**
 * One value of one varied parameter, for one source domain: mean accuracy (percent) over the finished runs with that
 * value (every other setting and seed pooled), per domain, over all domains (the source included, as Table 1's mean)
 * and over the targets only. In-domain and cross-domain accuracy are never mixed across sources.
 */
export interface AblationRow {
  parameter: string;
  value: string | number | boolean;
  source: string;
  perDomain: Record<string, number | null>;
  mean: number | null;
  targetMean: number | null;
  runs: number;
}

/** What the ablation table is computed from, said beside it. */
export interface AblationBasis {
  selection: ModelSelection;
  /** Succeeded runs only: runs still queued or running are left out, and counted here. */
  excludedUnfinished: number;
}

/** One succeeded run of a sweep under the selection in force: a line of the parallel-coordinates view. */
export interface SweepRunPointDto {
  runId: string;
  configId: string;
  seed: number;
  source: string;
  params: Record<string, string | number | boolean>;
  /** Accuracy % per domain the selection picked an evaluation for, the source included. */
  perDomain: Record<string, number>;
  /** The run's mean accuracy % over its scored targets other than its source domain; null when none is scored. */
  targetMean: number | null;
}

/** Runs with one value of one varied parameter, trained on one source: mean ± std (sample) of their target means. */
export interface ParameterEffectDto {
  parameter: string;
  value: string | number | boolean;
  source: string;
  mean: number;
  /** Sample standard deviation over the runs (the seeds, and the other parameters' values when several vary); null for one run. */
  std: number | null;
  runs: number;
  seeds: number[];
}

/** One factor's importance for the target mean, each measure named for what it is. */
export interface ParameterImportanceDto {
  /** A varied parameter, or `source` (the source domain) when the sweep trains on more than one. */
  parameter: string;
  swept: boolean;
  /** numeric: as it is; boolean: 0/1; one-hot: one 0/1 column per value (strings have no order). */
  encoding: 'numeric' | 'boolean' | 'one-hot';
  levels: number;
  /** spearman: |Spearman ρ|; max-abs-pearson-one-hot: the largest |Pearson r| of one value's 0/1 indicator. */
  correlationMethod: 'spearman' | 'max-abs-pearson-one-hot';
  correlation: number | null;
  /** Mean increase of the forest's out-of-bag MSE (pp²) when this factor is shuffled across runs; null when too few runs. */
  permutation: number | null;
}

export interface SweepImportanceDto {
  /** Runs with a target mean that the measures read. */
  runs: number;
  /** Runs the forest was fitted on: all of them, or a seeded subset of 500 past that. */
  forestRuns: number;
  forest: { trees: number; maxDepth: number; minLeaf: number; repeats: number; seed: number };
  baselineOobMse: number | null;
  factors: ParameterImportanceDto[];
}

export interface SweepDetailDto {
  sweep: SweepSummaryDto;
  spec: SweepSpec;
  runs: RunSummaryDto[];
  /** Names of the parameters the search space varies. */
  variedParameters: string[];
  ablation: AblationRow[];
  ablationBasis: AblationBasis;
  /** The sweep explorer's runs: each succeeded run with its target mean under the selection (the ablation's rule). */
  runPoints: SweepRunPointDto[];
  /** Mean ± std of the runs' target means per value of each varied parameter and source (the error bars). */
  parameterEffects: ParameterEffectDto[];
  /** Correlation and random-forest permutation importance of each varied parameter for the target mean. */
  importance: SweepImportanceDto;
  /** A tpe search's trials, in proposal order (empty for grid and random). */
  trials: SweepTrialDto[];
  /** Early stopping's recorded rung values and decisions (empty without early stopping). */
  rungs: RungResultDto[];
}

/** One row of `GET /runs/table`: the run, what it varied, what it scored under the selection (percent). */
export interface RunsTableRowDto {
  id: string;
  sweepId: string | null;
  method: string;
  sourceDomain: string;
  seed: number;
  status: RunStatus;
  /** Why this queued run waits outside the job queue (its sweep's budgets); null otherwise. */
  heldReason: string | null;
  configId: string;
  createdAt: string;
  params: Record<string, string | number | boolean>;
  /** Accuracy per scored domain, the source included. */
  accuracy: Record<string, number>;
  targetMean: number | null;
  sourceAccuracy: number | null;
}

/** Filtered runs grouped by one field: mean ± std over the runs (seeds and all) of the target and source metrics. */
export interface RunsTableGroupDto {
  value: string | null;
  runs: number;
  scored: number;
  targetMean: number | null;
  targetStd: number | null;
  sourceMean: number | null;
  sourceStd: number | null;
}

/** `GET /runs/table`: one page of runs with their metrics, sorted and filtered on the server. */
export interface RunsTableDto {
  selection: ModelSelection;
  total: number;
  offset: number;
  limit: number;
  rows: RunsTableRowDto[];
  /** The swept parameters seen on this page, and the domains scored: candidate columns. */
  parameters: string[];
  domains: string[];
  groups: RunsTableGroupDto[] | null;
}

/** `POST /sweeps/plan`: what a spec would create, validated as creating it is, nothing stored. */
export interface SweepPlanDto {
  /** Runs the spec creates: distinct configs x sources x seeds. */
  runs: number;
  /** The distinct configs of the search space, with the parameter values that make each. */
  configs: { configId: string; params: Record<string, string | number | boolean> }[];
  sources: string[];
  seeds: number[];
  targets: string[];
}

/** `POST /sweeps/:id/rerun`: the runs re-queued as new attempts (same ids). */
export interface SweepRerunDto {
  sweep: SweepSummaryDto;
  rerun: string[];
}

export interface SweepCreatedDto {
  sweep: SweepSummaryDto;
  runsCreated: number;
  runsExisting: number;
}

export interface QueueStatsDto {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  prioritized: number;
  completed: number;
  failed: number;
  /** Jobs completed in the last minute. */
  completedPerMinute: number;
}

export interface WorkerDto {
  id: string;
  host: string;
  device: string;
  backend: string;
  status: 'online' | 'lost' | 'stopped';
  currentJob: string | null;
  lastHeartbeatAt: string;
  heartbeatAgeSeconds: number;
}

export interface QueueOverviewDto {
  queues: QueueStatsDto[];
  workers: WorkerDto[];
}

/** `POST /queues/probes`: the probes were stored and enqueued. */
export interface QueueProbesCreatedDto {
  batchId: string;
  probeIds: string[];
}

/** One probe's timings (ISO 8601); null until that step happened. */
export interface QueueProbeDto {
  id: string;
  requestedAt: string;
  enqueuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  workerId: string | null;
}

/** Nearest-rank percentiles in milliseconds over the answered probes; null when none answered. */
export interface LatencyPercentilesDto {
  p50: number | null;
  p99: number | null;
}

export interface QueueProbeSummaryDto {
  count: number;
  answered: number;
  pending: number;
  /** startedAt - requestedAt: from the API receiving the request to a worker starting the job. */
  requestToStartMs: LatencyPercentilesDto;
  /** startedAt - enqueuedAt: time in the queue, from BullMQ accepting the job to a worker starting it. */
  enqueueToStartMs: LatencyPercentilesDto;
  /** finishedAt - requestedAt: the whole round trip as the database records it. */
  requestToFinishMs: LatencyPercentilesDto;
  /** Workers that answered, most answers first. */
  workers: { workerId: string; answered: number }[];
}

/** `GET /queues/probes/:batchId`. */
export interface QueueProbeBatchDto {
  batchId: string;
  probes: QueueProbeDto[];
  summary: QueueProbeSummaryDto;
}

export interface ApiKeyCreatedDto {
  id: string;
  name: string;
  role: ApiKeyRole;
  /** Shown once; only its hash is stored. */
  key: string;
}

export interface HealthDto {
  status: 'ok' | 'degraded';
  database: 'up' | 'down';
  redis: 'up' | 'down';
  version: string;
  /** Writes let go rather than fail what they describe: audit rows (this API process) and run log lines (all workers; null while PostgreSQL is down). */
  dropped: { auditRows: number; runLogLines: number | null };
  /**
   * Authenticated keys and sessions kept in this API process's memory: `listening` while PostgreSQL can tell it of
   * every change to them, `reconnecting` while it cannot (every request then reads its key), `off` when configured so.
   */
  authCache: 'listening' | 'reconnecting' | 'off';
  /** Submission catalogs (a benchmark and its ready datasets) kept in memory, in the same three states. */
  catalogCache: 'listening' | 'reconnecting' | 'off';
}

/** A web UI sign-in (POST /sessions): the token goes into an httpOnly cookie and is sent back as the bearer. */
export interface SessionCreatedDto {
  token: string;
  expiresAt: string;
  key: SessionKeyDto;
}

/** Who a session or key acts as (GET /sessions/current). */
export interface SessionKeyDto {
  id: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
}

export interface CurrentSessionDto {
  key: SessionKeyDto;
  /** Null when the caller used an API key directly, not a session. */
  sessionId: string | null;
  expiresAt: string | null;
}

/** A one-time sign-in link token (POST /sessions/links, admin): exchanged once for a session, within its lifetime. */
export interface SignInLinkDto {
  token: string;
  expiresAt: string;
}
