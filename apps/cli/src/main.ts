import { Command, CommanderError } from 'commander';
import { registerApiCommands } from './commands/api.command';
import { registerBenchmarkCommands } from './commands/benchmarks.command';
import { registerCafeCommands, registerMethodsCommands, registerWeightsCommands } from './commands/cafe.command';
import { registerDatasetsCommands } from './commands/datasets.command';
import { registerPresetsCommands } from './commands/presets.command';
import { registerWorkerCommands } from './commands/worker.command';

export function buildProgram(): Command {
  const program = new Command('fer')
    .description('The FER experiment platform: datasets, sweeps, runs and cross-domain leaderboards (CAFE, ECCV 2024).')
    .version('0.1.0')
    .option('--api-url <url>', 'API base URL (default: FER_API_URL, or the local stack)')
    .option('--api-key <key>', 'API key (default: FER_API_KEY, or the local stack admin key)')
    .showHelpAfterError('(run with --help for usage)');
  registerCafeCommands(program);
  registerMethodsCommands(program);
  registerWeightsCommands(program);
  registerPresetsCommands(program);
  registerDatasetsCommands(program);
  registerApiCommands(program);
  registerBenchmarkCommands(program);
  registerWorkerCommands(program);
  return program;
}

if (require.main === module || process.argv[1]?.endsWith('fer.js') || process.argv[1]?.endsWith('fer')) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: Error) => {
      if (error instanceof CommanderError) process.exit(error.exitCode);
      process.stderr.write(`fer: ${error.message}\n`);
      process.exit(1);
    });
}
