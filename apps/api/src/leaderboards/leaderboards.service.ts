import {
  Leaderboard,
  LeaderboardCell,
  LeaderboardRow,
  ModelSelection,
  TrainingConfig,
  trainingConfigSchema,
  TransferMatrix,
  canonicalJson,
  LeaderboardProvenance,
  ProvenanceDataset,
  StaleDataset,
} from '@fer/contracts';
import { CellAggregate, leaderboardAggregateQuery, leaderboardProvenanceQuery, parseStoredConfig, type ProvenanceAggregate } from '@fer/experiments';
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { BenchmarksService } from '../benchmarks/benchmarks.service';
import { ApiError } from '../common/api-error';
import { PrismaService } from '../database/prisma.service';

const EMPTY: LeaderboardCell = { mean: null, std: null, n: 0, runs: [] };
const DEFAULTS = trainingConfigSchema.parse({});

@Injectable()
export class LeaderboardsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly benchmarks: BenchmarksService,
  ) {}

  /** The leaderboard statement of @fer/experiments, run as it is (parameterised). */
  private aggregate(input: Parameters<typeof leaderboardAggregateQuery>[0]): Promise<CellAggregate[]> {
    const { text, values } = leaderboardAggregateQuery(input);
    return this.prisma.client.$queryRawUnsafe<CellAggregate[]>(text, ...values);
  }

  async leaderboard(benchmarkName: string, source: string, selection: ModelSelection, includePruned = false): Promise<Leaderboard> {
    const benchmark = await this.benchmarks.get(benchmarkName);
    if (!benchmark.domains.includes(source)) {
      throw ApiError.validation(`"${source}" is not a domain of ${benchmark.name}`, [
        { field: 'source', message: `one of ${benchmark.domains.join(', ')}` },
      ]);
    }
    // The provenance statement reads the same selection as the aggregate: both run at once, on two connections.
    const [aggregates, provenance] = await Promise.all([
      this.aggregate({ source, domains: benchmark.domains, selection, includePruned }),
      this.provenance(benchmark.name, source, selection, benchmark.domains, includePruned),
    ]);
    const byGroup = groupBy(aggregates);
    const configs = await this.prisma.client.config.findMany({ where: { id: { in: [...byGroup.keys()] } } });
    const rows: LeaderboardRow[] = configs.map((config) => {
      const cells = byGroup.get(config.id)!;
      const body = parseStoredConfig(config.body, `config ${config.id}`);
      const summary = configDifferences(body);
      return {
        groupKey: config.id,
        label: '',
        method: body.method,
        configId: config.id,
        configSummary: summary,
        cells: Object.fromEntries(benchmark.domains.map((d) => [d, cells.get(d) ?? EMPTY])),
        mean: cells.get('__mean') ?? EMPTY,
        targetMean: cells.get('__target') ?? EMPTY,
        runIds: runsBehind([...cells.values()]),
        runCount: Math.max(0, ...[...cells.values()].map((cell) => cell.n)),
      };
    });
    // Labels name only what tells rows apart: a setting every row shares is noise in a table.
    const shared = sharedSettings(rows.map((row) => row.configSummary));
    for (const row of rows) row.label = rowLabel(row.method, row.configSummary, shared);
    rows.sort((a, b) => (b.mean.mean ?? -1) - (a.mean.mean ?? -1) || a.label.localeCompare(b.label));
    const columns = [...benchmark.domains, 'mean', 'targetMean'];
    const best: Record<string, string | undefined> = {};
    const secondBest: Record<string, string | undefined> = {};
    for (const column of columns) {
      const ranked = rows
        .map((row) => ({ key: row.groupKey, value: column === 'mean' ? row.mean.mean : column === 'targetMean' ? row.targetMean.mean : row.cells[column].mean }))
        .filter((r): r is { key: string; value: number } => r.value !== null)
        .sort((a, b) => b.value - a.value);
      best[column] = ranked[0]?.key;
      secondBest[column] = ranked[1]?.key;
    }
    return { benchmark: benchmark.name, source, selection, provenance, domains: benchmark.domains, rows, best, secondBest, generatedAt: new Date().toISOString() };
  }

  /**
   * The evaluations the leaderboard statement read, reduced in PostgreSQL (leaderboardProvenanceQuery), hashed with
   * the board's identity, and the dataset versions behind them.
   */
  private async provenance(benchmark: string, source: string, selection: ModelSelection, domains: string[], includePruned: boolean): Promise<LeaderboardProvenance> {
    const { text, values } = leaderboardProvenanceQuery({ source, domains, selection, includePruned });
    const [read] = await this.prisma.client.$queryRawUnsafe<ProvenanceAggregate[]>(text, ...values);
    const versions = await this.prisma.client.dataset.findMany({
      where: { id: { in: [...read.datasets.map((d) => d.datasetId), ...read.sourceDatasets] } },
      select: { id: true, name: true, version: true, domain: true },
    });
    const newest = new Map<string, number>();
    for (const row of await this.prisma.client.dataset.groupBy({
      by: ['name'],
      where: { status: 'ready', name: { in: [...new Set(versions.map((v) => v.name))] } },
      _max: { version: true },
    }))
      newest.set(row.name, row._max.version ?? 0);
    const stale: StaleDataset[] = [];
    const isStale = (id: string) => {
      const used = versions.find((v) => v.id === id)!;
      return (newest.get(used.name) ?? 0) > used.version ? used : null;
    };
    for (const id of read.sourceDatasets) {
      const used = isStale(id);
      if (used) stale.push({ role: 'source', domain: used.domain, name: used.name, usedVersion: used.version, newestVersion: newest.get(used.name)! });
    }
    for (const d of read.datasets) {
      const used = isStale(d.datasetId);
      if (used) stale.push({ role: 'target', domain: d.domain, name: used.name, usedVersion: used.version, newestVersion: newest.get(used.name)! });
    }
    const datasets: ProvenanceDataset[] = read.datasets.map((d) => {
      const dataset = versions.find((v) => v.id === d.datasetId)!;
      return { domain: d.domain, datasetId: d.datasetId, name: dataset.name, version: dataset.version, splits: d.splits };
    });
    const hash = createHash('sha256').update(canonicalJson({ benchmark, source, selection, domains })).update(read.digest).digest('hex');
    return {
      hash: `sha256:${hash}`,
      selection,
      datasets: datasets.sort((a, b) => domains.indexOf(a.domain) - domains.indexOf(b.domain) || a.version - b.version),
      seeds: read.seeds,
      evaluations: read.evaluations,
      frozenEngines: read.frozenEngines,
      statuses: includePruned ? ['succeeded', 'pruned'] : ['succeeded'],
      stale,
    };
  }

  /** Rows = source domains, columns = target domains, for one config. */
  async transfer(benchmarkName: string, configId: string, selection: ModelSelection): Promise<TransferMatrix> {
    const benchmark = await this.benchmarks.get(benchmarkName);
    const config = await this.prisma.client.config.findUnique({ where: { id: configId } });
    if (!config) throw ApiError.notFound('config', configId);
    const cells = await Promise.all(
      benchmark.domains.map(async (source) => {
        const aggregates = await this.aggregate({ source, domains: benchmark.domains, selection, groupKeys: [configId] });
        const byColumn = new Map(aggregates.map((a) => [a.column, a]));
        return benchmark.domains.map((target) => {
          const a = byColumn.get(target);
          return a ? { mean: a.mean, std: a.n > 1 ? a.std : null, n: a.n, runs: a.runs } : null;
        });
      }),
    );
    return { configId, benchmark: benchmark.name, selection, domains: benchmark.domains, cells };
  }
}

