import type { RunDetailDto } from '@fer/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiErrorNotice } from '@/components/api-error-notice';
import { CompareCurves, CompareDomainBars } from '@/components/runs/compare-charts';
import { ConfusionMatrix } from '@/components/runs/evaluation-views';
import { OracleWarning, SelectionSwitch } from '@/components/selection-switch';
import { differingFields } from '@/lib/config-diff';
import { domainLabel, formatConfigValue } from '@/lib/format';
import { firstParam, queryString, type SearchParams } from '@/lib/search-params';
import { parseSelection, withSelection } from '@/lib/selection';
import { apiGet, load } from '@/server/api-client';

export const metadata: Metadata = { title: 'Compare runs' };

export default async function ComparePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const selection = parseSelection(firstParam(params, 'selection'));
  const ids = (firstParam(params, 'runs') ?? '').split(',').filter(Boolean);
  if (ids.length < 2 || ids.length > 10) {
    return (
      <>
        <h1>Compare runs</h1>
        <p className="notice notice-warn" data-testid="compare-count">
          Pick 2 to 10 runs on the <Link href="/runs">runs table</Link> ({ids.length} given).
        </p>
      </>
    );
  }
  const loaded = await Promise.all(
    ids.map((id) => load(apiGet<RunDetailDto>(`/runs/${encodeURIComponent(id)}${queryString({ selection })}`))),
  );
  const failed = loaded.find((l) => !l.ok);
  if (failed && !failed.ok) return <ApiErrorNotice error={failed.error} />;
  const runs = loaded.map((l) => (l as { ok: true; data: RunDetailDto }).data);
  const differing = differingFields(runs.map((r) => r.config));
  const domains = [...new Set(runs.flatMap((r) => r.targets))];
  const domain =
    firstParam(params, 'domain') && domains.includes(firstParam(params, 'domain')!)
      ? firstParam(params, 'domain')!
      : domains[0];
  return (
    <>
      <p className="small">
        <Link href={withSelection('/runs', selection)}>Runs</Link> /
      </p>
      <h1>Compare {runs.length} runs</h1>
      <SelectionSwitch selection={selection} />
      {selection === 'oracle' && <OracleWarning />}

      <h2>Config: what differs</h2>
      {differing.length === 0 ? (
        <p className="muted" data-testid="compare-config-same">
          The configs are identical (the runs differ in source or seed).
        </p>
      ) : (
        <div className="table-wrap">
          <table className="data" data-testid="compare-config">
            <thead>
              <tr>
                <th scope="col">Field</th>
                {runs.map((run) => (
                  <th key={run.run.id} scope="col">
                    <Link href={withSelection(`/runs/${encodeURIComponent(run.run.id)}`, selection)} className="mono">
                      {run.run.id}
                    </Link>
                    <span className="row-meta">
                      {run.run.method} · {domainLabel(run.run.sourceDomain)} · seed {run.run.seed}
                    </span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {differing.map(({ path, values }) => (
                <tr key={path} className="changed" data-testid={`compare-field-${path}`}>
                  <th scope="row" className="mono">
                    {path}
                  </th>
                  {values.map((value, i) => (
                    <td key={i} className="mono">
                      {value === undefined ? '—' : formatConfigValue(value)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Training curves</h2>
      <CompareCurves runs={runs} />

      <h2>Accuracy per domain</h2>
      <CompareDomainBars runs={runs} />

      <h2>Confusion matrices on {domainLabel(domain)}</h2>
      <nav className="row" aria-label="Domain of the confusion matrices">
        {domains.map((d) => (
          <Link
            key={d}
            className="button"
            aria-current={d === domain ? 'page' : undefined}
            href={`/compare${queryString({ runs: ids.join(','), selection: selection === 'last' ? undefined : selection, domain: d })}`}
          >
            {domainLabel(d)}
          </Link>
        ))}
      </nav>
      <div className="grid-wide" data-testid="compare-confusions">
        {runs.map((run) => {
          const evaluation = run.selected.evaluations.find((e) => e.domain === domain);
          return evaluation ? (
            <div key={run.run.id}>
              <p className="small mono">{run.run.id}</p>
              <ConfusionMatrix evaluation={evaluation} numClasses={run.config.numClasses} />
            </div>
          ) : (
            <p key={run.run.id} className="muted">
              {run.run.id}: {run.selected.unavailable ?? `not scored on ${domainLabel(domain)}`}
            </p>
          );
        })}
      </div>
    </>
  );
}
