import { QueueOverviewDto, QueueStatsDto, WorkerDto } from '@fer/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { API_ENV, ApiEnv } from '../config/api-env.schema';
import { QueueService } from './queue.service';
import { PrismaService } from '../database/prisma.service';

@Injectable()
export class QueuesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly queue: QueueService,
    @Inject(API_ENV) private readonly env: ApiEnv,
  ) {}

  async overview(): Promise<QueueOverviewDto> {
    const queues = await Promise.all(this.queue.queues.all().map((q) => this.stats(q.name)));
    const workers = await this.prisma.client.worker.findMany({ orderBy: { startedAt: 'desc' }, take: 200 });
    const now = Date.now();
    return {
      queues,
      workers: workers.map(
        (w): WorkerDto => ({
          id: w.id,
          host: w.host,
          device: w.device,
          backend: w.backend,
          status: w.status,
          currentJob: w.currentJob,
          lastHeartbeatAt: w.lastHeartbeatAt.toISOString(),
          heartbeatAgeSeconds: Math.round((now - w.lastHeartbeatAt.getTime()) / 100) / 10,
        }),
      ),
    };
  }

  private async stats(name: string): Promise<QueueStatsDto> {
    const queue = this.queue.queues.all().find((q) => q.name === name)!;
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
    const recent = await queue.getJobs(['completed'], 0, 499, false);
    const minuteAgo = Date.now() - 60_000;
    return {
      name,
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      prioritized: counts.prioritized ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      completedPerMinute: recent.filter((job) => (job?.finishedOn ?? 0) >= minuteAgo).length,
    };
  }

  get lostAfterSeconds(): number {
    return this.env.FER_WORKER_LOST_AFTER_SECONDS;
  }
}
