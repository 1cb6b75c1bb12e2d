import { readFile } from 'node:fs/promises';
import { emotionsFor, type ClassCount } from '@fer/contracts';

/**
 * A user's native-label → canonical mapping. Values are a canonical index, a canonical emotion name, or `null` to drop
 * that label (counted as `unmapped:<label>`). Keys are matched exactly first, then case-insensitively.
 */
export type LabelMap = Readonly<Record<string, number | string | null>>;

export type LabelMapResult = { label: number } | { dropped: string } | undefined;

export function applyLabelMap(map: LabelMap, nativeLabel: string, numClasses: ClassCount): LabelMapResult {
  const trimmed = nativeLabel.trim();
  let value = map[trimmed];
  if (value === undefined) {
    const key = Object.keys(map).find((candidate) => candidate.toLowerCase() === trimmed.toLowerCase());
    if (key === undefined) return undefined;
    value = map[key];
  }
  if (value === null) return { dropped: `unmapped:${trimmed}` };
  const index = typeof value === 'number' ? value : emotionsFor(8).indexOf(value.toLowerCase() as never);
  if (index === 7 && numClasses === 7) return { dropped: 'contempt' };
  return { label: index };
}

/** Checks a parsed label map; throws a message naming each bad entry. */
export function parseLabelMap(value: unknown): LabelMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('label map must be a JSON object of native label → canonical index or emotion name');
  }
  const names = emotionsFor(8);
  const errors: string[] = [];
  for (const [key, target] of Object.entries(value as Record<string, unknown>)) {
    if (target === null) continue;
    if (typeof target === 'number') {
      if (!Number.isInteger(target) || target < 0 || target > 7) {
        errors.push(`"${key}": ${target} is not a canonical index 0-7 (7 = contempt, dropped in 7 classes)`);
      }
    } else if (typeof target === 'string') {
      if (!names.includes(target.toLowerCase() as never)) {
        errors.push(`"${key}": "${target}" is not one of ${names.join(', ')}`);
      }
    } else {
      errors.push(`"${key}": must be a number, an emotion name or null`);
    }
  }
  if (errors.length > 0) throw new Error(`invalid label map: ${errors.join('; ')}`);
  return value as LabelMap;
}

export async function loadLabelMapFile(file: string): Promise<LabelMap> {
  const text = await readFile(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`label map ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseLabelMap(parsed);
}
