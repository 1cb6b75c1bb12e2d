import type { Split } from './sample';

const SPLIT_SYNONYMS: Record<string, Split> = {
  train: 'train',
  training: 'train',
  val: 'val',
  valid: 'val',
  validation: 'val',
  dev: 'val',
  publictest: 'val',
  test: 'test',
  testing: 'test',
  privatetest: 'test',
};

/** Maps a split folder or column value (case-insensitive) to a canonical split. */
export function splitFromName(name: string): Split | undefined {
  return SPLIT_SYNONYMS[name.trim().toLowerCase()];
}
