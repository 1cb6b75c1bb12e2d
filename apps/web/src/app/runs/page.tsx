import type { RunsTableDto } from '@fer/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiErrorNotice } from '@/components/api-error-notice';
import { AutoRefresh } from '@/components/auto-refresh';
import { EmptyState } from '@/components/empty-state';
import { RunsGrid } from '@/components/runs/runs-grid';
import { OracleWarning, SelectionSwitch } from '@/components/selection-switch';
import { formatNumber } from '@/lib/format';
import { firstParam, queryString, type SearchParams } from '@/lib/search-params';
import { parseSelection, selectionOption } from '@/lib/selection';
import { apiGet, load } from '@/server/api-client';

export const metadata: Metadata = { title: 'Runs' };

const PAGE_SIZE = 50;

export default async function RunsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const selection = parseSelection(firstParam(params, 'selection'));
  const filter = firstParam(params, 'filter') ?? '';
  const sort = firstParam(params, 'sort') ?? 'createdAt';
  const order = firstParam(params, 'order') === 'asc' ? 'asc' : 'desc';
  const groupBy = firstParam(params, 'groupBy') || undefined;
  const sweepId = firstParam(params, 'sweepId') || undefined;
  const offset = Math.max(0, Number(firstParam(params, 'offset') ?? 0) || 0);
  const hidden = new Set((firstParam(params, 'hide') ?? '').split(',').filter(Boolean));
  const state = {
    selection,
    filter: filter || undefined,
    sort,
    order,
    groupBy,
    sweepId,
    hide: [...hidden].join(',') || undefined,
  };
  const table = await load(
    apiGet<RunsTableDto>(
      `/runs/table${queryString({ selection, filter: filter || undefined, sort, order, groupBy, sweepId, limit: PAGE_SIZE, offset })}`,
    ),
  );
  const href = (changes: Record<string, string | number | undefined>) =>
    `/runs${queryString({ ...state, ...changes })}`;
  const option = selectionOption(selection);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Runs</h1>
          <p className="muted">
            Every run with what it varied and what it scored ({option.label.toLowerCase()}). Filter like{' '}
            <code>method = cafe and lambdaDiverse &gt; 1</code> or <code>acc.sfew &gt;= 40</code>; sort by any column;
            group by a parameter for mean ± std over its runs; tick runs to compare them.
          </p>
        </div>
        <AutoRefresh seconds={10} initiallyOn={false} />
      </div>
      <SelectionSwitch selection={selection} />
      {selection === 'oracle' && <OracleWarning />}
      <form className="controls" method="get" action="/runs" data-testid="runs-filter-form">
        <input type="hidden" name="selection" value={selection} />
        {sweepId && <input type="hidden" name="sweepId" value={sweepId} />}
        <input type="hidden" name="sort" value={sort} />
        <input type="hidden" name="order" value={order} />
        <div className="field" style={{ flex: 1, minWidth: 320 }}>
          <label htmlFor="runs-filter">Filter</label>
          <input
            id="runs-filter"
            name="filter"
            type="search"
            defaultValue={filter}
            placeholder="method = cafe and lambdaDiverse > 1"
            data-testid="runs-filter"
          />
        </div>
        <div className="field">
          <label htmlFor="runs-group">Group by</label>
          <select id="runs-group" name="groupBy" defaultValue={groupBy ?? ''} data-testid="runs-group-by">
            <option value="">no grouping</option>
            {['method', 'source', 'seed', ...(table.ok ? table.data.parameters : [])]
              .filter((v, i, all) => all.indexOf(v) === i)
              .map((field) => (
                <option key={field} value={field}>
                  {field}
                </option>
              ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="runs-hide">Hide columns</label>
          <input
            id="runs-hide"
            name="hide"
            defaultValue={[...hidden].join(',')}
            placeholder="e.g. acc.synth-noisy,seed"
            data-testid="runs-hide"
          />
        </div>
        <button type="submit" className="button" data-testid="runs-apply">
          Apply
        </button>
        {sweepId && (
          <span className="small">
            sweep <span className="mono">{sweepId}</span> ·{' '}
            <Link href={href({ sweepId: undefined, offset: undefined })}>all runs</Link>
          </span>
        )}
      </form>
      {!table.ok ? (
        <ApiErrorNotice error={table.error} />
      ) : table.data.total === 0 ? (
        <EmptyState title={filter ? 'No run matches the filter.' : 'No runs yet.'} testId="runs-empty">
          Runs are created by <Link href="/sweeps/new">sweeps</Link>.
        </EmptyState>
      ) : (
        <>
          {table.data.groups && (
            <div className="table-wrap" style={{ marginBottom: 16 }}>
              <table className="data" data-testid="runs-groups">
                <caption>
                  Grouped by {groupBy}: mean ± std over the scored runs of each value ({option.label.toLowerCase()})
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{groupBy}</th>
                    <th scope="col" className="num">
                      Runs (scored)
                    </th>
                    <th scope="col" className="num">
                      Target mean
                    </th>
                    <th scope="col" className="num">
                      Source acc
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {table.data.groups.map((group) => (
                    <tr
                      key={group.value ?? '—'}
                      data-testid={`runs-group-${group.value ?? ''}`}
                      data-mean={group.targetMean?.toFixed(2) ?? ''}
                    >
                      <th scope="row" className="mono">
                        {group.value || '—'}
                      </th>
                      <td className="num">
                        {group.runs} ({group.scored})
                      </td>
                      <td className="num">
                        {formatNumber(group.targetMean)}
                        {group.targetStd !== null && ` ± ${formatNumber(group.targetStd)}`}
                      </td>
                      <td className="num">
                        {formatNumber(group.sourceMean)}
                        {group.sourceStd !== null && ` ± ${formatNumber(group.sourceStd)}`}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <RunsGrid
            rows={table.data.rows}
            parameters={table.data.parameters.filter((p) => !hidden.has(p))}
            domains={table.data.domains.filter((d) => !hidden.has(`acc.${d}`))}
            selection={selection}
            sort={{ field: sort, order }}
            sortHref={Object.fromEntries(
              [
                'id',
                'method',
                'source',
                'seed',
                'status',
                'sourceAccuracy',
                'targetMean',
                ...table.data.parameters,
                ...table.data.domains.map((d) => `acc.${d}`),
              ].map((field) => [
                field,
                href({ sort: field, order: sort === field && order === 'desc' ? 'asc' : 'desc', offset: undefined }),
              ]),
            )}
          />
          <nav
            className="row"
            aria-label="Pages"
            style={{ marginTop: 8 }}
            data-testid="runs-pages"
            data-total={table.data.total}
          >
            <span className="muted small">
              runs {offset + 1}–{Math.min(offset + PAGE_SIZE, table.data.total)} of {table.data.total}
            </span>
            {offset > 0 && (
              <Link
                className="button"
                href={href({ offset: Math.max(0, offset - PAGE_SIZE) || undefined })}
                data-testid="runs-prev"
              >
                Previous
              </Link>
            )}
            {offset + PAGE_SIZE < table.data.total && (
              <Link className="button" href={href({ offset: offset + PAGE_SIZE })} data-testid="runs-next">
                Next
              </Link>
            )}
          </nav>
        </>
      )}
    </>
  );
}
