import { METHOD_LOSS_INPUTS, runAdamTrace, runHeadFixture, runMethodLoss, selectBackend } from '@fer/cafe';
import { inspectWeights, WEIGHT_ARCHITECTURES, type WeightArchitecture } from '@fer/weights';
import { Command } from 'commander';
import { readFileSync } from 'node:fs';

export type CafeCheckKind = 'head' | 'adam-trace' | 'method-loss';

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Runs one golden-vector check on a file and returns the JSON line to print. Errors name the file and the field.
 * Uses the exact pure-JS `cpu` backend unless `backend` says otherwise (results match on wasm too).
 */
export async function runCafeCheck(kind: CafeCheckKind, path: string, backend = 'cpu'): Promise<string> {
  const json = readJson(path);
  await selectBackend({ override: backend });
  try {
    const result =
      kind === 'head' ? runHeadFixture(json) : kind === 'adam-trace' ? runAdamTrace(json) : runMethodLoss(json);
    return JSON.stringify(result);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

/** Local model checks against golden vectors: no API needed. */
export function registerCafeCommands(program: Command): void {
  const cafe = program.command('cafe').description('Check the CAFE model against golden vectors (no server needed)');
  cafe
    .command('head')
    .description(
      'Forward + backward of the CAFE head on a head-*.json file; prints one JSON object with the keys of its "outputs"',
    )
    .requiredOption(
      '--input <file>',
      'golden-vector file: inputs.{features,maskLogits,targets,fcWeight,fcBias,dropMask}, config.{lambdaDiverse,lambdaSeparation}',
    )
    .option('--backend <name>', 'TF.js backend: cpu, wasm, tensorflow or auto', 'cpu')
    .action(async (options: { input: string; backend: string }) => {
      process.stdout.write((await runCafeCheck('head', options.input, options.backend)) + '\n');
    });
  cafe
    .command('adam-trace')
    .description(
      'Adam + ExponentialLR steps of a linear mask net + FC head on an adam-trace-*.json file; prints {"trace": [...]}',
    )
    .requiredOption(
      '--input <file>',
      'golden-vector file: inputs.{features,maskNetInput,targets,dropMask,init.*}, config.{lr,weightDecay,gamma,steps,stepsPerEpoch}',
    )
    .option('--backend <name>', 'TF.js backend: cpu, wasm, tensorflow or auto', 'cpu')
    .action(async (options: { input: string; backend: string }) => {
      process.stdout.write((await runCafeCheck('adam-trace', options.input, options.backend)) + '\n');
    });
}

/** Loss-level checks of the paper's baselines against their official code: no API needed. */
export function registerMethodsCommands(program: Command): void {
  const methods = program
    .command('methods')
    .description("The paper's baseline methods (SCN, RUL, EAC): loss-level checks, no server needed");
  methods
    .command('loss')
    .description(
      'One loss evaluation with gradients on {"method", "config", "inputs"}; prints {"method", "loss", "grads": {name: nested array}, "relabeled"? (scn)}',
    )
    .requiredOption(
      '--input <file>',
      `JSON file; inputs per method: ${Object.entries(METHOD_LOSS_INPUTS)
        .map(([method, names]) => `${method}: ${names.join(', ')}`)
        .join('; ')}; config: scn beta, margin1, margin2; eac lambda (extra keys ignored)`,
    )
    .option('--backend <name>', 'TF.js backend: cpu, wasm, tensorflow or auto', 'cpu')
    .action(async (options: { input: string; backend: string }) => {
      process.stdout.write((await runCafeCheck('method-loss', options.input, options.backend)) + '\n');
    });
}

/** Pretrained trunk weights a user brings (MS-Celeb ResNet-18 in the paper): what loading them would do, no server. */
export function registerWeightsCommands(program: Command): void {
  const weights = program
    .command('weights')
    .description('Pretrained weights files (PyTorch zip checkpoints, .safetensors)');
  weights
    .command('inspect')
    .description('Match a weights file against an architecture trunk as PyTorch load_state_dict(strict=False) does')
    .requiredOption('--arch <name>', WEIGHT_ARCHITECTURES.join(' | '))
    .requiredOption(
      '--file <path>',
      'a torch.save checkpoint (zip format; a bare state dict or {"state_dict": ...}; module. prefixes stripped) or a .safetensors file',
    )
    .option('--json', 'print {"loaded": n, "missing": [...], "unexpected": [...]}')
    .action(async (options: { arch: string; file: string; json?: boolean }) => {
      if (!(WEIGHT_ARCHITECTURES as readonly string[]).includes(options.arch)) {
        throw new Error(`--arch "${options.arch}": one of ${WEIGHT_ARCHITECTURES.join(', ')}`);
      }
      const report = await inspectWeights(options.file, options.arch as WeightArchitecture);
      if (options.json) {
        process.stdout.write(JSON.stringify(report) + '\n');
        return;
      }
      const total = report.loaded + report.missing.length;
      process.stdout.write(
        `${options.file}: ${report.loaded} of ${total} ${options.arch} trunk tensors loaded\n` +
          (report.missing.length
            ? `missing (${report.missing.length}): ${report.missing.join(', ')}\n`
            : 'missing: none\n') +
          (report.unexpected.length
            ? `unexpected, ignored (${report.unexpected.length}): ${report.unexpected.join(', ')}\n`
            : 'unexpected: none\n'),
      );
    });
}
