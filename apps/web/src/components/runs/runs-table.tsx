import type { ModelSelection, RunSummaryDto } from '@fer/contracts';
import Link from 'next/link';
import { DEFAULT_SELECTION, withSelection } from '@/lib/selection';
import { ProgressBar } from '@/components/progress-bar';
import { StatusBadge } from '@/components/status-badge';
import { domainLabel, formatDateTime } from '@/lib/format';

export function RunsTable({
  runs,
  caption,
  testId,
  selection = DEFAULT_SELECTION,
}: {
  runs: RunSummaryDto[];
  caption?: string;
  testId?: string;
  /** Carried into the run links, so the run page opens under the selection in force. */
  selection?: ModelSelection;
}) {
  // Only a tpe search's runs belong to trials: the column is shown when one does.
  const trials = runs.some((run) => run.trial !== null && run.trial !== undefined);
  return (
    <div className="table-wrap tall">
      <table className="data" data-testid={testId ?? 'runs-table'}>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Source</th>
            <th scope="col">Method</th>
            {trials && (
              <th scope="col" className="num">
                Trial
              </th>
            )}
            <th scope="col" className="num">
              Seed
            </th>
            <th scope="col">Progress</th>
            <th scope="col">Worker</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id} data-testid={`run-row-${run.id}`}>
              <td>
                <Link prefetch={false} href={withSelection(`/runs/${encodeURIComponent(run.id)}`, selection)} className="mono">
                  {run.id}
                </Link>
                <span className="row-meta mono">{run.configId}</span>
                {run.replacesRunId && (
                  <span className="row-meta" data-testid={`run-replaces-${run.id}`}>
                    retrains{' '}
                    <Link
                      prefetch={false}
                      href={withSelection(`/runs/${encodeURIComponent(run.replacesRunId)}`, selection)}
                      className="mono"
                    >
                      {run.replacesRunId}
                    </Link>
                  </span>
                )}
              </td>
              <td>
                <StatusBadge status={run.status} />
                {run.attempts > 1 && <span className="row-meta">attempt {run.attempts}</span>}
                {run.status === 'queued' && run.heldReason && (
                  <span className="row-meta" data-testid={`run-held-${run.id}`} title={run.heldReason}>
                    held: {run.heldReason}
                  </span>
                )}
                {run.error && (
                  <span className="row-meta" title={run.error} style={{ color: 'var(--danger)' }}>
                    {run.error}
                  </span>
                )}
              </td>
              <td>{domainLabel(run.sourceDomain)}</td>
              <td>{run.method}</td>
              {trials && <td className="num">{run.trial ?? '—'}</td>}
              <td className="num">{run.seed}</td>
              <td>
                <ProgressBar value={run.progress} label={`Progress of run ${run.id}`} />
                <span className="row-meta">
                  epoch {run.epoch}/{run.epochs}
                </span>
              </td>
              <td className="small">
                {run.workerId ?? '—'}
                {run.backend && <span className="row-meta">{run.backend}</span>}
              </td>
              <td className="small">{formatDateTime(run.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
