import { DatasetDto, Page } from '@fer/contracts';
import { Command } from 'commander';
import { resolve } from 'node:path';
import { apiRequest, resolveConnection } from '../api-client';
import { registerDatasetsInspectCommand, runDatasetsInspect } from './datasets-inspect.command';

export function registerDatasetsCommands(program: Command): void {
  const datasets = program.command('datasets').description('Register and list datasets');
  datasets
    .command('import')
    .description('Validate a dataset on disk and register it (a new version when its content changed)')
    .requiredOption('--format <format>', 'rafdb | ferplus | affectnet | sfew | mma | imagefolder | csv')
    .requiredOption('--path <path>', 'dataset folder (inside the API\'s FER_DATA_ROOTS)')
    .requiredOption('--name <name>', 'dataset name')
    .option('--domain <domain>', 'benchmark domain it stands for (default: the name), e.g. rafdb')
    .option('--num-classes <n>', '7, or 8 with contempt', '7')
    .option('--skip-bad', 'register the good samples and record exactly which were skipped')
    .option('--crop-faces', 'detect and crop the largest face of each image (for unaligned datasets); recorded per image in the import report')
    .option('--ferplus-labels <rule>', "ferplus only: majority (FERPlus's own protocol, the default) or plurality")
    .action(async (options: { format: string; path: string; name: string; domain?: string; numClasses: string; skipBad?: boolean; cropFaces?: boolean; ferplusLabels?: string }, command: Command) => {
      const started = Date.now();
      // Validate here first, with a progress bar, so a bad dataset fails fast and names its files; the API
      // validates again before it stores anything (it is the source of truth).
      const numClasses = Number(options.numClasses) as 7 | 8;
      const code = await runDatasetsInspect(
        { format: options.format, path: options.path, numClasses, skipBad: Boolean(options.skipBad), ferplusLabels: options.ferplusLabels as 'majority' | 'plurality' | undefined },
        { stdout: (text) => process.stderr.write(text), stderr: (text) => process.stderr.write(text), progress: process.stderr.isTTY },
      );
      if (code !== 0) throw new Error(`${options.path} is not a valid ${options.format} dataset (see above); nothing was registered`);
      process.stderr.write('registering with the API…\n');
      const dataset = await apiRequest<DatasetDto>(resolveConnection(command.optsWithGlobals()), 'POST', '/datasets', {
        name: options.name,
        format: options.format,
        path: resolve(options.path),
        domain: options.domain,
        numClasses,
        skipBad: Boolean(options.skipBad),
        cropFaces: Boolean(options.cropFaces),
        ...(options.ferplusLabels ? { ferplusLabels: options.ferplusLabels } : {}),
      });
      const train = dataset.counts.splits.train?.total ?? 0;
      const test = dataset.counts.splits.test?.total ?? 0;
      process.stderr.write(`registered ${dataset.name} v${dataset.version} (${dataset.domain}): ${train} train, ${test} test, checksum ${dataset.checksum.slice(0, 12)}… in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      process.stdout.write(JSON.stringify(dataset, null, 2) + '\n');
    });
  datasets
    .command('list')
    .description('List registered datasets')
    .action(async (_o: unknown, command: Command) => {
      const page = await apiRequest<Page<DatasetDto>>(resolveConnection(command.optsWithGlobals()), 'GET', '/datasets');
      for (const d of page.items) {
        const splits = Object.entries(d.counts.splits).map(([s, c]) => `${s} ${c.total}`).join(', ');
        process.stdout.write(`${d.id}  ${d.name} v${d.version}  domain ${d.domain}  ${d.format}  ${splits}\n`);
      }
    });
  registerDatasetsInspectCommand(datasets);
}
