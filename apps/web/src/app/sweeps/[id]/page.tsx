import type { AblationRow, BenchmarkDto, RungResultDto, SweepBudgetDto, SweepDetailDto } from '@fer/contracts';
import { FER5_DOMAINS } from '@fer/contracts/domains';
import { RUN_STATUSES, TERMINAL_RUN_STATUSES } from '@fer/contracts/run-status';
import type { ModelSelection } from '@fer/contracts/training-config.schema';
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
import { GrowSweepForm } from '@/components/sweeps/grow-sweep-form';
import { SearchTrials } from '@/components/sweeps/search-trials';
import { capitalize, domainLabel, formatConfigValue, formatDateTime, formatNumber } from '@/lib/format';
import { OracleWarning, SelectionSwitch } from '@/components/selection-switch';
import { firstParam, queryString, type SearchParams } from '@/lib/search-params';
import { parseSelection, selectionOption, withSelection } from '@/lib/selection';
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
  const query = await searchParams;
  const selection = parseSelection(firstParam(query, 'selection'));
  // Set by the grow form after PATCH /sweeps/:id: how many runs growing the sweep created.
  const grown = firstParam(query, 'grown');
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
  // Older APIs answer without the search trials and early-stopping decisions.
  const trials = detail.data.trials ?? [];
  const rungs = detail.data.rungs ?? [];
  const benchmark = launch ? await load(apiGet<BenchmarkDto>(`/benchmarks/${encodeURIComponent(sweep.benchmark)}`)) : null;
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
      {grown !== undefined && /^\d+$/.test(grown) && (
        <div className="notice notice-info" role="status" data-testid="sweep-grown" data-runs-created={grown}>
          <p>
            Sweep grown: {grown} new run{grown === '1' ? '' : 's'} created.
          </p>
        </div>
      )}
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
        {sweep.budget && (
          <div className="stat">
            <div className="stat-label">Budget</div>
            <BudgetLine budget={sweep.budget} />
          </div>
        )}
      </div>

      {trials.length > 0 && (
        <section aria-labelledby="trials-heading">
          <h2 id="trials-heading">Search trials</h2>
          <SearchTrials
            trials={trials}
            goal={spec.objective?.goal === 'minimize' ? 'minimize' : 'maximize'}
            objective={spec.objective ? `${spec.objective.metric} (selection ${spec.objective.selection})` : 'the objective'}
            selection={selection}
          />
        </section>
      )}

      {rungs.length > 0 && (
        <section aria-labelledby="rungs-heading">
          <h2 id="rungs-heading">Early stopping</h2>
          <EarlyStoppingTable rungs={rungs} selection={selection} spec={spec} />
        </section>
      )}

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

      {launch && sweep.status !== 'cancelled' && (
        <section aria-labelledby="grow-heading">
          <h2 id="grow-heading">Grow sweep</h2>
          <p className="muted small">
            Adds seeds, sources{spec.search.kind === 'grid' ? ', values of a grid parameter' : ', a larger budget'} or
            changes the budgets; only the runs that are new are created, finished runs are kept.
          </p>
          <GrowSweepForm
            sweep={{
              id: sweep.id,
              searchKind: spec.search.kind,
              gridParameters:
                spec.search.kind === 'grid' ? (spec.search.parameters as Record<string, (string | number | boolean)[]>) : {},
              budget: spec.search.kind === 'grid' ? null : spec.search.budget,
              seeds: spec.seeds,
              sources: spec.sources,
              domains: benchmark?.ok ? benchmark.data.domains : [],
              maxConcurrentRuns: sweep.budget?.maxConcurrentRuns ?? null,
              maxGpuHours: sweep.budget?.maxGpuHours ?? null,
            }}
          />
        </section>
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

/** The sweep's budgets and what it has spent: concurrency, GPU hours, runs held back by them. */
function BudgetLine({ budget }: { budget: SweepBudgetDto }) {
  return (
    <div
      className="small"
      data-testid="sweep-budget"
      data-held={budget.held}
      data-max-concurrent={budget.maxConcurrentRuns ?? ''}
      data-max-gpu-hours={budget.maxGpuHours ?? ''}
    >
      {budget.maxConcurrentRuns === null ? 'no concurrency limit' : `max ${budget.maxConcurrentRuns} concurrent runs`}
      <br />
      {budget.maxGpuHours === null
        ? `${formatNumber(budget.gpuHoursUsed)} GPU hours used, no limit`
        : `${formatNumber(budget.gpuHoursUsed)} of ${formatNumber(budget.maxGpuHours)} GPU hours used`}
      <br />
      {budget.held} held{budget.autoRefresh ? ' · auto-refresh on' : ''}
    </div>
  );
}

/** Early stopping's decisions as recorded: at each rung epoch, each run's value against the rung's cutoff. */
function EarlyStoppingTable({
  rungs,
  selection,
  spec,
}: {
  rungs: RungResultDto[];
  selection: ModelSelection;
  spec: SweepDetailDto['spec'];
}) {
  const rule = spec.earlyStopping;
  const stopped = new Set(rungs.filter((r) => r.stop).map((r) => r.runId)).size;
  const ordered = [...rungs].sort((a, b) => a.bracket - b.bracket || a.rung - b.rung || a.runId.localeCompare(b.runId));
  return (
    <>
      <p className="muted small" data-testid="rungs-summary">
        {rule
          ? `${rule.kind === 'hyperband' ? 'Hyperband' : 'ASHA'} on ${rule.metric}, first rung at epoch ${rule.minEpochs}, reduction factor ${rule.reductionFactor}: `
          : ''}
        a run continues past a rung only if its value is not below the rung&apos;s cutoff; {stopped} run
        {stopped === 1 ? ' was' : 's were'} pruned. Accuracy %.
      </p>
      <div className="table-wrap tall">
        <table className="data" data-testid="rungs-table">
          <thead>
            <tr>
              <th scope="col" className="num">
                Rung epoch
              </th>
              <th scope="col" className="num">
                Bracket
              </th>
              <th scope="col">Run</th>
              <th scope="col">Source</th>
              <th scope="col" className="num">
                Value
              </th>
              <th scope="col" className="num">
                Cutoff
              </th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {ordered.map((rung) => (
              <tr
                key={`${rung.runId}@${rung.rung}`}
                data-testid={`rung-row-${rung.runId}-${rung.rung}`}
                data-decision={rung.stop ? 'stop' : 'continue'}
              >
                <td className="num">{rung.rung}</td>
                <td className="num">{rung.bracket}</td>
                <td>
                  <Link prefetch={false} href={withSelection(`/runs/${encodeURIComponent(rung.runId)}`, selection)} className="mono">
                    {rung.runId}
                  </Link>
                </td>
                <td>{domainLabel(rung.sourceDomain)}</td>
                <td className="num">{formatNumber(rung.value)}</td>
                <td className="num">{rung.cutoff === null ? 'first at rung' : formatNumber(rung.cutoff)}</td>
                <td>{rung.stop ? <StatusBadge status="pruned" /> : 'continue'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
