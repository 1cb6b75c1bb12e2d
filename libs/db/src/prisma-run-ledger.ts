import type { RunLedger } from '@fer/experiments';
import type { PrismaClient } from '@prisma/client';

/** PostgreSQL behind the experiment domain's RunLedger port: queries only, the rules live in @fer/experiments. */
export function prismaRunLedger(prisma: PrismaClient): RunLedger {
  return {
    async newestReadyDatasets(domains) {
      const rows = await prisma.dataset.findMany({
        where: { domain: { in: domains }, status: 'ready' },
        orderBy: [{ createdAt: 'desc' }, { version: 'desc' }],
        distinct: ['domain'],
        select: { id: true, domain: true },
      });
      return new Map(rows.map((row) => [row.domain, row.id]));
    },
    writtenEvaluations: (runId) => prisma.evaluation.findMany({ where: { runId }, select: { datasetId: true, epoch: true } }),
    async closeSucceeded(runId) {
      const { count } = await prisma.run.updateMany({
        where: { id: runId, status: { in: ['queued', 'running'] }, trainedAt: { not: null } },
        data: { status: 'succeeded', progress: 1, finishedAt: new Date(), workerId: null },
      });
      return count > 0;
    },
    async closeFailed(runId, error) {
      const { count } = await prisma.run.updateMany({
        where: { id: runId, status: { in: ['queued', 'running'] } },
        data: { status: 'failed', error, finishedAt: new Date(), workerId: null },
      });
      return count > 0;
    },
    runOutcome: (runId) =>
      prisma.run.findUnique({ where: { id: runId }, select: { id: true, sweepId: true, status: true, sourceDomain: true, seed: true, error: true } }),
    async sweepRunCounts(sweepId) {
      const counts = await prisma.run.groupBy({ by: ['status'], where: { sweepId }, _count: true });
      const byStatus: Record<string, number> = Object.fromEntries(counts.map((c) => [c.status, c._count]));
      // A tpe search with trials still to propose is not complete between trials: those trials count as queued.
      const sweep = await prisma.sweep.findUnique({ where: { id: sweepId }, select: { searchSpace: true, cancelledAt: true, _count: { select: { trials: true } } } });
      const search = sweep?.searchSpace as { kind?: string; budget?: number } | undefined;
      if (sweep && !sweep.cancelledAt && search?.kind === 'tpe' && typeof search.budget === 'number' && sweep._count.trials < search.budget)
        byStatus.queued = (byStatus.queued ?? 0) + 1;
      return byStatus;
    },
    async subscribedWebhooks(event) {
      const hooks = await prisma.webhook.findMany({
        where: { active: true, OR: [{ events: { has: event } }, { events: { has: '*' } }] },
        select: { id: true },
      });
      return hooks.map((hook) => hook.id);
    },
    async queueDeliveries(deliveries) {
      const { count } = await prisma.webhookDelivery.createMany({ data: deliveries, skipDuplicates: true });
      return count;
    },
  };
}
