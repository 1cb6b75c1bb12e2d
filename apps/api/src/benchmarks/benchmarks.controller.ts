import { benchmarkCreateSchema, type BenchmarkCreate } from '@fer/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodPipe } from '../common/zod-body.pipe';
import { RequireRole } from '../keys/api-key-roles';
import type { AuthenticatedRequest } from '../keys/api-key.guard';
import { BenchmarksService } from './benchmarks.service';
import { LineageService } from './lineage.service';

const listQuery = z.object({ archived: z.enum(['true', 'false']).default('false') });

@ApiTags('benchmarks')
@ApiBearerAuth()
@Controller('benchmarks')
export class BenchmarksController {
  constructor(
    private readonly benchmarks: BenchmarksService,
    private readonly lineage: LineageService,
  ) {}

  @Get()
  list(@Query(new ZodPipe(listQuery)) query: z.output<typeof listQuery>) {
    return this.benchmarks.list({ archived: query.archived === 'true' });
  }

  @Post()
  @RequireRole('launch')
  @ApiBody({ schema: z.toJSONSchema(benchmarkCreateSchema, { io: 'input' }) as object })
  create(@Body(new ZodPipe(benchmarkCreateSchema)) body: BenchmarkCreate, @Req() request: AuthenticatedRequest) {
    return this.benchmarks.create(body, request.apiKey?.id ?? null);
  }

  @Get(':name')
  get(@Param('name') name: string) {
    return this.benchmarks.getDto(name);
  }

  @Post(':name/archive')
  @HttpCode(200)
  @RequireRole('launch')
  archive(@Param('name') name: string) {
    return this.benchmarks.archive(name);
  }

  /**
   * Brings the finished runs of the benchmark's sweeps up to the newest dataset versions: new target versions scored
   * from the kept checkpoints, new source versions retrained as new runs (each naming the run it replaces).
   */
  @Post(':name/refresh')
  @HttpCode(200)
  @RequireRole('launch')
  refresh(@Param('name') name: string) {
    return this.lineage.refreshBenchmark(name);
  }

  @Delete(':name')
  @RequireRole('launch')
  remove(@Param('name') name: string) {
    return this.benchmarks.delete(name);
  }
}
