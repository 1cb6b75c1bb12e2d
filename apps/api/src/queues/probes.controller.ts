import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { ZodPipe } from '../common/zod-body.pipe';
import { RequireRole } from '../keys/api-key-roles';
import { CreateProbesInput, createProbesSchema, ProbesService } from './probes.service';

@ApiTags('queues')
@ApiBearerAuth()
@Controller('queues/probes')
export class ProbesController {
  constructor(private readonly probes: ProbesService) {}

  /** Needs `launch`: like a run, a probe puts jobs on a queue, but it is harmless enough for a monitoring key. */
  @Post()
  @HttpCode(202)
  @RequireRole('launch')
  @ApiOperation({
    summary: 'Send queue probes',
    description:
      'Stores `count` probes and enqueues one empty job each on the `probe` queue; any worker consuming it answers by writing startedAt, finishedAt and its id. Poll `GET /queues/probes/{batchId}` for the answers.',
  })
  @ApiBody({ schema: z.toJSONSchema(createProbesSchema, { io: 'input', unrepresentable: 'any' }) as object })
  @ApiAcceptedResponse({ description: '`{ batchId, probeIds }`: the probes are stored and enqueued.' })
  send(@Body(new ZodPipe(createProbesSchema)) body: CreateProbesInput) {
    return this.probes.send(body);
  }

  @Get(':batchId')
  @ApiOperation({
    summary: 'Answers to a batch of queue probes',
    description:
      'Each probe with its times (requested, enqueued, started, finished) and the worker that answered, and a summary: answered, pending, request-to-start, enqueue-to-start and request-to-finish milliseconds (p50/p99), answers per worker.',
  })
  @ApiOkResponse({ description: '`{ batchId, probes, summary }`' })
  @ApiNotFoundResponse({ description: 'no probe has this batch id' })
  batch(@Param('batchId') batchId: string) {
    return this.probes.batch(batchId);
  }
}
