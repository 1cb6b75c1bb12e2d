import type { ClassCount } from '@fer/contracts';

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export type SampleImage =
  { kind: 'file'; path: string } | { kind: 'pixels'; width: number; height: number; channels: 1 | 3; data: Uint8Array };

/** Where a sample was declared, so a problem with it can name the label file and line. */
export interface SampleSource {
  file: string;
  line?: number;
}

/** Pixel box of the face inside the image, when the dataset ships one (AffectNet). */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Sample {
  /** Stable, relative to the dataset root, `/`-separated: the identity of a sample across re-imports. */
  key: string;
  split: Split;
  /** Index in the canonical label space (`@fer/contracts` CANONICAL_EMOTIONS / EIGHT_CLASS_EMOTIONS). */
  label: number;
  image: SampleImage;
  source?: SampleSource;
  faceBox?: FaceBox;
}

/** Why a reader left a well-formed sample out (a label outside the benchmark's space), by reason. */
export type DropCounts = Record<string, number>;

export function addDrop(dropped: DropCounts, reason: string, count = 1): void {
  dropped[reason] = (dropped[reason] ?? 0) + count;
}

export interface ReaderOptions {
  numClasses: ClassCount;
  /** Native label → canonical index; required by `csv`, optional for `imagefolder`. */
  labelMap?: import('./label-map').LabelMap;
  /** `csv` only: the split of rows without a split column. */
  defaultSplit?: Split;
  /** `csv` only: the label file, relative to the root (default `labels.csv`). */
  labelFile?: string;
  /** `ferplus` only: how vote counts become labels (default `majority`, FERPlus's own protocol; see ferplus.reader.ts). */
  ferplusLabels?: 'majority' | 'plurality';
}
