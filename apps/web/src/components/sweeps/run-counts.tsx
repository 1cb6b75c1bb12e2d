import type { RunStatus } from '@fer/contracts';
import { RUN_STATUSES } from '@fer/contracts/run-status';

export function RunCounts({ counts }: { counts: Record<RunStatus, number> }) {
  const parts = RUN_STATUSES.filter((status) => (counts[status] ?? 0) > 0);
  if (parts.length === 0) return <span className="muted">no runs</span>;
  return (
    <span className="small">
      {parts.map((status, index) => (
        <span key={status} data-status={status}>
          {index > 0 && ' · '}
          {counts[status]} {status}
        </span>
      ))}
    </span>
  );
}
