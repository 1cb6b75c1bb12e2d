/** `pruned`: stopped early by the sweep's early-stopping rule (checkpoint kept; left out of leaderboards unless asked). */
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'pruned', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'pruned', 'failed', 'cancelled'];

export const SWEEP_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

export const DATASET_STATUSES = ['importing', 'ready', 'failed'] as const;
export type DatasetStatus = (typeof DATASET_STATUSES)[number];

export const API_KEY_ROLES = ['read', 'launch', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];
