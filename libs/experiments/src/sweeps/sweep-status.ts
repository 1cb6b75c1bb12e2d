import type { RunStatus, SweepStatus } from '@fer/contracts';

/** A sweep's status is derived from its runs; only cancellation is stored. Pruned runs ended as planned: they count as done. */
export function sweepStatus(counts: Record<RunStatus, number>, cancelled: boolean): SweepStatus {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (cancelled && counts.running === 0) return 'cancelled';
  if (counts.running > 0 || (counts.queued > 0 && counts.queued < total)) return 'running';
  if (counts.queued === total) return 'queued';
  return counts.failed > 0 ? 'failed' : counts.cancelled === total ? 'cancelled' : 'succeeded';
}
