'use client';

import type { ModelSelection, RunsTableRowDto } from '@fer/contracts';
import Link from 'next/link';
import { useState } from 'react';
import { StatusBadge } from '@/components/status-badge';
import { domainLabel, formatConfigValue, formatNumber } from '@/lib/format';
import { withSelection } from '@/lib/selection';

const MAX_COMPARED = 10;

/**
 * The runs table's rows (the page sorts, filters and pages them on the server): chosen columns, and a tick per row
 * to compare 2 to 10 runs side by side.
 */
export function RunsGrid({
  rows,
  parameters,
  domains,
  selection,
  sortHref,
  sort,
}: {
  rows: RunsTableRowDto[];
  parameters: string[];
  domains: string[];
  selection: ModelSelection;
  /** The page's URL sorted by a field (the server sorts). */
  sortHref: Record<string, string>;
  sort: { field: string; order: 'asc' | 'desc' };
}) {
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (id: string) => setPicked((now) => (now.includes(id) ? now.filter((x) => x !== id) : [...now, id]));
  const header = (field: string, label: string, numeric = false) => (
    <th
      key={field}
      scope="col"
      className={numeric ? 'num' : undefined}
      aria-sort={sort.field === field ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <Link href={sortHref[field]} data-testid={`runs-sort-${field}`}>
        {label}
        {sort.field === field ? (sort.order === 'asc' ? ' ▲' : ' ▼') : ''}
      </Link>
    </th>
  );
  const compareHref = withSelection(`/compare?runs=${picked.map(encodeURIComponent).join(',')}`, selection);
  return (
    <>
      <div className="row" style={{ margin: '8px 0' }}>
        <Link
          href={compareHref}
          className={`button${picked.length >= 2 && picked.length <= MAX_COMPARED ? ' button-primary' : ''}`}
          aria-disabled={picked.length < 2 || picked.length > MAX_COMPARED}
          onClick={(event) => {
            if (picked.length < 2 || picked.length > MAX_COMPARED) event.preventDefault();
          }}
          data-testid="runs-compare"
          data-count={picked.length}
        >
          Compare {picked.length} selected
        </Link>
        <span className="muted small">tick 2 to {MAX_COMPARED} runs</span>
      </div>
      <div className="table-wrap tall">
        <table className="data" data-testid="runs-grid">
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Select</span>
              </th>
              {header('id', 'Run')}
              {header('method', 'Method')}
              {header('source', 'Source')}
              {header('seed', 'Seed', true)}
              {header('status', 'Status')}
              {parameters.map((p) => header(p, p, true))}
              {header('sourceAccuracy', 'Source acc', true)}
              {header('targetMean', 'Target mean', true)}
              {domains.map((d) => header(`acc.${d}`, domainLabel(d), true))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} data-testid={`runs-grid-row-${row.id}`}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`select ${row.id}`}
                    checked={picked.includes(row.id)}
                    onChange={() => toggle(row.id)}
                    data-testid={`runs-pick-${row.id}`}
                  />
                </td>
                <td>
                  <Link
                    prefetch={false}
                    href={withSelection(`/runs/${encodeURIComponent(row.id)}`, selection)}
                    className="mono"
                  >
                    {row.id}
                  </Link>
                </td>
                <td>{row.method}</td>
                <td>{domainLabel(row.sourceDomain)}</td>
                <td className="num">{row.seed}</td>
                <td>
                  <StatusBadge status={row.status} />
                  {row.status === 'queued' && row.heldReason && (
                    <span className="row-meta" data-testid={`grid-held-${row.id}`} title={row.heldReason}>
                      held
                    </span>
                  )}
                </td>
                {parameters.map((p) => (
                  <td key={p} className="num mono">
                    {row.params[p] === undefined ? '—' : formatConfigValue(row.params[p])}
                  </td>
                ))}
                <td className="num">{formatNumber(row.sourceAccuracy)}</td>
                <td
                  className="num"
                  data-testid={`runs-target-${row.id}`}
                  data-value={row.targetMean === null ? '' : row.targetMean.toFixed(2)}
                >
                  <strong>{formatNumber(row.targetMean)}</strong>
                </td>
                {domains.map((d) => (
                  <td key={d} className={`num${d === row.sourceDomain ? ' in-domain' : ''}`}>
                    {formatNumber(row.accuracy[d])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
