'use client';

import type { BenchmarkDto, ModelSelection } from '@fer/contracts';
import { useState } from 'react';
import { domainLabel } from '@/lib/format';
import { hardNavigate } from '@/lib/hard-navigate';
import { queryString } from '@/lib/search-params';
import { SelectionSwitch } from '@/components/selection-switch';

export interface LeaderboardQuery {
  benchmark: string;
  source: string;
  selection: ModelSelection;
  config?: string;
  /** 'true': count runs pruned by early stopping (at the epoch they stopped); absent: succeeded runs only. */
  includePruned?: 'true';
}

export function LeaderboardControls({ benchmarks, query }: { benchmarks: BenchmarkDto[]; query: LeaderboardQuery }) {
  const [pending, setPending] = useState(false);
  const current = benchmarks.find((b) => b.name === query.benchmark) ?? benchmarks[0];

  function go(next: Partial<LeaderboardQuery>) {
    const merged = { ...query, ...next };
    if (next.benchmark && next.benchmark !== query.benchmark) {
      const benchmark = benchmarks.find((b) => b.name === next.benchmark);
      merged.source = benchmark?.domains[0] ?? '';
      merged.config = undefined;
    }
    setPending(true);
    hardNavigate(`/${queryString({ ...merged })}`);
  }

  return (
    <form className="controls" method="get" action="/" aria-busy={pending} onSubmit={(event) => event.preventDefault()}>
      <div className="field">
        <label htmlFor="picker-benchmark">Benchmark</label>
        <select
          id="picker-benchmark"
          name="benchmark"
          data-testid="picker-benchmark"
          value={query.benchmark}
          onChange={(event) => go({ benchmark: event.target.value })}
        >
          {benchmarks.map((benchmark) => (
            <option key={benchmark.name} value={benchmark.name}>
              {benchmark.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="picker-source">Source domain (trained on)</label>
        <select
          id="picker-source"
          name="source"
          data-testid="picker-source"
          value={query.source}
          onChange={(event) => go({ source: event.target.value })}
        >
          {(current?.domains ?? []).map((domain) => (
            <option key={domain} value={domain}>
              {domainLabel(domain)}
            </option>
          ))}
        </select>
      </div>
      <SelectionSwitch selection={query.selection} onChange={(selection) => go({ selection })} />
      <label
        className="inline-check"
        title="runs stopped early by a sweep's early-stopping rule, at the epoch they stopped"
      >
        <input
          type="checkbox"
          name="includePruned"
          value="true"
          checked={query.includePruned === 'true'}
          onChange={(event) => go({ includePruned: event.target.checked ? 'true' : undefined })}
          data-testid="include-pruned"
        />
        Include pruned runs
      </label>
      {pending && (
        <span className="muted small" role="status">
          Updating…
        </span>
      )}
      <noscript>
        <button type="submit" className="button">
          Apply
        </button>
      </noscript>
    </form>
  );
}
