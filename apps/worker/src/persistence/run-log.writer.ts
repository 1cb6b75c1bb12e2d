import { Injectable, Logger } from '@nestjs/common';
import { WorkerPrismaService } from './worker-prisma.service';

/**
 * A run's log lines go to Postgres (served by GET /runs/:id/logs and the SSE stream) and to the worker's log. A line
 * PostgreSQL refuses does not fail the run; it is counted, reported with the worker's heartbeat and shown at /health.
 */
@Injectable()
export class RunLogWriter {
  private readonly logger = new Logger('run');
  private dropped = 0;

  constructor(private readonly prisma: WorkerPrismaService) {}

  /** Lines this process could not store since it started. */
  get droppedLines(): number {
    return this.dropped;
  }

  async write(runId: string, level: 'info' | 'warn' | 'error', message: string): Promise<void> {
    this.logger[level === 'info' ? 'log' : level](`[${runId}] ${message}`);
    await this.prisma.client.runLog.create({ data: { runId, level, message } }).catch((error: Error) => {
      this.dropped++;
      this.logger.warn(`[${runId}] run log line not stored (${error.message}); ${this.dropped} dropped so far`);
    });
  }
}
