import { selectionQuerySchema, sweepGrowthSchema, SweepGrowth, sweepSpecSchema, SweepSpec } from '@fer/contracts';
import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { IdempotencyInterceptor } from '../common/idempotency.interceptor';
import { WritesNothing } from '../audit/audit.interceptor';
import { ZodPipe } from '../common/zod-body.pipe';
import { RequireRole } from '../keys/api-key-roles';
import type { AuthenticatedRequest } from '../keys/api-key.guard';
import { SweepsService } from './sweeps.service';

const rerunSchema = z
  .object({ statuses: z.array(z.enum(['failed', 'cancelled'])).min(1).default(['failed', 'cancelled']) })
  .strict();

@ApiTags('sweeps')
@ApiBearerAuth()
@Controller('sweeps')
export class SweepsController {
  constructor(private readonly sweeps: SweepsService) {}

  @Post()
  @RequireRole('launch')
  @UseInterceptors(IdempotencyInterceptor)
  @ApiBody({ schema: z.toJSONSchema(sweepSpecSchema, { io: 'input', unrepresentable: 'any' }) as object })
  create(@Body(new ZodPipe(sweepSpecSchema)) spec: SweepSpec, @Req() request: AuthenticatedRequest) {
    return this.sweeps.create(spec, request.apiKey?.id ?? null);
  }

  /** Dry run: validates and expands a spec exactly as POST /sweeps does, stores nothing (read role: it writes nothing). */
  @Post('plan')
  @HttpCode(200)
  @WritesNothing()
  @ApiBody({ schema: z.toJSONSchema(sweepSpecSchema, { io: 'input', unrepresentable: 'any' }) as object })
  plan(@Body(new ZodPipe(sweepSpecSchema)) spec: SweepSpec) {
    return this.sweeps.plan(spec);
  }

  @Get()
  list() {
    return this.sweeps.list();
  }

  @Get(':id')
  get(@Param('id') id: string, @Query(new ZodPipe(selectionQuerySchema)) query: z.output<typeof selectionQuerySchema>) {
    return this.sweeps.detail(id, query.selection);
  }

  /** Grows the sweep (seeds, sources, grid values, budget) or changes its budgets; only new runs are created. */
  @Patch(':id')
  @RequireRole('launch')
  @ApiBody({ schema: z.toJSONSchema(sweepGrowthSchema, { io: 'input', unrepresentable: 'any' }) as object })
  grow(@Param('id') id: string, @Body(new ZodPipe(sweepGrowthSchema)) growth: SweepGrowth) {
    return this.sweeps.grow(id, growth);
  }

  /** Re-queues the sweep's failed and/or cancelled runs as new attempts of the same run ids. */
  @Post(':id/rerun')
  @HttpCode(200)
  @RequireRole('launch')
  rerun(@Param('id') id: string, @Body(new ZodPipe(rerunSchema)) body: z.output<typeof rerunSchema>) {
    return this.sweeps.rerun(id, body.statuses);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @RequireRole('launch')
  cancel(@Param('id') id: string) {
    return this.sweeps.cancel(id);
  }
}
