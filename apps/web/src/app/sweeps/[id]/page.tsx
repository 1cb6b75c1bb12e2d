import type { AblationRow, SweepDetailDto } from '@fer/contracts';
import { FER5_DOMAINS } from '@fer/contracts/domains';
import { RUN_STATUSES, TERMINAL_RUN_STATUSES } from '@fer/contracts/run-status';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ActionButton } from '@/components/action-button';
import { ApiErrorNotice } from '@/components/api-error-notice';
import { AutoRefresh } from '@/components/auto-refresh';
import { EmptyState } from '@/components/empty-state';
import { ProgressBar } from '@/components/progress-bar';
import { RunsTable } from '@/components/runs/runs-table';
import { StatusBadge } from '@/components/status-badge';
import { AblationCharts } from '@/components/sweeps/ablation-charts';
import { SweepExplorer } from '@/components/sweeps/sweep-explorer';
import { RunCounts } from '@/components/sweeps/run-counts';
import { capitalize, domainLabel, formatConfigValue, formatDateTime, formatNumber } from '@/lib/format';
import { OracleWarning, SelectionSwitch } from '@/components/selection-switch';
import { firstParam, queryString, type SearchParams } from '@/lib/search-params';
import { parseSelection, selectionOption } from '@/lib/selection';
import { apiGet, load } from '@/server/api-client';
import { canLaunch } from '@/server/session';

export const metadata: Metadata = { title: 'Sweep' };

function ablationDomains(rows: AblationRow[]): string[] {
  const seen = new Set(rows.flatMap((row) => Object.keys(row.perDomain)));
  const known = (FER5_DOMAINS as readonly string[]).filter((domain) => seen.has(domain));
  return [...known, ...[...seen].filter((domain) => !known.includes(domain))];
}

