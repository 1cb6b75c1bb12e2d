import { DatasetCounts, DatasetDto, DatasetSampleDto, Page } from '@fer/contracts';
import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { PrismaService } from '../database/prisma.service';

type DatasetRow = Awaited<ReturnType<PrismaService['client']['dataset']['findFirstOrThrow']>>;

export function toDatasetDto(row: DatasetRow): DatasetDto {
  return {
    id: row.id,
    name: row.name,
    format: row.format,
    domain: row.domain,
    version: row.version,
    checksum: row.checksum,
    status: row.status,
    numClasses: row.numClasses,
    counts: row.counts as unknown as DatasetCounts,
    importReport: row.importReport,
    createdAt: row.createdAt.toISOString(),
  };
}

@Injectable()
export class DatasetsService {
  constructor(private readonly prisma: PrismaService) {}

  async list(): Promise<Page<DatasetDto>> {
    const rows = await this.prisma.client.dataset.findMany({ orderBy: [{ domain: 'asc' }, { name: 'asc' }, { version: 'desc' }] });
    return { items: rows.map(toDatasetDto), total: rows.length };
  }

  async get(id: string): Promise<DatasetRow> {
    const row = await this.prisma.client.dataset.findUnique({ where: { id } });
    if (!row) throw ApiError.notFound('dataset', id);
    return row;
  }

  async samples(id: string, query: { split?: string; label?: number; limit: number; offset: number }): Promise<Page<DatasetSampleDto>> {
    await this.get(id);
    const where = { datasetId: id, split: query.split, label: query.label };
    const [rows, total] = await Promise.all([
      this.prisma.client.datasetSample.findMany({ where, orderBy: { key: 'asc' }, take: query.limit, skip: query.offset, select: { key: true, split: true, label: true } }),
      this.prisma.client.datasetSample.count({ where }),
    ]);
    return { items: rows, total };
  }
}
