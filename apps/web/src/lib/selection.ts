import type { ModelSelection } from '@fer/contracts';

export const SELECTION_OPTIONS: { value: ModelSelection; label: string; description: string }[] = [
  { value: 'last', label: 'Last epoch', description: 'the final checkpoint of each run' },
  { value: 'source-val', label: 'Source validation', description: 'the checkpoint best on held-out source data' },
  {
    value: 'oracle',
    label: 'Oracle (test labels)',
    description: 'the checkpoint best on each test domain: an optimistic upper bound, not a fair result',
  },
];

// Same default as the API and the CLI, so a bare URL shows the numbers they print.
export const DEFAULT_SELECTION: ModelSelection = 'last';

export function parseSelection(value: string | undefined): ModelSelection {
  return SELECTION_OPTIONS.some((option) => option.value === value) ? (value as ModelSelection) : DEFAULT_SELECTION;
}
