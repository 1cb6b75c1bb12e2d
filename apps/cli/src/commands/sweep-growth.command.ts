import {
  sweepGrowthSchema,
  type BenchmarkRefreshDto,
  type SweepBudgetDto,
  type SweepGrownDto,
  type SweepGrowth,
} from '@fer/contracts';
import type { Command } from 'commander';
import { apiRequest, resolveConnection } from '../api-client';
import { formatTable } from '../table';

const connection = (command: Command) => resolveConnection(command.optsWithGlobals());
function print(value: unknown): void {
  process.stdout.write(typeof value === 'string' ? value : JSON.stringify(value, null, 2) + '\n');
}

/** What `fer sweep grow` takes on its command line, before it becomes a PATCH body. */
export interface GrowOptions {
  seeds?: string;
  sources?: string;
  /** `param=v1,v2`, repeatable. */
  values?: string[];
  budget?: string;
  maxConcurrent?: string;
  maxGpuHours?: string;
}

const split = (text: string) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

/**
 * A grid value as written on the command line: `0.5` a number, `true`/`false` a boolean, anything else a string;
 * quotes force a string (`'"18"'`).
 */
export function parseGridValue(text: string): string | number | boolean {
  const quoted = /^(["'])(.*)\1$/.exec(text);
  if (quoted) return quoted[2];
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}

/**
 * The PATCH body for `fer sweep grow`, checked with the API's own schema (sweepGrowthSchema) so a mistake is named
 * before anything is sent: the field and what is wrong with it.
 */
export function buildGrowthBody(options: GrowOptions): SweepGrowth {
  const problems: string[] = [];
  const body: Record<string, unknown> = {};
  const integer = (flag: string, text: string) => {
    const value = Number(text);
    if (!/^[-+]?\d+$/.test(text.trim())) problems.push(`${flag}: "${text}" is not an integer`);
    return value;
  };
  if (options.seeds !== undefined) body.seeds = split(options.seeds).map((seed) => integer('--seeds', seed));
  if (options.sources !== undefined) body.sources = split(options.sources);
  if (options.values?.length) {
    const values: Record<string, (string | number | boolean)[]> = {};
    for (const entry of options.values) {
      const at = entry.indexOf('=');
      if (at <= 0) {
        problems.push(`--values: "${entry}" is not param=v1,v2`);
        continue;
      }
      const name = entry.slice(0, at).trim();
      values[name] = [...(values[name] ?? []), ...split(entry.slice(at + 1)).map(parseGridValue)];
    }
    body.values = values;
  }
  if (options.budget !== undefined) body.budget = integer('--budget', options.budget);
  // `none` lifts a limit (null); a number sets it.
  if (options.maxConcurrent !== undefined)
    body.maxConcurrentRuns =
      options.maxConcurrent === 'none' ? null : integer('--max-concurrent', options.maxConcurrent);
  if (options.maxGpuHours !== undefined) {
    const value = Number(options.maxGpuHours);
    if (options.maxGpuHours !== 'none' && !Number.isFinite(value))
      problems.push(`--max-gpu-hours: "${options.maxGpuHours}" is not a number`);
    body.maxGpuHours = options.maxGpuHours === 'none' ? null : value;
  }
  if (problems.length) throw new Error(problems.join('; '));
  const checked = sweepGrowthSchema.safeParse(body);
  if (!checked.success) {
    throw new Error(
      checked.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; '),
    );
  }
  return checked.data;
}

/** The budget line of `fer sweep status` and `fer sweep grow`. */
export function formatBudget(budget: SweepBudgetDto): string {
  const concurrency =
    budget.maxConcurrentRuns === null ? 'no concurrency limit' : `max ${budget.maxConcurrentRuns} concurrent runs`;
  const hours =
    budget.maxGpuHours === null
      ? `${budget.gpuHoursUsed.toFixed(2)} GPU hours used (no limit)`
      : `${budget.gpuHoursUsed.toFixed(2)} of ${budget.maxGpuHours} GPU hours used`;
  return `budget: ${concurrency}, ${hours}, ${budget.held} held${budget.autoRefresh ? ', auto-refresh on' : ''}`;
}

export function formatSweepGrown(grown: SweepGrownDto): string {
  const { sweep } = grown;
  const counts = Object.entries(sweep.runCounts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const lines = [
    `sweep ${sweep.id} "${sweep.name}": ${grown.runsCreated} run${grown.runsCreated === 1 ? '' : 's'} created; now ${sweep.totalRuns} runs (${counts || 'none'}), ${sweep.status}`,
  ];
  if (sweep.budget) lines.push(formatBudget(sweep.budget));
  return lines.join('\n') + '\n';
}

export function formatBenchmarkRefresh(result: BenchmarkRefreshDto): string {
  const plural = (n: number) => (n === 1 ? '' : 's');
  const lines = [
    `benchmark ${result.benchmark}: ${result.reevaluated.length} run${plural(result.reevaluated.length)} re-evaluated, ${result.retrained.length} retrained, ${result.unchanged} unchanged`,
  ];
  if (result.reevaluated.length) {
    lines.push('', 're-evaluated on the newest target datasets (from their checkpoints):');
    lines.push(
      formatTable(
        ['run', 'datasets'],
        result.reevaluated.map((r) => [r.runId, r.datasets.join(', ')]),
      ).trimEnd(),
    );
  }
  if (result.retrained.length) {
    lines.push('', 'retrained on a newer source dataset (new runs):');
    lines.push(
      formatTable(
        ['run', 'new run', 'source dataset'],
        result.retrained.map((r) => [r.runId, r.newRunId, r.sourceDatasetId]),
      ).trimEnd(),
    );
  }
  if (!result.reevaluated.length && !result.retrained.length)
    lines.push('nothing was stale: every run is on the newest datasets');
  return lines.join('\n') + '\n';
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function registerSweepGrowCommand(sweep: Command): void {
  sweep
    .command('grow')
    .description(
      'Grow a sweep: add seeds, sources, grid values or budget, or change its budgets; only the new runs are created',
    )
    .argument('<id>')
    .option('--seeds <a,b>', 'seeds to add, comma-separated')
    .option('--sources <a,b>', 'source domains to add, comma-separated')
    .option(
      '--values <param=v1,v2>',
      'values to add to an existing grid parameter (repeatable); 0.5 is a number, true a boolean, quote to force a string',
      collect,
    )
    .option('--budget <n>', 'random or tpe search: the new total budget (at least the current one)')
    .option('--max-concurrent <n>', 'at most this many runs queued or training at once ("none" lifts the limit)')
    .option('--max-gpu-hours <h>', 'worker hours after which no run of the sweep starts ("none" lifts the limit)')
    .option('--json', 'print the API answer (the sweep and runsCreated) as JSON')
    .action(async (id: string, options: GrowOptions & { json?: boolean }, command: Command) => {
      const body = buildGrowthBody(options);
      const grown = await apiRequest<SweepGrownDto>(
        connection(command),
        'PATCH',
        `/sweeps/${encodeURIComponent(id)}`,
        body,
      );
      print(options.json ? grown : formatSweepGrown(grown));
    });
}

export function registerBenchmarkRefreshCommand(benchmarks: Command): void {
  benchmarks
    .command('refresh')
    .description(
      "Bring a benchmark's finished runs up to the newest datasets: re-evaluate on new target versions, retrain on new source versions",
    )
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const result = await apiRequest<BenchmarkRefreshDto>(
        connection(command),
        'POST',
        `/benchmarks/${encodeURIComponent(name)}/refresh`,
      );
      print(options.json ? result : formatBenchmarkRefresh(result));
    });
}
