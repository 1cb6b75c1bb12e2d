import { Command, InvalidArgumentError } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { emotionsFor, type ClassCount } from '@fer/contracts';
import {
  DATASET_FORMATS,
  SPLITS,
  formatProblem,
  getReader,
  isDatasetFormat,
  loadLabelMapFile,
  validateDataset,
  type ValidationReport,
} from '@fer/datasets';

export interface DatasetsInspectOptions {
  format: string;
  path: string;
  json?: boolean;
  labelMap?: string;
  numClasses?: ClassCount;
  skipBad?: boolean;
  maxErrors?: number;
  dataRoot?: string[];
  /** ferplus only: majority (default) or plurality. */
  ferplusLabels?: 'majority' | 'plurality';
}

export interface InspectOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Draw a progress bar on stderr (a terminal). */
  progress?: boolean;
}

/** The `--json` document: exactly these three keys. */
export function inspectJson(report: ValidationReport): {
  splits: ValidationReport['counts']['splits'];
  dropped: Record<string, number>;
  errors: unknown[];
} {
  return { splits: report.counts.splits, dropped: report.counts.dropped, errors: report.problems };
}

export function formatInspectTable(report: ValidationReport): string {
  const names = emotionsFor(report.numClasses);
  const header = ['split', 'total', ...names];
  const rows = SPLITS.flatMap((split) => {
    const count = report.counts.splits[split];
    return count ? [[split, String(count.total), ...count.perClass.map(String)]] : [];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ');
  const out = [
    `${report.format} dataset at ${report.root} (${report.numClasses} classes)`,
    line(header),
    ...rows.map(line),
  ];
  const dropped = Object.entries(report.counts.dropped);
  out.push(
    `dropped: ${dropped.length === 0 ? 'none' : dropped.map(([reason, count]) => `${reason} ${count}`).join(', ')}`,
  );
  if (report.skipped.length > 0) out.push(`skipped (--skip-bad): ${report.skipped.length}`);
  if (report.totalProblems > 0) {
    const counts = Object.entries(report.problemCounts)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ');
    out.push(`problems: ${report.totalProblems} (${counts}); first ${report.problems.length}:`);
    out.push(...report.problems.map((problem) => `  ${formatProblem(problem)}`));
  }
  out.push(
    report.valid
      ? `valid${report.checksum ? `, checksum ${report.checksum}` : ''}`
      : 'INVALID: nothing would be registered',
  );
  return out.join('\n') + '\n';
}

/** Validates a dataset on disk, prints the report, and returns the exit code (0 valid, 1 invalid). */
export async function runDatasetsInspect(options: DatasetsInspectOptions, output: InspectOutput): Promise<number> {
  if (!isDatasetFormat(options.format)) {
    throw new InvalidArgumentError(`unknown format "${options.format}"; expected one of ${DATASET_FORMATS.join(', ')}`);
  }
  const numClasses = options.numClasses ?? 7;
  const labelMap = options.labelMap ? await loadLabelMapFile(options.labelMap) : undefined;
  let bar: SingleBar | undefined;
  const { report } = await validateDataset({
    format: options.format,
    path: options.path,
    dataRoots: options.dataRoot && options.dataRoot.length > 0 ? options.dataRoot : undefined,
    numClasses,
    labelMap,
    skipBad: options.skipBad,
    ferplusLabels: options.ferplusLabels,
    maxProblems: options.maxErrors,
    checksum: !options.json,
    onProgress: (done, total) => {
      if (!output.progress || total === 0) return;
      if (!bar) {
        bar = new SingleBar(
          {
            stream: process.stderr,
            format: 'validating {bar} {value}/{total} images | {eta_formatted} left',
            hideCursor: true,
          },
          Presets.shades_classic,
        );
        bar.start(total, done);
      } else bar.update(done);
    },
  });
  bar?.stop();
  output.stdout(options.json ? JSON.stringify(inspectJson(report), null, 2) + '\n' : formatInspectTable(report));
  if (!report.valid && options.json)
    output.stderr(`fer datasets inspect: invalid dataset (${report.totalProblems} problems)\n`);
  return report.valid ? 0 : 1;
}

function parseNumClasses(value: string): ClassCount {
  if (value !== '7' && value !== '8') throw new InvalidArgumentError('must be 7 or 8');
  return Number(value) as ClassCount;
}

function parsePositiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
}

export function registerDatasetsInspectCommand(datasets: Command): void {
  datasets
    .command('inspect')
    .description(
      'Validate a dataset on disk without a server: counts per split and class, what is dropped, every problem',
    )
    .requiredOption('--format <format>', DATASET_FORMATS.join(' | '))
    .requiredOption('--path <path>', 'dataset folder (for csv: the folder or the CSV file)')
    .option('--json', 'print {"splits", "dropped", "errors"} as JSON')
    .option('--label-map <file>', 'JSON object: native label → canonical index or emotion name (null drops it)')
    .option('--num-classes <n>', '7, or 8 with contempt', parseNumClasses, 7 as ClassCount)
    .option('--skip-bad', 'leave bad samples out (listed) instead of failing')
    .option('--max-errors <n>', 'problems listed in full (all are counted)', parsePositiveInteger, 50)
    .option('--data-root <dir...>', 'allowed data roots (default: the dataset folder itself)')
    .addHelpText(
      'after',
      `\nFormats:\n${DATASET_FORMATS.map((format) => `  ${format.padEnd(12)}${getReader(format).description}`).join('\n')}\n`,
    )
    .action(async (options: DatasetsInspectOptions) => {
      process.exitCode = await runDatasetsInspect(options, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        progress: Boolean(process.stderr.isTTY),
      });
    });
}
