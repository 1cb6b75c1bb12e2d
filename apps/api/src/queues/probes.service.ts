import { QueueName, QueueProbeBatchDto, QueueProbesCreatedDto } from '@fer/contracts';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ApiError } from '../common/api-error';
import { QueueService } from './queue.service';
import { PrismaService } from '../database/prisma.service';
import { summarizeProbes } from './probe-summary';

export const MAX_PROBES_PER_REQUEST = 1000;

export const createProbesSchema = z
  .object({
    /** How many probes to send at once; each is a job of its own, so several workers can answer. */
    count: z.number().int().min(1).max(MAX_PROBES_PER_REQUEST).default(1),
  })
  .strict();
export type CreateProbesInput = z.output<typeof createProbesSchema>;

/**
 * Queue probes: empty canary jobs through the whole dispatch path (rows in PostgreSQL, jobs in BullMQ, answered by
 * whichever worker consumes the probe queue). Operators use them to see that workers are alive and how fast
 * dispatch is; the orchestration bench uses them to time the path without training.
 */
@Injectable()
export class ProbesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly queue: QueueService,
  ) {}

  async send({ count }: CreateProbesInput): Promise<QueueProbesCreatedDto> {
    const requestedAt = new Date();
    const batchId = randomUUID();
    const probeIds = Array.from({ length: count }, () => randomUUID());
    const db = this.prisma.client;
    await db.queueProbe.createMany({ data: probeIds.map((id) => ({ id, batchId, requestedAt })) });
    try {
      await this.queue.queues.enqueueMany(
        QueueName.Probe,
        probeIds.map((probeId) => ({ probeId })),
        { priority: 'interactive' },
      );
    } catch (error) {
      // A probe that never reached the queue would read as "no worker answered": store none of them.
      await db.queueProbe.deleteMany({ where: { batchId } }).catch(() => undefined);
      throw error;
    }
    // A worker may have started a probe before BullMQ's reply got back here: enqueuedAt is then bounded by startedAt
    // (BullMQ accepted the job before the worker took it), so requested <= enqueued <= started <= finished holds.
    const enqueuedAt = new Date().toISOString();
    await db.$executeRaw`
      UPDATE "QueueProbe"
      SET "enqueuedAt" = LEAST(${enqueuedAt}::timestamptz AT TIME ZONE 'UTC', COALESCE("startedAt", ${enqueuedAt}::timestamptz AT TIME ZONE 'UTC'))
      WHERE "batchId" = ${batchId}`;
    return { batchId, probeIds };
  }

  async batch(batchId: string): Promise<QueueProbeBatchDto> {
    const rows = await this.prisma.client.queueProbe.findMany({
      where: { batchId },
      orderBy: [{ startedAt: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }],
    });
    if (!rows.length) throw ApiError.notFound('probe batch', batchId);
    const iso = (date: Date | null) => date?.toISOString() ?? null;
    return {
      batchId,
      probes: rows.map((row) => ({
        id: row.id,
        requestedAt: row.requestedAt.toISOString(),
        enqueuedAt: iso(row.enqueuedAt),
        startedAt: iso(row.startedAt),
        finishedAt: iso(row.finishedAt),
        workerId: row.workerId,
      })),
      summary: summarizeProbes(rows),
    };
  }
}
