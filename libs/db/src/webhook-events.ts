import type { PrismaClient } from '@prisma/client';

export const WEBHOOK_EVENTS = ['run.succeeded', 'run.failed', 'run.cancelled', 'sweep.completed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * Queues one delivery per subscribed webhook. Delivery ids derive from (event, subject, webhook), so recording the
 * same outcome twice (a retried job) never notifies twice. The API's delivery loop sends them.
 */
export async function recordWebhookEvent(prisma: PrismaClient, event: WebhookEvent, subjectId: string, payload: object): Promise<number> {
  const hooks = await prisma.webhook.findMany({ where: { active: true, OR: [{ events: { has: event } }, { events: { has: '*' } }] } });
  if (hooks.length === 0) return 0;
  const { count } = await prisma.webhookDelivery.createMany({
    data: hooks.map((hook) => ({
      id: `${event}:${subjectId}:${hook.id}`,
      webhookId: hook.id,
      event,
      payload: { event, at: new Date().toISOString(), data: payload },
    })),
    skipDuplicates: true,
  });
  return count;
}

/** After a run reached a terminal status: its event, and `sweep.completed` when it was its sweep's last run. */
export async function recordRunOutcome(prisma: PrismaClient, runId: string): Promise<void> {
  const run = await prisma.run.findUnique({ where: { id: runId } });
  if (!run || !['succeeded', 'failed', 'cancelled'].includes(run.status)) return;
  await recordWebhookEvent(prisma, `run.${run.status}` as WebhookEvent, run.id, {
    runId: run.id,
    sweepId: run.sweepId,
    status: run.status,
    sourceDomain: run.sourceDomain,
    seed: run.seed,
    error: run.error,
  });
  if (!run.sweepId) return;
  const open = await prisma.run.count({ where: { sweepId: run.sweepId, status: { in: ['queued', 'running'] } } });
  if (open > 0) return;
  const counts = await prisma.run.groupBy({ by: ['status'], where: { sweepId: run.sweepId }, _count: true });
  await recordWebhookEvent(prisma, 'sweep.completed', run.sweepId, {
    sweepId: run.sweepId,
    runCounts: Object.fromEntries(counts.map((c) => [c.status, c._count])),
  });
}
