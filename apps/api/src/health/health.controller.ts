import { HealthDto } from '@fer/contracts';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { QueueService } from '../queues/queue.service';
import { PrismaService } from '../database/prisma.service';
import { DroppedWrites } from './dropped-writes';
import { Public } from '../keys/api-key-roles';
import { AuthenticationCache } from '../keys/authentication-cache';
import { SubmissionCatalogCache } from '../datasets/submission-catalog.cache';

const VERSION = '0.1.0';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly queue: QueueService,
    private readonly dropped: DroppedWrites,
    private readonly authentications: AuthenticationCache,
    private readonly catalogs: SubmissionCatalogCache,
  ) {}

  /** 200 when PostgreSQL and Redis answer, 503 (with which one is down) otherwise. */
  @Public()
  @Get()
  async health(@Res({ passthrough: true }) response: Response): Promise<HealthDto> {
    const [database, redis] = await Promise.all([
      this.prisma.rows('health-ping', 'SELECT 1', []).then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      this.queue.isUp().then((up) => (up ? ('up' as const) : ('down' as const))),
    ]);
    const status = database === 'up' && redis === 'up' ? 'ok' : 'degraded';
    if (status !== 'ok') response.status(503);
    const logLines =
      database === 'up'
        ? await this.prisma
            .one<{ n: number | null }>('health-dropped-log-lines', 'SELECT sum("droppedLogLines")::int AS n FROM "Worker"', [])
            .catch(() => null)
        : null;
    return {
      status,
      database,
      redis,
      version: VERSION,
      dropped: { auditRows: this.dropped.auditRows, runLogLines: logLines ? (logLines.n ?? 0) : null },
      authCache: this.authentications.state,
      catalogCache: this.catalogs.state,
    };
  }
}
