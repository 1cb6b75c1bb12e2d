import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { findRepoRoot } from '@fer/db';

/** A real worker process (the built apps/worker), as a user would run it. */
export function spawnWorker(env: Record<string, string>): ChildProcess & { output: string[] } {
  const root = findRepoRoot();
  const child = spawn(process.execPath, [join(root, 'apps/worker/dist/main.js')], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: string[] };
  child.output = [];
  child.stdout!.on('data', (chunk: Buffer) => child.output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => child.output.push(chunk.toString()));
  return child;
}

/**
 * The environment of a worker serving a test API (its database and queue prefix, the test Redis, wasm) with fast
 * heartbeats, lock renewal and cancel polling so that kills and cancels are seen within seconds.
 */
export function workerEnv(
  api: { databaseUrl: string; queuePrefix: string },
  home: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: api.databaseUrl,
    REDIS_URL: process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    FER_QUEUE_PREFIX: api.queuePrefix,
    FER_HOME: home,
    FER_BACKEND: 'wasm',
    FER_HEARTBEAT_SECONDS: '1',
    FER_JOB_LOCK_SECONDS: '3',
    FER_CANCEL_POLL_SECONDS: '0.5',
    ...overrides,
  };
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
