import type { LatencyPercentilesDto, QueueProbeSummaryDto } from '@fer/contracts';

export interface ProbeTimes {
  requestedAt: Date;
  enqueuedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  workerId: string | null;
}

/** Nearest-rank percentile (p in 0..100) of an unsorted list; null when empty. The bench uses the same rule. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function percentiles(values: number[]): LatencyPercentilesDto {
  return { p50: percentile(values, 50), p99: percentile(values, 99) };
}

/** Answered = the worker wrote finishedAt; latencies are over the answered probes only. */
export function summarizeProbes(probes: ProbeTimes[]): QueueProbeSummaryDto {
  const answered = probes.filter(
    (p): p is ProbeTimes & { startedAt: Date; finishedAt: Date } => p.startedAt !== null && p.finishedAt !== null,
  );
  const ms = (later: Date, earlier: Date) => later.getTime() - earlier.getTime();
  const byWorker = new Map<string, number>();
  for (const probe of answered) {
    const id = probe.workerId ?? 'unknown';
    byWorker.set(id, (byWorker.get(id) ?? 0) + 1);
  }
  return {
    count: probes.length,
    answered: answered.length,
    pending: probes.length - answered.length,
    requestToStartMs: percentiles(answered.map((p) => ms(p.startedAt, p.requestedAt))),
    enqueueToStartMs: percentiles(answered.filter((p) => p.enqueuedAt).map((p) => ms(p.startedAt, p.enqueuedAt!))),
    requestToFinishMs: percentiles(answered.map((p) => ms(p.finishedAt, p.requestedAt))),
    workers: [...byWorker]
      .map(([workerId, count]) => ({ workerId, answered: count }))
      .sort((a, b) => b.answered - a.answered || a.workerId.localeCompare(b.workerId)),
  };
}
