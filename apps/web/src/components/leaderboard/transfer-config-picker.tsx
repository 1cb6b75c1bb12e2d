'use client';

import { useRouter } from 'next/navigation';
import { useTransition } from 'react';
import { queryString } from '@/lib/search-params';
import type { LeaderboardQuery } from './leaderboard-controls';

export function TransferConfigPicker({
  query,
  options,
}: {
  query: LeaderboardQuery;
  options: { configId: string; label: string }[];
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  return (
    <div className="field">
      <label htmlFor="picker-config">Config</label>
      <select
        id="picker-config"
        data-testid="picker-config"
        value={query.config ?? ''}
        aria-busy={pending}
        onChange={(event) =>
          startTransition(() =>
            router.push(`/${queryString({ ...query, config: event.target.value })}#transfer`, { scroll: false }),
          )
        }
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
