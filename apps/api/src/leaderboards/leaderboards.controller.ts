import { LEADERBOARD_FORMATS, selectionQuerySchema } from '@fer/contracts';
import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { ZodPipe } from '../common/zod-body.pipe';
import { exportLeaderboard } from './leaderboard-export';
import { LeaderboardsService } from './leaderboards.service';

const leaderboardQuery = selectionQuerySchema.extend({
  benchmark: z.string().default('fer5'),
  source: z.string().min(1, 'source domain is required, e.g. source=rafdb'),
  format: z.enum(LEADERBOARD_FORMATS).default('json'),
  /** Count runs an early-stopping rule pruned (at the epoch they stopped); left out by default. */
  includePruned: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});
const transferQuery = selectionQuerySchema.extend({
  benchmark: z.string().default('fer5'),
  configId: z.string().min(1),
});

const CONTENT_TYPES = { csv: 'text/csv', markdown: 'text/markdown', latex: 'application/x-latex' } as const;

@ApiTags('leaderboards')
@ApiBearerAuth()
@Controller('leaderboards')
export class LeaderboardsController {
  constructor(private readonly leaderboards: LeaderboardsService) {}

  @Get()
  async get(@Query(new ZodPipe(leaderboardQuery)) query: z.output<typeof leaderboardQuery>, @Res({ passthrough: true }) response: Response) {
    const board = await this.leaderboards.leaderboard(query.benchmark, query.source, query.selection, query.includePruned);
    if (query.format === 'json') return board;
    response.type(`${CONTENT_TYPES[query.format]}; charset=utf-8`);
    return exportLeaderboard(board, query.format);
  }

  @Get('transfer')
  transfer(@Query(new ZodPipe(transferQuery)) query: z.output<typeof transferQuery>) {
    return this.leaderboards.transfer(query.benchmark, query.configId, query.selection);
  }
}
