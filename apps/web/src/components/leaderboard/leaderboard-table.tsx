'use client';

import type { Leaderboard, LeaderboardCell, LeaderboardRow, ModelSelection } from '@fer/contracts';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { columnLabel, formatConfigValue } from '@/lib/format';
import { withSelection } from '@/lib/selection';

type Direction = 'ascending' | 'descending';
interface SortState {
  column: string;
  direction: Direction;
}

function cellOf(row: LeaderboardRow, column: string): LeaderboardCell | undefined {
  if (column === 'mean') return row.mean;
  if (column === 'targetMean') return row.targetMean;
  return row.cells[column];
}

function summaryText(row: LeaderboardRow): string {
  return Object.entries(row.configSummary)
    .map(([key, value]) => `${key}=${formatConfigValue(value)}`)
    .join(' · ');
}

export function LeaderboardTable({ leaderboard }: { leaderboard: Leaderboard }) {
  const columns = useMemo(() => [...leaderboard.domains, 'mean', 'targetMean'], [leaderboard.domains]);
  const [sort, setSort] = useState<SortState | null>(null);

  const rows = useMemo(() => {
    if (!sort) return leaderboard.rows;
    const factor = sort.direction === 'ascending' ? 1 : -1;
    const sorted = [...leaderboard.rows];
    sorted.sort((a, b) => {
      if (sort.column === 'label') return factor * a.label.localeCompare(b.label);
      const left = cellOf(a, sort.column)?.mean ?? null;
      const right = cellOf(b, sort.column)?.mean ?? null;
      // rows without a value stay at the bottom in both directions
      if (left === null && right === null) return 0;
      if (left === null) return 1;
      if (right === null) return -1;
      return factor * (left - right);
    });
    return sorted;
  }, [leaderboard.rows, sort]);

  function toggle(column: string) {
    setSort((previous) => {
      if (previous?.column === column) {
        return { column, direction: previous.direction === 'descending' ? 'ascending' : 'descending' };
      }
      return { column, direction: column === 'label' ? 'ascending' : 'descending' };
    });
  }

  function header(column: string, text: string) {
    const active = sort?.column === column;
    return (
      <button
        type="button"
        className="sort-button"
        onClick={() => toggle(column)}
        data-testid={`sort-${column}`}
        aria-label={`Sort by ${text}${active ? (sort.direction === 'descending' ? ', now descending' : ', now ascending') : ''}`}
      >
        {text}
        <span className="sort-indicator" aria-hidden="true">
          {active ? (sort.direction === 'descending' ? '▼' : '▲') : '↕'}
        </span>
      </button>
    );
  }

  return (
    <div className="table-wrap tall">
      <table className="data leaderboard" data-testid="leaderboard-table" aria-rowcount={rows.length + 1}>
        <caption>
          Accuracy (%) on each test domain, mean ± std over seeds, trained on {columnLabel(leaderboard.source)}. Mean
          includes the source column; target mean excludes it.
        </caption>
        <thead>
          <tr>
            <th scope="col" className="row-head" aria-sort={sort?.column === 'label' ? sort.direction : 'none'}>
              {header('label', 'Method / config')}
            </th>
            {columns.map((column) => {
              const inDomain = column === leaderboard.source;
              // A target column scored on an old dataset version, or the source column when the runs trained on one.
              const stale = (leaderboard.provenance.stale ?? []).filter(
                (d) => d.domain === column && (d.role === 'target' || column === leaderboard.source),
              );
              // Which dataset version stands behind the column (several when runs were scored on different versions).
              const datasetsOf = (domain: string) => leaderboard.provenance.datasets.filter((d) => d.domain === domain);
              return (
                <th
                  key={column}
                  scope="col"
                  className={`num${inDomain ? ' in-domain' : ''}${column === 'mean' ? ' col-summary' : ''}${stale.length ? ' col-stale' : ''}`}
                  aria-sort={sort?.column === column ? sort.direction : 'none'}
                  data-testid={`column-${column}`}
                  data-in-domain={inDomain || undefined}
                  data-stale={stale.length > 0 || undefined}
                >
                  {header(column, columnLabel(column))}
                  {inDomain && <span className="in-domain-tag">source · in-domain</span>}
                  {datasetsOf(column).length > 0 && (
                    <span className="in-domain-tag" data-testid={`column-dataset-${column}`}>
                      {datasetsOf(column)
                        .map(
                          (d) =>
                            `${d.name} v${d.version}${d.splits.join('+') === 'test' ? '' : ` (${d.splits.join('+')})`}`,
                        )
                        .join(', ')}
                    </span>
                  )}
                  {stale.map((d) => (
                    <span
                      key={`${d.role}:${d.name}:${d.usedVersion}`}
                      className="stale-tag"
                      data-testid={`column-stale-${column}`}
                      title={`${d.name} v${d.newestVersion} exists; these numbers come from v${d.usedVersion}`}
                    >
                      stale{d.role === 'source' ? ' source' : ''}: v{d.usedVersion} → v{d.newestVersion}
                    </span>
                  ))}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.groupKey} data-testid={`row-${row.groupKey}`}>
              <th scope="row" className="row-head" title={summaryText(row)}>
                <span className="row-label">{row.label}</span>
                <span className="row-meta">
                  {row.method} ·{' '}
                  <Link
                    prefetch={false}
                    href={withSelection(
                      `/runs?filter=${encodeURIComponent(`config = ${row.configId} and source = ${leaderboard.source}`)}`,
                      leaderboard.selection,
                    )}
                    data-testid={`row-runs-${row.groupKey}`}
                  >
                    {row.runCount} run{row.runCount === 1 ? '' : 's'}
                  </Link>
                  {row.runIds[0] && (
                    <>
                      {' · '}
                      <Link
                        prefetch={false}
                        href={withSelection(`/runs/${encodeURIComponent(row.runIds[0])}`, leaderboard.selection)}
                      >
                        first run
                      </Link>
                    </>
                  )}
                </span>
                {Object.keys(row.configSummary).length > 0 && <span className="row-meta">{summaryText(row)}</span>}
              </th>
              {columns.map((column) => (
                <ScoreCell
                  key={column}
                  groupKey={row.groupKey}
                  column={column}
                  cell={cellOf(row, column)}
                  rank={
                    leaderboard.best[column] === row.groupKey
                      ? 'best'
                      : leaderboard.secondBest[column] === row.groupKey
                        ? 'second'
                        : undefined
                  }
                  inDomain={column === leaderboard.source}
                  selection={leaderboard.selection}
                />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ScoreCell({
  groupKey,
  column,
  cell,
  rank,
  inDomain,
  selection,
}: {
  groupKey: string;
  column: string;
  cell: LeaderboardCell | undefined;
  rank: 'best' | 'second' | undefined;
  inDomain: boolean;
  selection: ModelSelection;
}) {
  const classes = ['num'];
  if (rank === 'best') classes.push('cell-best');
  if (rank === 'second') classes.push('cell-second');
  if (inDomain) classes.push('in-domain');
  if (column === 'mean') classes.push('col-summary');
  const hasValue = cell !== undefined && cell.mean !== null;
  return (
    <td
      className={classes.join(' ')}
      data-testid={`cell-${groupKey}-${column}`}
      data-mean={hasValue ? cell.mean!.toFixed(2) : ''}
      data-std={cell?.std !== null && cell?.std !== undefined ? cell.std.toFixed(2) : ''}
      data-n={cell?.n ?? 0}
      data-rank={rank}
      data-in-domain={inDomain || undefined}
    >
      {hasValue ? (
        <>
          <span className="cell-mean">{cell.mean!.toFixed(2)}</span>
          {cell.std !== null && cell.n > 1 && <span className="cell-std"> ± {cell.std.toFixed(2)}</span>}
          {rank && <span className="visually-hidden">{rank === 'best' ? ' (best)' : ' (second best)'}</span>}
          <details className="cell-seeds" data-testid={`seeds-${groupKey}-${column}`}>
            <summary className="cell-n" title="the seeds behind this mean">
              n={cell.n}
            </summary>
            <ul>
              {cell.runs.length < cell.n && (
                <li className="muted">
                  first {cell.runs.length} of {cell.n} by seed
                </li>
              )}
              {cell.runs.map((run) => (
                <li key={run.runId}>
                  <Link
                    prefetch={false}
                    href={withSelection(`/runs/${encodeURIComponent(run.runId)}`, selection)}
                    data-testid={`seed-${run.runId}-${column}`}
                  >
                    seed {run.seed}
                  </Link>
                  : {run.value.toFixed(2)}
                  {run.epoch !== null && <span className="muted"> (epoch {run.epoch})</span>}
                </li>
              ))}
            </ul>
          </details>
        </>
      ) : (
        <span className="muted" aria-label="no result">
          —
        </span>
      )}
    </td>
  );
}
