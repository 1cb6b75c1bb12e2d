import { BACKEND_NAMES, FROZEN_ENGINES, runSelftest, type FrozenEngineChoice, type SelftestReport } from '@fer/cafe';
import { Command, Option } from 'commander';

export interface WorkerSelftestOptions {
  goldenDir?: string;
  backend: string;
  backbone?: string;
  clipWeights?: string;
  frozenEngine: FrozenEngineChoice;
  json?: boolean;
}

/**
 * `fer worker selftest`: the numerics check a worker runs at boot with FER_SELFTEST=boot, on this machine's backend.
 * Prints the table as checks end (or the report as JSON) and returns it; the caller sets the exit code.
 */
export async function workerSelftest(
  options: WorkerSelftestOptions,
  write: (text: string) => void,
): Promise<SelftestReport> {
  const report = await runSelftest({
    backend: options.backend,
    goldenDir: options.goldenDir,
    backbone: options.backbone,
    clipWeights: options.clipWeights,
    frozenEngine: options.frozenEngine,
    // The GPU nvidia-smi names: the first one this process may use, as TensorFlow picks it.
    cudaDevice: process.env.CUDA_VISIBLE_DEVICES,
    onLine: options.json ? undefined : (line) => write(line + '\n'),
  });
  if (options.json) write(JSON.stringify(report, null, 2) + '\n');
  return report;
}

/** Checks of a worker host, run locally: no API or queue needed. */
export function registerWorkerCommands(program: Command): void {
  const worker = program.command('worker').description('Worker host checks (run on the host itself, no server needed)');
  worker
    .command('selftest')
    .description(
      "Prove this host's numerics before it trains: the PyTorch golden files (CAFE head, Adam trace, SCN/RUL/EAC losses, " +
        "ResNet-18 and CLIP forwards) with the tests' tolerances, a 3-step training run with a checkpoint resume, and a " +
        'frozen-feature batch; prints the backend, device, speeds and PASS/FAIL per check. Exit code 0 on PASS, 1 on FAIL. ' +
        'A worker runs the same at boot with FER_SELFTEST=boot and refuses jobs on FAIL.',
    )
    .option(
      '--golden-dir <dir>',
      'folder of head-*.json, adam-trace-*.json and methods/*.json (default: libs/cafe/fixtures/golden)',
    )
    .addOption(
      new Option('--backend <name>', "TF.js backend, as the worker's FER_BACKEND")
        .choices(['auto', ...BACKEND_NAMES])
        .default('auto'),
    )
    .option('--backbone <name>', 'frozen model of the feature batch (default: face-api-expression)')
    .option('--clip-weights <file>', 'a clip-vit-b32 .safetensors: run a CLIP batch too, on the frozen engine')
    .addOption(
      new Option(
        '--frozen-engine <name>',
        "where CLIP runs, as the worker's FER_FROZEN_ENGINE (auto: ONNX Runtime when it loads)",
      )
        .choices([...FROZEN_ENGINES])
        .default('auto'),
    )
    .option(
      '--json',
      'print the report as JSON: {backend, device, frozenEngine, goldenDir, checks: [{name, status, detail, seconds, speed?}], notes, pass, seconds}',
    )
    .action(async (options: WorkerSelftestOptions) => {
      const report = await workerSelftest(options, (text) => process.stdout.write(text));
      process.exitCode = report.pass ? 0 : 1;
    });
}
