'use client';

import type { BenchmarkRefreshDto } from '@fer/contracts';
import Link from 'next/link';
import { useState } from 'react';
import { hardReload } from '@/lib/hard-navigate';
import { readProxyError } from '@/lib/proxy-error';

/**
 * `POST /benchmarks/:name/refresh` through the web proxy: runs scored on an older target dataset are scored again
 * from their checkpoints, runs trained on an older source dataset are retrained as new runs. The jobs run in the
 * background, so the result is shown here and the table is reloaded on request.
 */
export function RefreshBenchmarkButton({ benchmark }: { benchmark: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<BenchmarkRefreshDto | null>(null);

  async function onClick() {
    setBusy(true);
    setError(null);
    try {
      const response = await fetch(`/api/proxy/benchmarks/${encodeURIComponent(benchmark)}/refresh`, {
        method: 'POST',
      });
      if (!response.ok) setError(await readProxyError(response));
      else setResult((await response.json()) as BenchmarkRefreshDto);
    } catch (cause) {
      setError(`The web server could not be reached (${(cause as Error).message}).`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div>
      <div className="row">
        <button type="button" className="button" onClick={onClick} disabled={busy} data-testid="leaderboard-refresh">
          {busy ? 'Refreshing…' : `Refresh ${benchmark}`}
        </button>
        {error && (
          <span role="alert" className="inline-error" data-testid="leaderboard-refresh-error">
            {error}
          </span>
        )}
      </div>
      {result && (
        <div
          role="status"
          className="small"
          data-testid="leaderboard-refresh-result"
          data-reevaluated={result.reevaluated.length}
          data-retrained={result.retrained.length}
          data-unchanged={result.unchanged}
        >
          <p>
            {result.reevaluated.length} run{result.reevaluated.length === 1 ? '' : 's'} re-evaluated on the newest
            target datasets, {result.retrained.length} retrained on a newer source dataset, {result.unchanged}{' '}
            unchanged. The new scores replace the old ones as the jobs finish.{' '}
            <button
              type="button"
              className="button"
              onClick={() => hardReload()}
              data-testid="leaderboard-refresh-reload"
            >
              Reload
            </button>
          </p>
          {result.retrained.length > 0 && (
            <ul>
              {result.retrained.map((r) => (
                <li key={r.newRunId}>
                  <Link prefetch={false} href={`/runs/${encodeURIComponent(r.newRunId)}`} className="mono">
                    {r.newRunId}
                  </Link>{' '}
                  retrains <span className="mono">{r.runId}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
