import type { Page, SweepSummaryDto } from '@fer/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiErrorNotice } from '@/components/api-error-notice';
import { AutoRefresh } from '@/components/auto-refresh';
import { EmptyState } from '@/components/empty-state';
import { ProgressBar } from '@/components/progress-bar';
import { StatusBadge } from '@/components/status-badge';
import { RunCounts } from '@/components/sweeps/run-counts';
import { SWEEP_STATUSES } from '@fer/contracts/run-status';
import { domainLabel, formatDateTime } from '@/lib/format';
import { firstParam, queryString, type SearchParams } from '@/lib/search-params';
import { apiGet, load } from '@/server/api-client';
import { canLaunch } from '@/server/session';

export const metadata: Metadata = { title: 'Sweeps' };

/** The list's filters, in the URL: a name or id fragment, a status, a benchmark. */
function matches(sweep: SweepSummaryDto, filter: { q?: string; status?: string; benchmark?: string }): boolean {
  const q = filter.q?.trim().toLowerCase();
  if (q && !sweep.name.toLowerCase().includes(q) && !sweep.id.includes(q)) return false;
  if (filter.status && sweep.status !== filter.status) return false;
  if (filter.benchmark && sweep.benchmark !== filter.benchmark) return false;
  return true;
}

export default async function SweepsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const filter = {
    q: firstParam(params, 'q'),
    status: firstParam(params, 'status'),
    benchmark: firstParam(params, 'benchmark'),
  };
  const [sweeps, launch] = await Promise.all([load(apiGet<Page<SweepSummaryDto>>('/sweeps')), canLaunch()]);
  const shown = sweeps.ok ? sweeps.data.items.filter((sweep) => matches(sweep, filter)) : [];
  const benchmarks = sweeps.ok ? [...new Set(sweeps.data.items.map((s) => s.benchmark))].sort() : [];
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
        <>
          <form className="controls" method="get" action="/sweeps" data-testid="sweeps-filter">
            <div className="field">
              <label htmlFor="sweeps-q">Search</label>
              <input
                id="sweeps-q"
                name="q"
                type="search"
                defaultValue={filter.q ?? ''}
                placeholder="name or id"
                data-testid="sweeps-q"
              />
            </div>
            <div className="field">
              <label htmlFor="sweeps-status">Status</label>
              <select id="sweeps-status" name="status" defaultValue={filter.status ?? ''} data-testid="sweeps-status">
                <option value="">any</option>
                {SWEEP_STATUSES.map((status) => (
                  <option key={status} value={status}>
                    {status}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="sweeps-benchmark">Benchmark</label>
              <select
                id="sweeps-benchmark"
                name="benchmark"
                defaultValue={filter.benchmark ?? ''}
                data-testid="sweeps-benchmark"
              >
                <option value="">any</option>
                {benchmarks.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" className="button" data-testid="sweeps-apply">
              Filter
            </button>
          </form>
          <div className="table-wrap tall">
            <table className="data" data-testid="sweeps-table">
              <caption>
                {shown.length === sweeps.data.items.length
                  ? `${sweeps.data.total} sweep${sweeps.data.total === 1 ? '' : 's'}`
                  : `${shown.length} of ${sweeps.data.items.length} sweeps match`}
                {sweeps.data.total > sweeps.data.items.length ? `, newest ${sweeps.data.items.length} listed` : ''}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Benchmark</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Runs</th>
                  <th scope="col" title="the config group with the best target mean, last epoch, succeeded runs">
                    Best (target mean %)
                  </th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((sweep) => (
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
                    <td
                      data-testid={`sweep-best-${sweep.id}`}
                      data-value={sweep.best ? sweep.best.targetMean.toFixed(2) : ''}
                    >
                      {sweep.best ? (
                        <Link
                          prefetch={false}
                          href={`/${queryString({ benchmark: sweep.benchmark, source: sweep.best.source })}`}
                        >
                          <span className="cell-mean">{sweep.best.targetMean.toFixed(2)}</span>{' '}
                          <span className="row-meta">
                            {sweep.best.method} from {domainLabel(sweep.best.source)}, n={sweep.best.runs}
                          </span>
                        </Link>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td className="small">{formatDateTime(sweep.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
