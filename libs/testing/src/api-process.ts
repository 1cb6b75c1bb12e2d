import { findRepoRoot } from '@fer/db';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createTestDatabase } from './test-database';
import { stopProcess } from './worker-process';
import { waitUntil } from './wait-until';

export interface ApiResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- callers assert on arbitrary response shapes
  body: any;
  text: string;
}

export interface ApiRequestOptions {
  body?: unknown;
  /** A body sent as it is (malformed JSON, a bare string). */
  raw?: string;
  /** The bearer; null sends none; undefined: the caller's default key. */
  key?: string | null;
  headers?: Record<string, string>;
}

/** One call to `<url>/api/v1<path>`, as a client would make it; the body is parsed as JSON when it is JSON. */
export async function apiRequest(
  url: string,
  key: string | null,
  method: string,
  path: string,
  options: ApiRequestOptions = {},
): Promise<ApiResponse> {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...options.headers,
    },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain text
  }
  return { status: response.status, body, text };
}

/** A running API a test or benchmark talks to: where it is, its database and queue prefix, three keys, requests. */
export interface ApiEndpoint {
  url: string;
  databaseUrl: string;
  queuePrefix: string;
  keys: { admin: string; launch: string; read: string };
  request(method: string, path: string, options?: ApiRequestOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiProcess extends ApiEndpoint {
  child: ChildProcess & { output: string[] };
}

/**
 * The built API (apps/api/dist/main.js) as a real process, as a user runs it: a fresh migrated database, a Redis key
 * prefix of its own, a free loopback port, an admin key through FER_BOOTSTRAP_API_KEY and a launch and a read key
 * created through the API itself. For benchmarks and tests that must not share the API's process.
 */
export async function startApiProcess(label: string, overrides: Record<string, string> = {}): Promise<ApiProcess> {
  const database = await createTestDatabase(label);
  const queuePrefix = `fer-test-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const admin = `fer_admin_${randomBytes(24).toString('hex')}`;
  const root = findRepoRoot();
  const child = spawn(process.execPath, [join(root, 'apps/api/dist/main.js')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL: process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      FER_QUEUE_PREFIX: queuePrefix,
      FER_API_HOST: '127.0.0.1',
      FER_API_PORT: String(port),
      FER_BOOTSTRAP_API_KEY: admin,
      FER_RECONCILE_INTERVAL_SECONDS: '3600',
      LOG_LEVEL: 'warn',
      ...overrides,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: string[] };
  child.output = [];
  child.stdout!.on('data', (chunk: Buffer) => child.output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => child.output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;

  const request = (method: string, path: string, options: ApiRequestOptions = {}) =>
    apiRequest(url, options.key === undefined ? admin : options.key, method, path, options);

  const close = async () => {
    await stopProcess(child);
    await database.drop();
  };
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`the API exited with ${child.exitCode}: ${child.output.join('').slice(-2000)}`);
        return (await fetch(`${url}/api/v1/health`).catch(() => null))?.ok;
      },
      'the API process to answer /health',
      60_000,
      100,
    );
    const createKey = async (role: string) => {
      const created = await request('POST', '/keys', { body: { name: `test-${role}`, role } });
      if (created.status !== 201) throw new Error(`POST /keys answered ${created.status}: ${created.text}`);
      return created.body.key as string;
    };
    return {
      child,
      url,
      databaseUrl: database.url,
      queuePrefix,
      keys: { admin, launch: await createKey('launch'), read: await createKey('read') },
      request,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
