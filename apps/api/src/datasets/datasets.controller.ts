import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { RequireRole } from '../keys/api-key-roles';
import { DatasetImportService, importDatasetSchema, ImportDatasetInput } from './dataset-import.service';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodPipe } from '../common/zod-body.pipe';
import { DatasetsService, toDatasetDto } from './datasets.service';
import { SampleImageService } from './sample-image.service';

const samplesQuery = z.object({
  split: z.enum(['train', 'val', 'test']).optional(),
  label: z.coerce.number().int().min(0).max(7).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const imageQuery = z.object({ key: z.string().min(1).max(4096) });

@ApiTags('datasets')
@ApiBearerAuth()
@Controller('datasets')
export class DatasetsController {
  constructor(
    private readonly datasets: DatasetsService,
    private readonly importer: DatasetImportService,
    private readonly images: SampleImageService,
  ) {}

  /** 201 with the new version, or 200 with the version that already has exactly this content. */
  @Post()
  @RequireRole('launch')
  async import(@Body(new ZodPipe(importDatasetSchema)) body: ImportDatasetInput, @Res({ passthrough: true }) response: Response) {
    const result = await this.importer.import(body);
    response.status(result.created ? 201 : 200);
    return result.dataset;
  }

  @Get()
  list() {
    return this.datasets.list();
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return toDatasetDto(await this.datasets.get(id));
  }

  /** A 128 px PNG thumbnail of one sample (declared before `:id/samples` routes that could shadow it). */
  @Get(':id/samples/image')
  async image(@Param('id') id: string, @Query(new ZodPipe(imageQuery)) query: z.output<typeof imageQuery>, @Res() response: Response) {
    const png = await this.images.thumbnail(id, query.key);
    response.type('image/png').setHeader('Cache-Control', 'private, max-age=3600').send(png);
  }

  @Get(':id/samples')
  samples(@Param('id') id: string, @Query(new ZodPipe(samplesQuery)) query: z.output<typeof samplesQuery>) {
    return this.datasets.samples(id, query);
  }
}
