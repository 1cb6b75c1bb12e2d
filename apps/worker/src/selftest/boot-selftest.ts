import {
  formatSelftestReport,
  runSelftest,
  summarizeSelftest,
  type SelftestOptions,
  type SelftestReport,
} from '@fer/cafe';
import type { WorkerEnv } from '../config/worker-env.schema';

/** The line a worker logs when its selftest fails, before it exits without taking a job. */
export const SELFTEST_REFUSAL = 'selftest FAILED: refusing jobs';
/** The exit code of a worker whose boot selftest failed (1 is any other failure to start). */
export const SELFTEST_FAILED_EXIT_CODE = 3;

export interface BootSelftestLog {
  /** The one-line summary on PASS. */
  log(line: string): void;
  /** The report and the refusal on FAIL. */
  error(text: string): void;
}

export type SelftestRunner = (options: SelftestOptions) => Promise<SelftestReport>;

/**
 * FER_SELFTEST=boot: runs the selftest on the backend and frozen engine the worker uses, before it connects to a queue, and says whether
 * the worker may take jobs. PASS logs one line (backend, device, speeds); FAIL logs the whole report and the refusal.
 * With FER_SELFTEST=off (the default) nothing runs.
 */
export async function bootSelftest(
  env: Pick<
    WorkerEnv,
    | 'FER_SELFTEST'
    | 'FER_SELFTEST_GOLDEN_DIR'
    | 'FER_SELFTEST_CLIP_WEIGHTS'
    | 'FER_FROZEN_ENGINE'
    | 'FER_FROZEN_THREADS'
  >,
  backend: string,
  device: string,
  log: BootSelftestLog,
  run: SelftestRunner = runSelftest,
): Promise<boolean> {
  if (env.FER_SELFTEST !== 'boot') return true;
  let report: SelftestReport;
  try {
    report = await run({
      backend,
      goldenDir: env.FER_SELFTEST_GOLDEN_DIR,
      clipWeights: env.FER_SELFTEST_CLIP_WEIGHTS,
      frozenEngine: env.FER_FROZEN_ENGINE,
      frozenThreads: env.FER_FROZEN_THREADS,
      cudaDevice: device.startsWith('cuda:') ? device.slice('cuda:'.length) : undefined,
    });
  } catch (error) {
    log.error(`selftest could not run: ${(error as Error).message}\n${SELFTEST_REFUSAL}`);
    return false;
  }
  if (report.pass) {
    log.log(summarizeSelftest(report));
    return true;
  }
  log.error(`${formatSelftestReport(report)}\n${summarizeSelftest(report)}\n${SELFTEST_REFUSAL}`);
  return false;
}
