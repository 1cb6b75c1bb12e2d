import { JobPayload, QueueName } from '@fer/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { withDatabaseRetry } from '../persistence/database-retry';
import { WorkerPrismaService } from '../persistence/worker-prisma.service';
import { WorkerIdentity } from '../registration/worker-identity';
import { WORKER_IDENTITY } from '../registration/worker-registry.service';
import type { JobHandler, JobOutcome } from './job-handler';

const utc = (date: Date) => date.toISOString();

/** Answers a queue probe (POST /queues/probes): this worker's id and times on the probe's row. Nothing else. */
@Injectable()
export class ProbeJob implements JobHandler<QueueName.Probe> {
  readonly queue = QueueName.Probe;

  constructor(
    private readonly prisma: WorkerPrismaService,
    @Inject(WORKER_IDENTITY) private readonly identity: WorkerIdentity,
  ) {}

  async handle({ probeId }: JobPayload<QueueName.Probe>): Promise<JobOutcome> {
    const startedAt = utc(new Date());
    // One statement: the first answer wins (a probe re-run after a stall keeps its first worker), and enqueuedAt is
    // bounded by startedAt when the API's write of it lost the race to this one (see ProbesService.send).
    const updated = await withDatabaseRetry(
      () => this.prisma.client.$executeRaw`
        UPDATE "QueueProbe"
        SET "startedAt" = ${startedAt}::timestamptz AT TIME ZONE 'UTC',
            "finishedAt" = ${utc(new Date())}::timestamptz AT TIME ZONE 'UTC',
            "workerId" = ${this.identity.id},
            "enqueuedAt" = LEAST("enqueuedAt", ${startedAt}::timestamptz AT TIME ZONE 'UTC')
        WHERE "id" = ${probeId} AND "finishedAt" IS NULL`,
    );
    return updated
      ? { status: 'success' }
      : { status: 'skipped', reason: `probe ${probeId} is unknown or already answered` };
  }
}
