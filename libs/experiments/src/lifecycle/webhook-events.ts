import { TERMINAL_RUN_STATUSES, type RunStatus } from '@fer/contracts';
import type { RunLedger } from './run-ledger';

export const WEBHOOK_EVENTS = ['run.succeeded', 'run.pruned', 'run.failed', 'run.cancelled', 'sweep.completed', 'leaderboard.stale'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

const OPEN: readonly RunStatus[] = ['queued', 'running'];

/** Delivery ids derive from (event, subject, webhook), so recording the same outcome twice never notifies twice. */
export function deliveryId(event: WebhookEvent, subjectId: string, webhookId: string): string {
  return `${event}:${subjectId}:${webhookId}`;
}

/** The event a run's status announces, or none while the run is open. */
export function runOutcomeEvent(status: RunStatus): WebhookEvent | null {
  return TERMINAL_RUN_STATUSES.includes(status) ? (`run.${status}` as WebhookEvent) : null;
}

/** A sweep is complete when none of its runs is queued or running. */
export function isSweepComplete(counts: Partial<Record<RunStatus, number>>): boolean {
  return OPEN.every((status) => !counts[status]);
}

/** Queues one delivery per subscribed webhook; the API's delivery loop sends them. Returns how many were new. */
export async function recordWebhookEvent(
  ledger: RunLedger,
  event: WebhookEvent,
  subjectId: string,
  payload: object,
): Promise<number> {
  const hooks = await ledger.subscribedWebhooks(event);
  if (hooks.length === 0) return 0;
  const at = new Date().toISOString();
  return ledger.queueDeliveries(
    hooks.map((webhookId) => ({
      id: deliveryId(event, subjectId, webhookId),
      webhookId,
      event,
      payload: { event, at, data: payload },
    })),
  );
}

/** After a run reached a terminal status: its event, and `sweep.completed` when it was its sweep's last open run. */
export async function recordRunOutcome(ledger: RunLedger, runId: string): Promise<void> {
  const run = await ledger.runOutcome(runId);
  const event = run && runOutcomeEvent(run.status);
  if (!run || !event) return;
  await recordWebhookEvent(ledger, event, run.id, {
    runId: run.id,
    sweepId: run.sweepId,
    status: run.status,
    sourceDomain: run.sourceDomain,
    seed: run.seed,
    error: run.error,
  });
  if (!run.sweepId) return;
  const counts = await ledger.sweepRunCounts(run.sweepId);
  if (!isSweepComplete(counts)) return;
  await recordWebhookEvent(ledger, 'sweep.completed', run.sweepId, { sweepId: run.sweepId, runCounts: counts });
}
