import { runAdamTrace, runHeadFixture } from '@fer/cafe';
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { readFileSync } from 'node:fs';

function readFixture(path: string): { inputs: Record<string, unknown>; config?: Record<string, unknown> } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || !('inputs' in parsed)) throw new Error(`${path}: field "inputs" is missing`);
  return parsed as { inputs: Record<string, unknown>; config?: Record<string, unknown> };
}

/** Local model checks: no API needed. Runs on the exact `cpu` backend so results are reproducible anywhere. */
export function registerCafeCommands(program: Command): void {
  const cafe = program.command('cafe').description('Check the CAFE model against golden vectors (no server needed)');
  cafe
    .command('head')
    .description('Forward + backward of the CAFE head on a golden-vector file; prints the outputs as one JSON object')
    .requiredOption('--input <file>', 'a head-*.json golden-vector file (its "inputs" and "config" are read)')
    .action(async (options: { input: string }) => {
      await tf.setBackend('cpu');
      process.stdout.write(JSON.stringify(runHeadFixture(readFixture(options.input))) + '\n');
    });
  cafe
    .command('adam-trace')
    .description('Adam steps of a linear mask net + FC head on a golden-vector file; prints {"trace": [...]}')
    .requiredOption('--input <file>', 'an adam-trace-*.json golden-vector file')
    .action(async (options: { input: string }) => {
      await tf.setBackend('cpu');
      process.stdout.write(JSON.stringify(runAdamTrace(readFixture(options.input))) + '\n');
    });
}
