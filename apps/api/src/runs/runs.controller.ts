import { Body, Controller, Get, HttpCode, MessageEvent, Param, Post, Query, Req, Sse, UseInterceptors, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { Observable } from 'rxjs';
import { selectionQuerySchema } from '@fer/contracts';
import { z } from 'zod';
import { IdempotencyInterceptor } from '../common/idempotency.interceptor';
import { ZodPipe } from '../common/zod-body.pipe';
import { PrismaService } from '../database/prisma.service';
import { RequireRole } from '../keys/api-key-roles';
import type { AuthenticatedRequest } from '../keys/api-key.guard';
import { runEventStream } from './run-events.stream';
import { RunExistsGuard } from './run-exists.guard';
import { createRunSchema, CreateRunInput, retrainSchema, RunsService, runsTableQuerySchema, type RunsTableQueryInput } from './runs.service';

const listQuerySchema = z.object({
  sweepId: z.string().optional(),
  status: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

@ApiTags('runs')
@ApiBearerAuth()
@Controller()
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly prisma: PrismaService,
  ) {}

  @Post('runs')
  @RequireRole('launch')
  @UseInterceptors(IdempotencyInterceptor)
  @ApiBody({ schema: z.toJSONSchema(createRunSchema, { io: 'input', unrepresentable: 'any' }) as object })
  create(@Body(new ZodPipe(createRunSchema)) body: CreateRunInput, @Req() request: AuthenticatedRequest) {
    return this.runs.create(body, request.apiKey?.id ?? null);
  }

  @Post('retrain')
  @RequireRole('launch')
  @UseInterceptors(IdempotencyInterceptor)
  @ApiBody({ schema: z.toJSONSchema(retrainSchema, { io: 'input', unrepresentable: 'any' }) as object })
  async retrain(@Body(new ZodPipe(retrainSchema)) body: z.output<typeof retrainSchema>, @Req() request: AuthenticatedRequest) {
    return { runs: await this.runs.retrain(body, request.apiKey?.id ?? null) };
  }

  @Get('runs')
  list(@Query(new ZodPipe(listQuerySchema)) query: z.output<typeof listQuerySchema>) {
    return this.runs.list(query);
  }

  /** The runs table: every run with its swept parameters and metrics under the selection; filter, sort, group, pages. */
  @Get('runs/table')
  table(@Query(new ZodPipe(runsTableQuerySchema)) query: RunsTableQueryInput) {
    return this.runs.table(query);
  }

  @Get('runs/:id')
  get(@Param('id') id: string, @Query(new ZodPipe(selectionQuerySchema)) query: z.output<typeof selectionQuerySchema>) {
    return this.runs.detail(id, query.selection);
  }

  @Get('runs/:id/logs')
  logs(@Param('id') id: string) {
    return this.runs.logs(id);
  }

  @Sse('runs/:id/events')
  @UseGuards(RunExistsGuard)
  events(@Param('id') id: string): Observable<MessageEvent> {
    return runEventStream(this.prisma, id);
  }

  @Post('runs/:id/cancel')
  @HttpCode(200)
  @RequireRole('launch')
  cancel(@Param('id') id: string) {
    return this.runs.cancel(id);
  }

  @Post('runs/:id/retry')
  @HttpCode(200)
  @RequireRole('launch')
  retry(@Param('id') id: string) {
    return this.runs.retry(id);
  }
}
