import type { LeaderboardCell } from '@fer/contracts';
import { domainDisplayName } from '@fer/contracts/domains';

export const DASH = '—';

export function formatNumber(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value) ? DASH : value.toFixed(digits);
}

/** Training and evaluation metrics arrive as fractions; leaderboard cells are already percent. */
export function accuracyPercent(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  // A 7-class accuracy is never at or below 1 %, so values <= 1 are fractions.
  return value <= 1 ? value * 100 : value;
}

export function formatAccuracy(value: number | null | undefined, digits = 2): string {
  return formatNumber(accuracyPercent(value), digits);
}

export function formatCell(cell: LeaderboardCell | null | undefined): string {
  if (!cell || cell.mean === null) return DASH;
  return cell.std === null || cell.n < 2 ? cell.mean.toFixed(2) : `${cell.mean.toFixed(2)} ± ${cell.std.toFixed(2)}`;
}

export function domainLabel(domain: string): string {
  return domainDisplayName(domain);
}

export function columnLabel(column: string): string {
  if (column === 'mean') return 'Mean';
  if (column === 'targetMean') return 'Target mean';
  return domainLabel(column);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return DASH;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function formatConfigValue(value: unknown): string {
  if (value === undefined) return DASH;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
