import type { ClassCount } from '@fer/contracts';
import { SPLITS, type DropCounts, type Sample, type Split } from './sample';

export interface SplitCount {
  total: number;
  /** Counts in canonical class order, length numClasses. */
  perClass: number[];
}

export interface DatasetCounts {
  /** Only splits that have samples, in the order train, val, test. */
  splits: Partial<Record<Split, SplitCount>>;
  dropped: DropCounts;
}

export function summarizeCounts(
  samples: readonly Sample[],
  numClasses: ClassCount,
  dropped: DropCounts = {},
): DatasetCounts {
  const all: Record<Split, SplitCount> = {
    train: { total: 0, perClass: new Array<number>(numClasses).fill(0) },
    val: { total: 0, perClass: new Array<number>(numClasses).fill(0) },
    test: { total: 0, perClass: new Array<number>(numClasses).fill(0) },
  };
  for (const sample of samples) {
    if (!Number.isInteger(sample.label) || sample.label < 0 || sample.label >= numClasses) {
      throw new Error(`sample ${sample.key} has label ${sample.label}, outside the ${numClasses}-class space`);
    }
    all[sample.split].total += 1;
    all[sample.split].perClass[sample.label] += 1;
  }
  const splits: Partial<Record<Split, SplitCount>> = {};
  for (const split of SPLITS) if (all[split].total > 0) splits[split] = all[split];
  return { splits, dropped: { ...dropped } };
}
