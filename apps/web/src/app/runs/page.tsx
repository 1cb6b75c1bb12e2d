import type { Page, RunSummaryDto } from '@fer/contracts';
import { RUN_STATUSES } from '@fer/contracts/run-status';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiErrorNotice } from '@/components/api-error-notice';
import { AutoRefresh } from '@/components/auto-refresh';
import { EmptyState } from '@/components/empty-state';
import { RunsTable } from '@/components/runs/runs-table';
import { firstParam, queryString, type SearchParams } from '@/lib/search-params';
import { apiGet, load } from '@/server/api-client';

export const metadata: Metadata = { title: 'Runs' };

const LIMIT = 200;

export default async function RunsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const requested = firstParam(params, 'status');
  const status = (RUN_STATUSES as readonly string[]).includes(requested ?? '') ? requested : undefined;
  const sweepId = firstParam(params, 'sweepId');
  const runs = await load(apiGet<Page<RunSummaryDto>>(`/runs${queryString({ status, sweepId, limit: LIMIT })}`));
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Runs</h1>
          <p className="muted">One run trains one config on one source domain with one seed.</p>
        </div>
        <AutoRefresh seconds={10} initiallyOn={false} />
      </div>
      <nav aria-label="Filter runs by status" className="row" style={{ marginBottom: 12 }}>
        {[undefined, ...RUN_STATUSES].map((value) => (
          <Link
            key={value ?? 'all'}
            href={`/runs${queryString({ status: value, sweepId })}`}
            className="button"
            aria-current={value === status ? 'page' : undefined}
            style={value === status ? { background: 'var(--accent)', color: 'var(--accent-fg)' } : undefined}
            data-testid={`runs-filter-${value ?? 'all'}`}
          >
            {value ?? 'all'}
          </Link>
        ))}
      </nav>
      {!runs.ok ? (
        <ApiErrorNotice error={runs.error} />
      ) : runs.data.items.length === 0 ? (
        <EmptyState title={status ? `No ${status} runs.` : 'No runs yet.'}>
          Runs are created by <Link href="/sweeps/new">sweeps</Link>.
        </EmptyState>
      ) : (
        <RunsTable
          runs={runs.data.items}
          caption={`${runs.data.total} run${runs.data.total === 1 ? '' : 's'}${runs.data.total > runs.data.items.length ? `, newest ${runs.data.items.length} shown` : ''}`}
        />
      )}
    </>
  );
}
