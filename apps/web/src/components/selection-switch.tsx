'use client';

import type { ModelSelection } from '@fer/contracts';
import { usePathname, useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { hardNavigate } from '@/lib/hard-navigate';
import { SELECTION_OPTIONS } from '@/lib/selection';

/**
 * The one model-selection switch of the web UI. It lives in the URL (`?selection=`), so the leaderboard, the run page
 * and the sweep ablation show the same selection, and links between them carry it.
 */
export function SelectionSwitch({
  selection,
  onChange,
}: {
  selection: ModelSelection;
  /** The leaderboard's controls navigate themselves (they reset other pickers); elsewhere the URL is updated here. */
  onChange?: (selection: ModelSelection) => void;
}) {
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, setPending] = useState(false);
  const go = (value: ModelSelection) => {
    if (onChange) return onChange(value);
    const next = new URLSearchParams(params.toString());
    next.set('selection', value);
    setPending(true);
    hardNavigate(`${pathname}?${next}`);
  };
  return (
    <fieldset className="field" aria-busy={pending}>
      <legend>Model selection</legend>
      <div className="segmented" role="radiogroup" aria-label="Model selection" data-testid="picker-selection">
        {SELECTION_OPTIONS.map((option) => (
          <label
            key={option.value}
            className={option.value === 'oracle' ? 'oracle' : undefined}
            title={option.description}
          >
            <input
              type="radio"
              name="selection"
              value={option.value}
              checked={selection === option.value}
              onChange={() => go(option.value)}
              data-testid={`selection-${option.value}`}
            />
            {option.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** A note every view shows under the oracle: its numbers peek at the test domains. */
export function OracleWarning() {
  return (
    <div className="notice notice-warn" role="note" data-testid="oracle-warning">
      <p className="notice-title">Test-domain oracle</p>
      <p>
        Each run’s epoch is picked with the test domain’s own labels. These numbers are an optimistic upper bound, not a
        fair comparison; report training-domain validation or last-epoch numbers.
      </p>
    </div>
  );
}
