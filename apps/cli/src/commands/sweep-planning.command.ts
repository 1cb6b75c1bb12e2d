import { sweepSpecSchema, type Page, type RunDetailDto, type SweepRerunDto, type SweepSummaryDto } from '@fer/contracts';
import { expandSearchSpace, ExperimentError } from '@fer/experiments';
import type { Command } from 'commander';
import { ZodError } from 'zod';
import { apiRequest, resolveConnection } from '../api-client';
import { formatTable } from '../table';
import { readSpecFile } from '../spec-file';

const connection = (command: Command) => resolveConnection(command.optsWithGlobals());
function print(value: unknown): void {
  process.stdout.write(typeof value === 'string' ? value : JSON.stringify(value, null, 2) + '\n');
}

/**
 * `fer sweep plan FILE`, without a server: the spec validated and expanded by the very code the API runs
 * (sweepSpecSchema, expandSearchSpace), printed as its configs and run count. Datasets are checked when it is created.
 */
export function planSweepFile(path: string): { text: string; runs: number } {
  const raw = readSpecFile(path);
  let spec;
  try {
    spec = sweepSpecSchema.parse(raw);
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    throw new Error(`${path}: ${error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  let points;
  try {
    points = expandSearchSpace(spec);
  } catch (error) {
    if (!(error instanceof ExperimentError)) throw error;
    throw new Error(`${path}: ${error.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }
  const runs = points.length * spec.sources.length * spec.seeds.length;
  const parameters = [...new Set(points.flatMap((p) => Object.keys(p.params)))];
  const table = formatTable(
    ['config', 'method', ...parameters],
    points.map((p) => [p.configId, p.config.method, ...parameters.map((name) => String(p.params[name] ?? ''))]),
  );
  const text =
    `${spec.name}: ${runs} run${runs === 1 ? '' : 's'} = ${points.length} config${points.length === 1 ? '' : 's'} x ${spec.sources.length} source${spec.sources.length === 1 ? '' : 's'} (${spec.sources.join(', ')}) x ${spec.seeds.length} seed${spec.seeds.length === 1 ? '' : 's'} (${spec.seeds.join(', ')}), on ${spec.benchmark}\n` +
    table +
    'datasets of the sources and targets are checked when the sweep is created (POST /sweeps/plan checks them without creating it)\n';
  return { text, runs };
}

export function formatSweepList(page: Page<SweepSummaryDto>): string {
  if (page.items.length === 0) return 'no sweeps\n';
  return formatTable(
    ['sweep', 'name', 'status', 'benchmark', 'runs', 'progress', 'best target mean'],
    page.items.map((s) => [
      s.id,
      s.name,
      s.status,
      s.benchmark,
      String(s.totalRuns),
      `${Math.round(s.progress * 100)}%`,
      s.best ? `${s.best.targetMean.toFixed(2)} (${s.best.method} from ${s.best.source})` : '-',
    ]),
    ['left', 'left', 'left', 'left', 'right', 'right', 'left'],
  );
}

/** `fer runs compare`: what differs between the runs' configs, then their accuracy per domain under one selection. */
export function formatRunComparison(runs: RunDetailDto[]): string {
  const flat = (value: unknown, path = ''): [string, unknown][] =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value).flatMap(([key, inner]) => flat(inner, path ? `${path}.${key}` : key))
      : [[path, value]];
  const configs = runs.map((r) => new Map(flat(r.config)));
  const keys = [...new Set(configs.flatMap((c) => [...c.keys()]))].sort();
  const differing = keys.filter((key) => new Set(configs.map((c) => JSON.stringify(c.get(key)))).size > 1);
  const ids = runs.map((r) => r.run.id);
  const lines = [
    `config: ${differing.length} field${differing.length === 1 ? '' : 's'} differ${differing.length === 1 ? 's' : ''}`,
    formatTable(['field', ...ids], differing.map((key) => [key, ...configs.map((c) => JSON.stringify(c.get(key)) ?? '-')])),
  ];
  const domains = [...new Set(runs.flatMap((r) => r.targets))];
  const selection = runs[0]?.selected.selection ?? 'last';
  lines.push(
    `accuracy % per domain (selection: ${selection}${selection === 'oracle' ? ', TEST-DOMAIN ORACLE' : ''}; * = the run's source)`,
    formatTable(
      ['domain', ...ids],
      domains.map((domain) => [
        domain,
        ...runs.map((r) => {
          const e = r.selected.evaluations.find((x) => x.domain === domain);
          return e ? `${(e.accuracy * 100).toFixed(2)}${domain === r.run.sourceDomain ? '*' : ''} (epoch ${e.epoch})` : '-';
        }),
      ]),
    ),
  );
  return lines.join('\n');
}

export function registerSweepPlanningCommands(sweep: Command, runs: Command): void {
  sweep
    .command('plan')
    .description('Print the configs and runs a spec expands to, without a server (same validation and expansion as the API)')
    .argument('<spec>', 'spec file (.yaml, .yml or .json)')
    .option('--json', 'print {runs} as JSON')
    .action((specPath: string, options: { json?: boolean }) => {
      const plan = planSweepFile(specPath);
      print(options.json ? { runs: plan.runs } : plan.text);
    });
  sweep
    .command('rerun')
    .description("Re-queue a sweep's failed and/or cancelled runs as new attempts of the same runs (ids and checkpoints kept)")
    .argument('<id>')
    .option('--failed', 'the failed runs')
    .option('--cancelled', 'the cancelled runs')
    .action(async (id: string, options: { failed?: boolean; cancelled?: boolean }, command: Command) => {
      const statuses = [...(options.failed ? ['failed'] : []), ...(options.cancelled ? ['cancelled'] : [])];
      const result = await apiRequest<SweepRerunDto>(connection(command), 'POST', `/sweeps/${encodeURIComponent(id)}/rerun`, statuses.length ? { statuses } : {});
      process.stderr.write(`${result.rerun.length} run${result.rerun.length === 1 ? '' : 's'} re-queued; sweep ${result.sweep.id} is ${result.sweep.status}\n`);
      print(result.rerun.join('\n') + (result.rerun.length ? '\n' : ''));
    });
  runs
    .command('compare')
    .description('Compare 2 to 10 runs: the config fields that differ, and accuracy per domain under a selection')
    .argument('<ids...>')
    .option('--selection <mode>', 'last | source-val | oracle', 'last')
    .action(async (ids: string[], options: { selection: string }, command: Command) => {
      if (ids.length < 2 || ids.length > 10) throw new Error(`compare takes 2 to 10 run ids, got ${ids.length}`);
      const details = await Promise.all(
        ids.map((id) => apiRequest<RunDetailDto>(connection(command), 'GET', `/runs/${encodeURIComponent(id)}?selection=${encodeURIComponent(options.selection)}`)),
      );
      print(formatRunComparison(details));
    });
}
