import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../keys/api-key-roles';
import { QueuesService } from './queues.service';
import { ReconcilerService } from './reconciler.service';

@ApiTags('queues')
@ApiBearerAuth()
@Controller('queues')
export class QueuesController {
  constructor(
    private readonly queues: QueuesService,
    private readonly reconciler: ReconcilerService,
  ) {}

  @Get()
  overview() {
    return this.queues.overview();
  }

  /** Runs the reconciler now (it also runs on a timer). */
  @Post('reconcile')
  @HttpCode(200)
  @RequireRole('admin')
  reconcile() {
    return this.reconciler.reconcile();
  }
}