function groupBy(aggregates: CellAggregate[]): Map<string, Map<string, LeaderboardCell>> {
  const groups = new Map<string, Map<string, LeaderboardCell>>();
  for (const a of aggregates) {
    const cells = groups.get(a.groupKey) ?? new Map<string, LeaderboardCell>();
    cells.set(a.column, { mean: a.mean, std: a.n > 1 ? a.std : null, n: a.n, runs: a.runs });
    groups.set(a.groupKey, cells);
  }
  return groups;
}

/** The runs listed in a row's cells, by seed. */
function runsBehind(cells: LeaderboardCell[]): string[] {
  const seeds = new Map<string, number>();
  for (const cell of cells) for (const run of cell.runs) seeds.set(run.runId, run.seed);
  return [...seeds].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).map(([id]) => id);
}

/** The fields where a config departs from the defaults: what tells one row from another. */
export function configDifferences(config: TrainingConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (value: unknown, defaults: unknown, path: string) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const key of Object.keys(value)) walk((value as Record<string, unknown>)[key], (defaults as Record<string, unknown>)?.[key], path ? `${path}.${key}` : key);
    } else if (JSON.stringify(value) !== JSON.stringify(defaults) && path !== 'method') {
      out[path] = value;
    }
  };
  walk(config, DEFAULTS, '');
  return out;
}

function sharedSettings(summaries: Record<string, unknown>[]): Set<string> {
  if (summaries.length < 2) return new Set();
  const keys = new Set(summaries.flatMap((summary) => Object.keys(summary)));
  return new Set([...keys].filter((key) => summaries.every((summary) => JSON.stringify(summary[key]) === JSON.stringify(summaries[0][key]))));
}

function rowLabel(method: string, differences: Record<string, unknown>, shared: Set<string>): string {
  const parts = Object.entries(differences)
    .filter(([key]) => !shared.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'number' ? Number(value.toPrecision(4)) : String(value)}`);
  const name = method === 'cafe' ? 'CAFE' : method;
  return parts.length ? `${name} (${parts.join(', ')})` : name;
}