export default async function SweepPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const { id } = await params;
  const selection = parseSelection(firstParam(await searchParams, 'selection'));
  const [detail, launch] = await Promise.all([
    load(apiGet<SweepDetailDto>(`/sweeps/${encodeURIComponent(id)}${queryString({ selection })}`)),
    canLaunch(),
  ]);
  // An id the API does not know is a 404 page, not an error notice on a 200.
  if (!detail.ok && detail.error.status === 404) notFound();
  if (!detail.ok) {
    return (
      <>
        <h1>Sweep {id}</h1>
        <ApiErrorNotice error={detail.error} />
        <Link href="/sweeps">All sweeps</Link>
      </>
    );
  }
  const { sweep, spec, runs, variedParameters, ablation, ablationBasis, runPoints, parameterEffects, importance } = detail.data;
  const domains = ablationDomains(ablation);
  const active = !(TERMINAL_RUN_STATUSES as readonly string[]).includes(sweep.status);
  // The best value of a parameter is judged per source, on the target mean (never on in-domain accuracy).
  const bestTargetMean = new Map<string, number>();
  for (const row of ablation) {
    const key = `${row.parameter}\u0000${row.source}`;
    if (row.targetMean !== null && row.targetMean > (bestTargetMean.get(key) ?? -Infinity)) bestTargetMean.set(key, row.targetMean);
  }

  return (
    <>
      <div className="page-head">
        <div>
          <p className="small">
            <Link href="/sweeps">Sweeps</Link> /
          </p>
          <h1 data-testid="sweep-title">{sweep.name}</h1>
          <p className="muted mono small">{sweep.id}</p>
          {spec.description && <p>{spec.description}</p>}
        </div>
        <div className="row">
          {active && <AutoRefresh seconds={5} />}
          {active && launch && (
            <ActionButton
              path={`/sweeps/${encodeURIComponent(sweep.id)}/cancel`}
              label="Cancel sweep"
              confirmText="Cancel every queued and running run of this sweep?"
              tone="danger"
              testId="sweep-cancel"
            />
          )}
        </div>
      </div>
      <div className="stats">
        <div className="stat">
          <div className="stat-label">Status</div>
          <div className="stat-value">
            <StatusBadge status={sweep.status} testId="sweep-status" />
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">Progress</div>
          <div className="stat-value">
            <ProgressBar value={sweep.progress} label="Sweep progress" testId="sweep-progress" />
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">Runs ({sweep.totalRuns})</div>
          <div>
            <RunCounts counts={sweep.runCounts} />
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">Benchmark</div>
          <div className="stat-value">{sweep.benchmark}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Sources → targets</div>
          <div>
            {spec.sources.map(domainLabel).join(', ')} →{' '}
            {spec.targets ? spec.targets.map(domainLabel).join(', ') : 'all domains'}
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">Seeds</div>
          <div>{spec.seeds.join(', ')}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Created</div>
          <div className="small">{formatDateTime(sweep.createdAt)}</div>
        </div>
      </div>

      <h2>Ablation</h2>
      <p className="muted small">
        Search: {spec.search.kind}
        {variedParameters.length > 0 ? `, varying ${variedParameters.join(', ')}` : ', nothing varied'}. One row per
        value of one parameter and source domain, averaged over everything else: accuracy % per domain, the mean over all
        domains (the source included, as Table 1) and the target mean, under the selection{' '}
        <strong data-testid="ablation-selection" data-selection={ablationBasis.selection}>
          {selectionOption(ablationBasis.selection).label}
        </strong>
        , from succeeded runs only
        {ablationBasis.excludedUnfinished > 0 ? ` (${ablationBasis.excludedUnfinished} unfinished runs left out)` : ''}.
      </p>
      <SelectionSwitch selection={ablationBasis.selection} />
      {ablationBasis.selection === 'oracle' && <OracleWarning />}
      {ablation.length === 0 ? (
        <EmptyState title="No evaluated runs yet." testId="ablation-empty">
          The table fills in as runs finish and are evaluated.
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="data" data-testid="ablation-table">
              <thead>
                <tr>
                  <th scope="col">Parameter</th>
                  <th scope="col">Value</th>
                  <th scope="col">Source</th>
                  {domains.map((domain) => (
                    <th key={domain} scope="col" className="num">
                      {domainLabel(domain)}
                    </th>
                  ))}
                  <th scope="col" className="num">
                    Mean
                  </th>
                  <th scope="col" className="num col-summary">
                    Target mean
                  </th>
                  <th scope="col" className="num">
                    Runs
                  </th>
                </tr>
              </thead>
              <tbody>
                {ablation.map((row) => {
                  const best = row.targetMean !== null && bestTargetMean.get(`${row.parameter}\u0000${row.source}`) === row.targetMean;
                  return (
                    <tr
                      key={`${row.parameter}=${String(row.value)}@${row.source}`}
                      data-testid={`ablation-row-${row.parameter}-${String(row.value)}-${row.source}`}
                    >
                      <th scope="row" className="mono">
                        {row.parameter}
                      </th>
                      <td className="mono">{formatConfigValue(row.value)}</td>
                      <td>{domainLabel(row.source)}</td>
                      {domains.map((domain) => (
                        <td key={domain} className="num">
                          {formatNumber(row.perDomain[domain])}
                        </td>
                      ))}
                      <td className="num">{formatNumber(row.mean)}</td>
                      <td className={`num col-summary${best ? ' cell-best' : ''}`}>
                        <span className="cell-mean">{formatNumber(row.targetMean)}</span>
                        {best && <span className="visually-hidden"> (best for {row.parameter} from {domainLabel(row.source)})</span>}
                      </td>
                      <td className="num">{row.runs}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <h3>Parameters vs accuracy</h3>
          <AblationCharts rows={ablation} parameters={variedParameters} />
        </>
      )}

      <h2>Explorer</h2>
      <p className="muted small">
        Every succeeded run under the selection{' '}
        <strong data-testid="explorer-selection" data-selection={ablationBasis.selection}>
          {selectionOption(ablationBasis.selection).label}
        </strong>
        , with its target mean (its mean accuracy % over the targets that are not its source), as the API computes it.
      </p>
      {runPoints.length === 0 ? (
        <EmptyState title="No succeeded runs to explore yet." testId="explorer-empty">
          The explorer fills in as runs succeed.
        </EmptyState>
      ) : (
        <SweepExplorer points={runPoints} effects={parameterEffects} importance={importance} parameters={variedParameters} selection={selection} />
      )}

      <h2>Runs by status</h2>
      {runs.length === 0 ? (
        <EmptyState title="This sweep has no runs." />
      ) : (
        RUN_STATUSES.map((status) => {
          const group = runs.filter((run) => run.status === status);
          if (group.length === 0) return null;
          return (
            <section key={status} aria-label={`${capitalize(status)} runs`} data-testid={`runs-${status}`}>
              <h3>
                {capitalize(status)} ({group.length})
              </h3>
              <RunsTable runs={group} testId={`runs-table-${status}`} selection={selection} />
            </section>
          );
        })
      )}

      <h2>Spec</h2>
      <details>
        <summary>Show the stored spec (JSON)</summary>
        <pre className="json" data-testid="sweep-spec">
          {JSON.stringify(spec, null, 2)}
        </pre>
      </details>
    </>
  );
}
