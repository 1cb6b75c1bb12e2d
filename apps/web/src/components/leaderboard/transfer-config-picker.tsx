'use client';

import { useState } from 'react';
import { hardNavigate } from '@/lib/hard-navigate';
import { queryString } from '@/lib/search-params';
import type { LeaderboardQuery } from './leaderboard-controls';

export function TransferConfigPicker({
  query,
  options,
}: {
  query: LeaderboardQuery;
  options: { configId: string; label: string }[];
}) {
  const [pending, setPending] = useState(false);
  return (
    <div className="field">
      <label htmlFor="picker-config">Config</label>
      <select
        id="picker-config"
        data-testid="picker-config"
        value={query.config ?? ''}
        aria-busy={pending}
        onChange={(event) => {
          setPending(true);
          hardNavigate(`/${queryString({ ...query, config: event.target.value })}#transfer`);
        }}
      >
        {options.map((option) => (
          <option key={option.configId} value={option.configId}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
