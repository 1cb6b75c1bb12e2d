import type { DropCounts, ReaderOptions, Sample } from '../sample';
import type { DatasetProblem } from '../validation/dataset-problem';

export const DATASET_FORMATS = ['rafdb', 'ferplus', 'affectnet', 'sfew', 'mma', 'imagefolder', 'csv'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** What a reader found: samples in the canonical space, what it dropped (by reason), and what it could not parse. */
export interface ReaderOutput {
  samples: Sample[];
  dropped: DropCounts;
  problems: DatasetProblem[];
}

export interface DatasetReader {
  format: DatasetFormat;
  /** One line for `--help` and the API: the files this reader expects. */
  description: string;
  /** `root` is an absolute, already-confined directory. Never throws for bad data: it reports problems. */
  read(root: string, options: ReaderOptions): Promise<ReaderOutput>;
}

export function emptyOutput(): ReaderOutput {
  return { samples: [], dropped: {}, problems: [] };
}
