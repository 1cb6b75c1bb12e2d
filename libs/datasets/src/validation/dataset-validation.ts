import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import sharp from 'sharp';
import type { ClassCount } from '@fer/contracts';
import { rememberFileHash, datasetChecksum } from '../images/sample-hash';
import type { LabelMap } from '../label-map';
import { getReader } from '../readers/reader-registry';
import type { DatasetFormat } from '../readers/dataset-reader';
import type { DropCounts, Sample, Split } from '../sample';
import { summarizeCounts, type DatasetCounts } from '../split-counts';
import { countProblems, type DatasetProblem, type ProblemCounts, type ProblemKind } from './dataset-problem';
import { confinePath } from './path-confinement';

export interface ValidateDatasetOptions {
  format: DatasetFormat | string;
  /** The dataset folder (for `csv`: the folder, or the CSV file itself). */
  path: string;
  /** The configured data roots the dataset must lie in; default: the dataset folder itself. */
  dataRoots?: readonly string[];
  numClasses?: ClassCount;
  labelMap?: LabelMap;
  defaultSplit?: Split;
  /** `ferplus` only: the vote-to-label rule (default `majority`, FERPlus's own protocol). */
  ferplusLabels?: 'majority' | 'plurality';
  /** Keep going past bad samples, leaving them out and listing each in `report.skipped`. */
  skipBad?: boolean;
  /** How many problems the report lists in full (counts cover all); default 50. */
  maxProblems?: number;
  /** Parallel image decodes; default 4. */
  concurrency?: number;
  /** Compute the content checksum (hashes every image; bytes already read for decoding are reused). Default true. */
  checksum?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface ValidationReport {
  /** True when the dataset can be registered: no problems, or only skipped samples with `skipBad`, and ≥ 1 sample. */
  valid: boolean;
  format: string;
  /** Real path of the dataset folder. */
  root: string;
  numClasses: ClassCount;
  /** Counts of the samples kept, and what the reader dropped by design (label outside the space), by reason. */
  counts: DatasetCounts;
  /** The first `maxProblems` problems. */
  problems: DatasetProblem[];
  problemCounts: ProblemCounts;
  totalProblems: number;
  /** With `skipBad`: every sample-level problem that left a sample out, in full (never truncated). */
  skipped: DatasetProblem[];
  /** sha256 content checksum of the kept samples (see `datasetChecksum`); absent when invalid or disabled. */
  checksum?: string;
}

export interface ValidatedDataset {
  report: ValidationReport;
  /** The samples kept, in reader order; empty when the report is invalid. */
  samples: Sample[];
}

// These describe the dataset as a whole; skipping samples cannot make such a dataset usable.
const FATAL_KINDS: ReadonlySet<ProblemKind> = new Set(['missing-folder', 'missing-label-file', 'bad-layout']);

async function checkSample(sample: Sample, realRoot: string, withHash: boolean): Promise<DatasetProblem | undefined> {
  const at = sample.source
    ? { file: sample.source.file, line: sample.source.line, field: 'image', sampleKey: sample.key }
    : { file: sample.key, sampleKey: sample.key };
  const { image } = sample;
  if (image.kind === 'pixels') {
    const expected = image.width * image.height * image.channels;
    return image.data.length === expected
      ? undefined
      : { ...at, kind: 'decode-failed', message: `${image.data.length} pixel bytes, expected ${expected}` };
  }
  const confined = await confinePath([realRoot], image.path);
  if (!confined.ok) {
    if (confined.reason === 'missing') return { ...at, kind: 'missing-file', message: `${sample.key} does not exist` };
    return {
      ...at,
      kind: 'path-escape',
      message: `${sample.key} ${confined.reason === 'outside' ? 'climbs out of the dataset root' : 'is a symlink out of the dataset root'}`,
    };
  }
  let bytes: Buffer;
  try {
    const info = await stat(confined.realPath);
    if (!info.isFile()) return { ...at, kind: 'missing-file', message: `${sample.key} is not a regular file` };
    bytes = await readFile(confined.realPath);
  } catch (error) {
    return { ...at, kind: 'missing-file', message: `${sample.key}: ${(error as Error).message}` };
  }
  try {
    // A full decode, not just the header: truncated and corrupt files fail here (libvips warnings are errors).
    await sharp(bytes, { failOn: 'warning' }).raw().toBuffer();
  } catch (error) {
    return {
      ...at,
      kind: 'decode-failed',
      message: `${sample.key} does not decode as an image: ${(error as Error).message.split('\n')[0]}`,
    };
  }
  if (withHash) await rememberFileHash(image.path, bytes);
  return undefined;
}

async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

/**
 * Reads a dataset with its format's reader and checks everything before anything is stored: label lines strictly,
 * every image exists inside the dataset folder (no `..`, no symlink out) and decodes. Never throws for bad data.
 */
export async function validateDataset(options: ValidateDatasetOptions): Promise<ValidatedDataset> {
  const numClasses = options.numClasses ?? 7;
  const maxProblems = options.maxProblems ?? 50;
  const reader = getReader(options.format);
  let folder = resolve(options.path);
  let labelFile: string | undefined;
  if (reader.format === 'csv' && (await stat(folder).catch(() => undefined))?.isFile()) {
    labelFile = basename(folder);
    folder = dirname(folder);
  }
  const problems: DatasetProblem[] = [];
  const finish = async (samples: Sample[], dropped: DropCounts, root: string): Promise<ValidatedDataset> => {
    const skipped = options.skipBad ? problems.filter((problem) => !FATAL_KINDS.has(problem.kind)) : [];
    const blocking = problems.length - skipped.length;
    const valid = blocking === 0 && samples.length > 0;
    if (samples.length === 0 && blocking === 0) {
      problems.push({ kind: 'bad-layout', file: '.', message: 'no samples found' });
    }
    const kept = valid ? samples : [];
    return {
      samples: kept,
      report: {
        valid,
        format: reader.format,
        root,
        numClasses,
        counts: summarizeCounts(kept, numClasses, dropped),
        problems: problems.slice(0, maxProblems),
        problemCounts: countProblems(problems),
        totalProblems: problems.length,
        skipped,
        checksum: valid && options.checksum !== false ? await datasetChecksum(kept) : undefined,
      },
    };
  };

  const dataRoots = options.dataRoots ?? [folder];
  const confinedRoot = await confinePath(dataRoots, folder);
  if (!confinedRoot.ok) {
    problems.push({
      kind: confinedRoot.reason === 'missing' ? 'missing-folder' : 'path-escape',
      file: options.path,
      message:
        confinedRoot.reason === 'missing' ? `dataset folder ${options.path} does not exist` : confinedRoot.message,
    });
    return finish([], {}, folder);
  }
  const realRoot = confinedRoot.realPath;
  if (!(await stat(realRoot)).isDirectory()) {
    problems.push({ kind: 'bad-layout', file: options.path, message: 'dataset path is not a folder' });
    return finish([], {}, realRoot);
  }
  // Readers see the real root, so every sample path below is checked against the same resolved folder.
  const read = await reader.read(await realpath(realRoot), {
    numClasses,
    labelMap: options.labelMap,
    defaultSplit: options.defaultSplit,
    labelFile,
    ferplusLabels: options.ferplusLabels,
  });
  problems.push(...read.problems);

  const seen = new Set<string>();
  const unique: Sample[] = [];
  for (const sample of read.samples) {
    if (seen.has(sample.key)) {
      problems.push({
        kind: 'duplicate-key',
        file: sample.source?.file ?? sample.key,
        line: sample.source?.line,
        sampleKey: sample.key,
        message: `${sample.key} is listed more than once`,
      });
    } else {
      seen.add(sample.key);
      unique.push(sample);
    }
  }

  const sampleProblems: (DatasetProblem | undefined)[] = new Array(unique.length);
  let done = 0;
  options.onProgress?.(0, unique.length);
  await inPool(unique, options.concurrency ?? 4, async (sample, index) => {
    sampleProblems[index] = await checkSample(sample, realRoot, options.checksum !== false);
    options.onProgress?.(++done, unique.length);
  });
  const kept: Sample[] = [];
  unique.forEach((sample, index) => {
    const problem = sampleProblems[index];
    if (problem) problems.push(problem);
    else kept.push(sample);
  });
  return finish(kept, read.dropped, realRoot);
}
