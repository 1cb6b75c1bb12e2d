import { Injectable, Logger } from '@nestjs/common';
import { WorkerPrismaService } from './worker-prisma.service';

/** A run's log lines go to Postgres (served by GET /runs/:id/logs and the SSE stream) and to the worker's log. */
@Injectable()
export class RunLogWriter {
  private readonly logger = new Logger('run');

  constructor(private readonly prisma: WorkerPrismaService) {}

  async write(runId: string, level: 'info' | 'warn' | 'error', message: string): Promise<void> {
    this.logger[level === 'info' ? 'log' : level](`[${runId}] ${message}`);
    await this.prisma.client.runLog.create({ data: { runId, level, message } }).catch(() => undefined);
  }
}
