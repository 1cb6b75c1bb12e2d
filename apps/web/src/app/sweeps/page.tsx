import type { Page, SweepSummaryDto } from '@fer/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiErrorNotice } from '@/components/api-error-notice';
import { AutoRefresh } from '@/components/auto-refresh';
import { EmptyState } from '@/components/empty-state';
import { ProgressBar } from '@/components/progress-bar';
import { StatusBadge } from '@/components/status-badge';
import { RunCounts } from '@/components/sweeps/run-counts';
import { formatDateTime } from '@/lib/format';
import { apiGet, load } from '@/server/api-client';
import { canLaunch } from '@/server/session';

export const metadata: Metadata = { title: 'Sweeps' };

export default async function SweepsPage() {
  const [sweeps, launch] = await Promise.all([load(apiGet<Page<SweepSummaryDto>>('/sweeps')), canLaunch()]);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Sweeps</h1>
          <p className="muted">Each sweep expands a base config and a search space into runs over sources and seeds.</p>
        </div>
        <div className="row">
          <AutoRefresh seconds={10} />
          {launch && (
            <Link href="/sweeps/new" className="button button-primary" data-testid="new-sweep">
              New sweep
            </Link>
          )}
        </div>
      </div>
      {!sweeps.ok ? (
        <ApiErrorNotice error={sweeps.error} />
      ) : sweeps.data.items.length === 0 ? (
        <EmptyState title="No sweeps yet." testId="sweeps-empty">
          {launch ? (
            <>
              <Link href="/sweeps/new">Create the first one</Link> from a form or a pasted spec.
            </>
          ) : (
            'A key with the launch role creates them.'
          )}
        </EmptyState>
      ) : (
        <div className="table-wrap tall">
          <table className="data" data-testid="sweeps-table">
            <caption>
              {sweeps.data.total} sweep{sweeps.data.total === 1 ? '' : 's'}
              {sweeps.data.total > sweeps.data.items.length ? `, newest ${sweeps.data.items.length} shown` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Benchmark</th>
                <th scope="col">Progress</th>
                <th scope="col">Runs</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {sweeps.data.items.map((sweep) => (
                <tr key={sweep.id} data-testid={`sweep-row-${sweep.id}`}>
                  <td>
                    <Link prefetch={false} href={`/sweeps/${encodeURIComponent(sweep.id)}`}>
                      {sweep.name}
                    </Link>
                    <span className="row-meta mono">{sweep.id}</span>
                  </td>
                  <td>
                    <StatusBadge status={sweep.status} />
                  </td>
                  <td>{sweep.benchmark}</td>
                  <td>
                    <ProgressBar value={sweep.progress} label={`Progress of ${sweep.name}`} />
                  </td>
                  <td>
                    <span className="row-meta">{sweep.totalRuns} total</span>
                    <RunCounts counts={sweep.runCounts} />
                  </td>
                  <td className="small">{formatDateTime(sweep.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
