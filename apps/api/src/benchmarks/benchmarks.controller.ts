import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { BenchmarksService } from './benchmarks.service';

@ApiTags('benchmarks')
@ApiBearerAuth()
@Controller('benchmarks')
export class BenchmarksController {
  constructor(private readonly benchmarks: BenchmarksService) {}

  @Get()
  list() {
    return this.benchmarks.list();
  }

  @Get(':name')
  get(@Param('name') name: string) {
    return this.benchmarks.getDto(name);
  }
}
