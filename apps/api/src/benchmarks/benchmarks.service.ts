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
    return Promise.all(benchmarks.map((b) => this.toDto(b)));
  }

  async get(name: string) {
    const benchmark = await this.prisma.client.benchmark.findUnique({ where: { name } });
    if (!benchmark) throw ApiError.notFound('benchmark', name);
    return benchmark;
  }

  async getDto(name: string): Promise<BenchmarkDto> {
    return this.toDto(await this.get(name));
  }

  private async toDto(benchmark: { name: string; description: string; domains: string[]; numClasses: number }): Promise<BenchmarkDto> {
    const datasets: Record<string, string | null> = {};
    for (const domain of benchmark.domains) {
      const newest = await this.prisma.client.dataset.findFirst({
        where: { domain, status: 'ready' },
        orderBy: [{ createdAt: 'desc' }, { version: 'desc' }],
        select: { id: true },
      });
      datasets[domain] = newest?.id ?? null;
    }
    return { ...benchmark, datasets };
  }
}
