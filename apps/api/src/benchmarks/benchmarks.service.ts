import { BenchmarkDto, BUILTIN_BENCHMARKS } from '@fer/contracts';
import type { PrismaClient } from '@fer/db';
import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { PrismaService } from '../database/prisma.service';

/** Built-in benchmarks are upserted at boot so sweeps can reference them. */
export async function seedBenchmarks(prisma: PrismaClient): Promise<void> {
  for (const benchmark of BUILTIN_BENCHMARKS) {
    const data = { description: benchmark.description, domains: [...benchmark.domains], numClasses: benchmark.numClasses };
    await prisma.benchmark.upsert({ where: { name: benchmark.name }, create: { name: benchmark.name, ...data }, update: data });
  }
}

@Injectable()
export class BenchmarksService {
  constructor(private readonly prisma: PrismaService) {}

  async list(): Promise<BenchmarkDto[]> {
    const benchmarks = await this.prisma.client.benchmark.findMany({ orderBy: { name: 'asc' } });
    const newest = await this.newestReadyDatasets(benchmarks.flatMap((b) => b.domains));
    return benchmarks.map((b) => toDto(b, newest));
  }

  async get(name: string) {
    const benchmark = await this.prisma.client.benchmark.findUnique({ where: { name } });
    if (!benchmark) throw ApiError.notFound('benchmark', name);
    return benchmark;
  }

  async getDto(name: string): Promise<BenchmarkDto> {
    const benchmark = await this.get(name);
    return toDto(benchmark, await this.newestReadyDatasets(benchmark.domains));
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

function toDto(benchmark: { name: string; description: string; domains: string[]; numClasses: number }, newest: Map<string, string>): BenchmarkDto {
  return { ...benchmark, datasets: Object.fromEntries(benchmark.domains.map((domain) => [domain, newest.get(domain) ?? null])) };
}
