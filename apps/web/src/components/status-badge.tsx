const TONES: Record<string, string> = {
  queued: 'neutral',
  importing: 'neutral',
  running: 'info',
  online: 'ok',
  succeeded: 'ok',
  // stopped early by the sweep's early-stopping rule: ended as planned, neither a failure nor a cancellation
  pruned: 'pruned',
  ready: 'ok',
  failed: 'danger',
  lost: 'danger',
  stalled: 'warn',
  cancelled: 'muted',
  stopped: 'muted',
};

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`badge badge-${TONES[status] ?? 'neutral'}`} data-testid={testId} data-status={status}>
      {status}
    </span>
  );
}
