import { BenchmarkCreate, BenchmarkDto, BUILTIN_BENCHMARKS } from '@fer/contracts';
import type { PrismaClient } from '@fer/db';
import { Injectable } from '@nestjs/common';
import { ApiError, ApiErrorCode } from '../common/api-error';
import { PrismaService } from '../database/prisma.service';
import { SubmissionCatalogCache } from '../datasets/submission-catalog.cache';

/** Built-in benchmarks are upserted at boot so sweeps can reference them. */
export async function seedBenchmarks(prisma: PrismaClient): Promise<void> {
  for (const benchmark of BUILTIN_BENCHMARKS) {
    const data = { description: benchmark.description, domains: [...benchmark.domains], numClasses: benchmark.numClasses, builtIn: true };
    await prisma.benchmark.upsert({ where: { name: benchmark.name }, create: { name: benchmark.name, ...data }, update: data });
  }
}

type BenchmarkRow = { name: string; description: string; domains: string[]; numClasses: number; builtIn: boolean; archivedAt: Date | null };

@Injectable()
export class BenchmarksService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly catalogs: SubmissionCatalogCache,
  ) {}

  /** Every benchmark, archived ones only when asked for. */
  async list(options: { archived?: boolean } = {}): Promise<BenchmarkDto[]> {
    const benchmarks = await this.prisma.client.benchmark.findMany({
      where: options.archived ? {} : { archivedAt: null },
      orderBy: [{ builtIn: 'desc' }, { name: 'asc' }],
      include: { _count: { select: { sweeps: true } } },
    });
    const newest = await this.newestReadyDatasets(benchmarks.flatMap((b) => b.domains));
    return benchmarks.map((b) => toDto(b, b._count.sweeps, newest));
  }

  async get(name: string) {
    const benchmark = await this.prisma.client.benchmark.findUnique({ where: { name } });
    if (!benchmark) throw ApiError.notFound('benchmark', name);
    return benchmark;
  }

  async getDto(name: string): Promise<BenchmarkDto> {
    const benchmark = await this.get(name);
    const sweeps = await this.prisma.client.sweep.count({ where: { benchmark: name } });
    return toDto(benchmark, sweeps, await this.newestReadyDatasets(benchmark.domains));
  }

  async create(input: BenchmarkCreate, createdById: string | null): Promise<BenchmarkDto> {
    const existing = await this.prisma.client.benchmark.findUnique({ where: { name: input.name } });
    if (existing) throw new ApiError(ApiErrorCode.Conflict, `benchmark "${input.name}" exists already`, [{ field: 'name', message: 'taken: choose another name' }]);
    await this.prisma.client.benchmark.create({ data: { ...input, builtIn: false, createdById } });
    this.catalogs.invalidate();
    return this.getDto(input.name);
  }

  /** Closes a benchmark to new runs and hides it from pickers; its sweeps and leaderboards stay. */
  async archive(name: string): Promise<BenchmarkDto> {
    const benchmark = await this.get(name);
    if (benchmark.builtIn) throw new ApiError(ApiErrorCode.Conflict, `benchmark "${name}" is built in: it cannot be archived`);
    await this.prisma.client.benchmark.update({ where: { name }, data: { archivedAt: benchmark.archivedAt ?? new Date() } });
    // Closed to this process's next submission at once; to other replicas once the trigger's notification arrives.
    this.catalogs.invalidate();
    return this.getDto(name);
  }

  /** Deletes a benchmark no sweep used; one in use can only be archived (its numbers must keep their columns). */
  async delete(name: string): Promise<{ name: string; deleted: true }> {
    const benchmark = await this.get(name);
    if (benchmark.builtIn) throw new ApiError(ApiErrorCode.Conflict, `benchmark "${name}" is built in: it cannot be deleted`);
    const { count } = await this.prisma.client.benchmark.deleteMany({ where: { name, sweeps: { none: {} } } });
    this.catalogs.invalidate();
    if (count === 0) {
      const sweeps = await this.prisma.client.sweep.count({ where: { benchmark: name } });
      throw new ApiError(ApiErrorCode.Conflict, `benchmark "${name}" is used by ${sweeps} sweep${sweeps === 1 ? '' : 's'}: archive it instead (POST /benchmarks/${name}/archive)`);
    }
    return { name, deleted: true };
  }

  /** domain → id of its newest ready dataset version, in one query. */
  private async newestReadyDatasets(domains: string[]): Promise<Map<string, string>> {
    const rows = await this.prisma.client.dataset.findMany({
      where: { domain: { in: [...new Set(domains)] }, status: 'ready' },
      orderBy: [{ createdAt: 'desc' }, { version: 'desc' }],
      select: { id: true, domain: true },
    });
    const newest = new Map<string, string>();
    for (const row of rows) if (!newest.has(row.domain)) newest.set(row.domain, row.id);
    return newest;
  }
}

function toDto(benchmark: BenchmarkRow, sweeps: number, newest: Map<string, string>): BenchmarkDto {
  return {
    name: benchmark.name,
    description: benchmark.description,
    domains: benchmark.domains,
    numClasses: benchmark.numClasses,
    builtIn: benchmark.builtIn,
    archivedAt: benchmark.archivedAt?.toISOString() ?? null,
    sweeps,
    datasets: Object.fromEntries(benchmark.domains.map((domain) => [domain, newest.get(domain) ?? null])),
  };
}
