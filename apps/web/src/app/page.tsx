import type { BenchmarkDto, Leaderboard, StaleDataset, TransferMatrix } from '@fer/contracts';
import Link from 'next/link';
import { ApiErrorNotice } from '@/components/api-error-notice';
import { EmptyState } from '@/components/empty-state';
import { CopyButtons } from '@/components/leaderboard/copy-buttons';
import { LeaderboardControls, type LeaderboardQuery } from '@/components/leaderboard/leaderboard-controls';
import { LeaderboardTable } from '@/components/leaderboard/leaderboard-table';
import { RefreshBenchmarkButton } from '@/components/leaderboard/refresh-benchmark';
import { OracleWarning } from '@/components/selection-switch';
import { TransferConfigPicker } from '@/components/leaderboard/transfer-config-picker';
import { TransferHeatmap } from '@/components/leaderboard/transfer-heatmap';
import { domainLabel, formatDateTime } from '@/lib/format';
import { firstParam, queryString, type SearchParams } from '@/lib/search-params';
import { parseSelection, SELECTION_OPTIONS } from '@/lib/selection';
import { apiGet, load } from '@/server/api-client';
import { canLaunch } from '@/server/session';

export default async function LeaderboardPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const benchmarks = await load(apiGet<BenchmarkDto[]>('/benchmarks'));
  if (!benchmarks.ok) {
    return (
      <>
        <h1>Leaderboard</h1>
        <ApiErrorNotice error={benchmarks.error} />
      </>
    );
  }
  if (benchmarks.data.length === 0) {
    return (
      <>
        <h1>Leaderboard</h1>
        <EmptyState title="The API knows no benchmark yet." />
      </>
    );
  }

  const requestedBenchmark = firstParam(params, 'benchmark');
  const benchmark =
    benchmarks.data.find((b) => b.name === requestedBenchmark) ??
    benchmarks.data.find((b) => b.name === 'fer5') ??
    benchmarks.data[0];
  const requestedSource = firstParam(params, 'source');
  const source =
    requestedSource && benchmark.domains.includes(requestedSource) ? requestedSource : benchmark.domains[0];
  const selection = parseSelection(firstParam(params, 'selection'));
  const selectionOption = SELECTION_OPTIONS.find((option) => option.value === selection)!;
  // Pruned runs (stopped early by a sweep's early-stopping rule) are left out unless the URL asks for them.
  const includePruned = firstParam(params, 'includePruned') === 'true' ? 'true' : undefined;

  const [leaderboard, launch] = await Promise.all([
    load(apiGet<Leaderboard>(`/leaderboards${queryString({ benchmark: benchmark.name, source, selection, includePruned })}`)),
    canLaunch(),
  ]);
  const stale = leaderboard.ok ? (leaderboard.data.provenance.stale ?? []) : [];
  const statuses = leaderboard.ok ? (leaderboard.data.provenance.statuses ?? ['succeeded']) : [];

  const rows = leaderboard.ok ? leaderboard.data.rows : [];
  const configOptions = [
    ...new Map(rows.map((row) => [row.configId, { configId: row.configId, label: row.label }])).values(),
  ];
  const bestRow = leaderboard.ok ? rows.find((row) => row.groupKey === leaderboard.data.best.mean) : undefined;
  const requestedConfig = firstParam(params, 'config');
  const configId =
    requestedConfig && configOptions.some((option) => option.configId === requestedConfig)
      ? requestedConfig
      : (bestRow?.configId ?? configOptions[0]?.configId);
  const query: LeaderboardQuery = { benchmark: benchmark.name, source, selection, config: configId, includePruned };

  const transfer = configId
    ? await load(
        apiGet<TransferMatrix>(
          `/leaderboards/transfer${queryString({ benchmark: benchmark.name, configId, selection })}`,
        ),
      )
    : null;

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Leaderboard</h1>
          <p className="muted">
            Which method generalizes best from {domainLabel(source)}? {benchmark.description}
          </p>
        </div>
      </div>
      <LeaderboardControls benchmarks={benchmarks.data} query={query} />
      {selection === 'oracle' && <OracleWarning />}
      {stale.length > 0 && (
        <StaleWarning stale={stale} benchmark={benchmark.name}>
          {launch && <RefreshBenchmarkButton benchmark={benchmark.name} />}
        </StaleWarning>
      )}
      {!leaderboard.ok ? (
        <ApiErrorNotice error={leaderboard.error} />
      ) : rows.length === 0 ? (
        <EmptyState title={`No finished evaluations for source ${domainLabel(source)} yet.`} testId="leaderboard-empty">
          Runs appear here once they are trained and evaluated. <Link href="/sweeps/new">Start a sweep</Link>.
        </EmptyState>
      ) : (
        <>
          <div className="legend" aria-hidden="true">
            <span>
              <strong>bold</strong> best in column
            </span>
            <span>
              <span style={{ textDecoration: 'underline', textDecorationThickness: 2 }}>underlined</span> second best
            </span>
            <span>
              <span className="in-domain" style={{ padding: '0 6px' }}>
                shaded
              </span>{' '}
              source column (in-domain)
            </span>
            <span>n = seeds behind the mean</span>
          </div>
          <LeaderboardTable leaderboard={leaderboard.data} />
          <p className="muted small" data-testid="leaderboard-meta">
            {rows.length} config group{rows.length === 1 ? '' : 's'} · selection: {selectionOption.label} (
            {selectionOption.description}) · seeds {leaderboard.data.provenance.seeds.join(', ') || '-'} ·{' '}
            {leaderboard.data.provenance.evaluations} evaluations ·{' '}
            {leaderboard.data.provenance.frozenEngines.length > 0 && (
              <>
                <span data-testid="leaderboard-frozen-engines">
                  frozen features: {leaderboard.data.provenance.frozenEngines.join(', ')}
                </span>{' '}
                ·{' '}
              </>
            )}
            <span data-testid="leaderboard-statuses" data-statuses={statuses.join(',')}>
              runs counted: {statuses.join(', ')}
            </span>{' '}
            · generated {formatDateTime(leaderboard.data.generatedAt)}
          </p>
          <p className="muted small mono" data-testid="leaderboard-provenance">
            provenance {leaderboard.data.provenance.hash}
          </p>
          <CopyButtons benchmark={benchmark.name} source={source} selection={selection} includePruned={includePruned} />
        </>
      )}

      <section id="transfer" aria-labelledby="transfer-heading">
        <h2 id="transfer-heading">Transfer matrix</h2>
        {configOptions.length > 0 && <TransferConfigPicker query={query} options={configOptions} />}
        {transfer === null ? (
          <p className="muted">Pick a config with results to see how it transfers between every pair of domains.</p>
        ) : !transfer.ok ? (
          <ApiErrorNotice error={transfer.error} />
        ) : (
          <TransferHeatmap matrix={transfer.data} />
        )}
      </section>
    </>
  );
}

/** Dataset versions behind the board that have a newer ready version: the numbers are stale until a refresh. */
function StaleWarning({ stale, benchmark, children }: { stale: StaleDataset[]; benchmark: string; children?: React.ReactNode }) {
  const unique = [...new Map(stale.map((d) => [`${d.role}:${d.name}:${d.usedVersion}`, d])).values()];
  return (
    <div className="notice notice-warn" role="note" data-testid="leaderboard-stale" data-count={unique.length}>
      <p className="notice-title">Stale results: newer dataset versions exist</p>
      <ul>
        {unique.map((d) => (
          <li key={`${d.role}:${d.name}:${d.usedVersion}`} data-testid={`stale-${d.role}-${d.domain}`}>
            <strong>{d.name}</strong>: used v{d.usedVersion}, newest v{d.newestVersion} (
            {d.role === 'target'
              ? `target column ${domainLabel(d.domain)}`
              : `source: the runs trained on it, every column`}
            )
          </li>
        ))}
      </ul>
      <p className="small">
        Refreshing {benchmark} scores the runs again on the newest target datasets (from their checkpoints) and retrains
        the runs whose source dataset changed, as new runs; nothing else is recomputed.
      </p>
      {children}
    </div>
  );
}
