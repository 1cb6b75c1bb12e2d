import { findRepoRoot } from '@fer/db';
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export interface FerResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `fer` binary against an API, as a user does. Asynchronous on purpose: when the API under test lives
 * in the calling process, a synchronous spawn would deadlock it.
 */
export function runFer(apiUrl: string, key: string, args: string[], timeoutMs = 60_000): Promise<FerResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(findRepoRoot(), 'apps/cli/bin/fer.js'), '--api-url', apiUrl, '--api-key', key, ...args],
      { timeout: timeoutMs },
      (error, stdout, stderr) =>
        resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
