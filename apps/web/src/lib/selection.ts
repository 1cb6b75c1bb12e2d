import { DEFAULT_MODEL_SELECTION } from '@fer/contracts/leaderboard';
import type { ModelSelection } from '@fer/contracts/training-config.schema';

export const SELECTION_OPTIONS: { value: ModelSelection; label: string; description: string }[] = [
  { value: 'last', label: 'Last epoch', description: 'the last epoch of each run' },
  {
    value: 'source-val',
    label: 'Training-domain validation',
    description: 'the epoch best on the held-out source split (runs trained without a hold-out have none)',
  },
  {
    value: 'oracle',
    label: 'Test-domain oracle',
    description: 'the epoch best on each test domain: an optimistic upper bound, not a fair result',
  },
];

// Same default as the API and the CLI, so a bare URL shows the numbers they print.
export const DEFAULT_SELECTION: ModelSelection = DEFAULT_MODEL_SELECTION;

export function parseSelection(value: string | undefined): ModelSelection {
  return SELECTION_OPTIONS.some((option) => option.value === value) ? (value as ModelSelection) : DEFAULT_SELECTION;
}

export function selectionOption(selection: ModelSelection) {
  return SELECTION_OPTIONS.find((option) => option.value === selection)!;
}

/** `href` with `?selection=` added when it is not the default, so links keep the switch's state. */
export function withSelection(href: string, selection: ModelSelection): string {
  if (selection === DEFAULT_SELECTION) return href;
  return `${href}${href.includes('?') ? '&' : '?'}selection=${selection}`;
}
