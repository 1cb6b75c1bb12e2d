import type { ClassCount } from '@fer/contracts';
import type { ReaderOptions } from '../sample';

/**
 * The reader options a registered dataset was imported with, for reading it again (training, evaluation, sample
 * images): the sample keys and labels must be the ones its rows were stored with. FERPlus datasets imported before
 * the label rule was recorded were read by plurality, so that is what they get.
 */
export function storedReaderOptions(dataset: { format: string; numClasses: number; options: unknown }): ReaderOptions {
  const stored = (dataset.options ?? {}) as Partial<ReaderOptions> & { cropDir?: string };
  const { cropDir: _cropDir, ...options } = stored;
  return {
    ...options,
    numClasses: dataset.numClasses as ClassCount,
    ...(dataset.format === 'ferplus' ? { ferplusLabels: stored.ferplusLabels ?? 'plurality' } : {}),
  };
}
