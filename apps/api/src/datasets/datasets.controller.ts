import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodPipe } from '../common/zod-body.pipe';
import { DatasetsService, toDatasetDto } from './datasets.service';

const samplesQuery = z.object({
  split: z.enum(['train', 'val', 'test']).optional(),
  label: z.coerce.number().int().min(0).max(7).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

@ApiTags('datasets')
@ApiBearerAuth()
@Controller('datasets')
export class DatasetsController {
  constructor(private readonly datasets: DatasetsService) {}

  @Get()
  list() {
    return this.datasets.list();
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return toDatasetDto(await this.datasets.get(id));
  }

  @Get(':id/samples')
  samples(@Param('id') id: string, @Query(new ZodPipe(samplesQuery)) query: z.output<typeof samplesQuery>) {
    return this.datasets.samples(id, query);
  }
}
