import type { RunDetailDto, RunLogLineDto } from '@fer/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ApiErrorNotice } from '@/components/api-error-notice';
import { ArtifactsTable } from '@/components/runs/artifacts-table';
import { ConfigDiff } from '@/components/runs/config-diff';
import { RunLive } from '@/components/runs/run-live';
import { domainLabel } from '@/lib/format';
import { firstParam, queryString, type SearchParams } from '@/lib/search-params';
import { parseSelection, withSelection } from '@/lib/selection';
import { apiGet, load } from '@/server/api-client';
import { canLaunch } from '@/server/session';

export const metadata: Metadata = { title: 'Run' };

export default async function RunPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const { id } = await params;
  const selection = parseSelection(firstParam(await searchParams, 'selection'));
  const encoded = encodeURIComponent(id);
  const [detail, logs, launch] = await Promise.all([
    load(apiGet<RunDetailDto>(`/runs/${encoded}${queryString({ selection })}`)),
    load(apiGet<{ lines: RunLogLineDto[] }>(`/runs/${encoded}/logs`)),
    canLaunch(),
  ]);
  // An id the API does not know is a 404 page, not an error notice on a 200.
  if (!detail.ok && detail.error.status === 404) notFound();
  if (!detail.ok) {
    return (
      <>
        <h1>Run {id}</h1>
        <ApiErrorNotice error={detail.error} />
      </>
    );
  }
  const { run } = detail.data;
  return (
    <>
      <div className="page-head">
        <div>
          <p className="small">
            {run.sweepId ? (
              <>
                <Link href={withSelection(`/sweeps/${encodeURIComponent(run.sweepId)}`, selection)}>Sweep {run.sweepId}</Link> /
              </>
            ) : (
              <>
                <Link href="/runs">Runs</Link> /
              </>
            )}
          </p>
          <h1 className="mono" data-testid="run-id">
            {run.id}
          </h1>
          <p className="muted">
            {run.method} trained on {domainLabel(run.sourceDomain)}, seed {run.seed} · config{' '}
            <span className="mono">{run.configId}</span> · targets {detail.data.targets.map(domainLabel).join(', ')}
            {run.trial !== null && run.trial !== undefined && (
              <span data-testid="run-trial"> · search trial {run.trial}</span>
            )}
          </p>
          {run.replacesRunId && (
            <p className="small" data-testid="run-replaces">
              Retrains{' '}
              <Link href={withSelection(`/runs/${encodeURIComponent(run.replacesRunId)}`, selection)} className="mono">
                {run.replacesRunId}
              </Link>{' '}
              on a newer version of its source dataset.
            </p>
          )}
        </div>
      </div>
      <RunLive
        key={`${run.status}:${run.attempts}:${detail.data.metrics.length}:${detail.data.evaluations.length}`}
        detail={detail.data}
        initialLogs={logs.ok ? logs.data.lines : []}
        canLaunch={launch}
      />
      {!logs.ok && <ApiErrorNotice error={{ ...logs.error, title: `Logs unavailable: ${logs.error.title}` }} />}
      <h2>Config</h2>
      <ConfigDiff config={detail.data.config} baseConfig={detail.data.baseConfig} />
      <h2>Checkpoint and artifacts</h2>
      <ArtifactsTable artifacts={detail.data.artifacts} />
    </>
  );
}
