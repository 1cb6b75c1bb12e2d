#!/usr/bin/env node
// The main job: build, start the local stack (embedded PostgreSQL + Redis unless DATABASE_URL / REDIS_URL answer),
// the API, a worker and the web UI; generate the synthetic five-domain benchmark, register it, run a small CAFE
// sweep end to end, print the leaderboard, and keep serving until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { onShutdownSignal, startLocalStack } from '../infra/local-stack.mjs';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const { values: args } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h' },
    exit: { type: 'boolean', default: false },
    'no-web': { type: 'boolean', default: false },
    epochs: { type: 'string', default: '10' },
    'per-class-train': { type: 'string', default: '40' },
    'per-class-test': { type: 'string', default: '20' },
    'api-port': { type: 'string', default: '8080' },
    'web-port': { type: 'string', default: '3000' },
    home: { type: 'string', default: '.fer' },
    sweep: { type: 'string', multiple: true },
  },
});
if (args.help) {
  console.log(`usage: npm start -- [--exit] [--no-web] [--epochs N] [--api-port P] [--web-port P] [--home DIR] [--sweep FILE ...]
Starts everything on one machine, runs a small sweep on the synthetic benchmark and prints the leaderboard.
  --exit      stop everything after printing the leaderboard (default: keep serving)
  --no-web    do not build or serve the web UI
  --epochs N  epochs of the demo sweep (default 10)
  --per-class-train N, --per-class-test N   synthetic images per class and domain (default 40 / 20)
  --home DIR  state folder: embedded database, feature cache, checkpoints, data, logs (default .fer)
  --sweep FILE  run this sweep spec (.yaml or .json, as \`fer sweep create\` takes) instead of the demo sweep;
              repeatable: all are created first, then watched in order; the leaderboard of each (benchmark, source)
              they name is printed (e.g. examples/synth5-every-method/, README "Every method on synth5")`);
  process.exit(0);
}

const home = resolve(root, args.home);
const log = (message) => process.stderr.write(`\x1b[36m[fer]\x1b[0m ${message}\n`);
const children = [];
let stack;

/** Stops the API, workers and web first (they close their database connections), then PostgreSQL and Redis. */
async function shutdown(code = 0) {
  await Promise.all(children.reverse().map((child) => stopChild(child, 10_000)));
  await stack?.stop();
  process.exit(code);
}

function stopChild(child, graceMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}
onShutdownSignal(() => void shutdown(0));

function run(command, argv, env = process.env) {
  const result = spawnSync(command, argv, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed (exit ${result.status})`);
}

function serve(name, argv, env) {
  const child = spawn(process.execPath, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  mkdirSync(join(home, 'logs'), { recursive: true });
  const logFile = join(home, 'logs', `${name}.log`);
  writeFileSync(logFile, '');
  const append = (chunk) => require('node:fs').appendFileSync(logFile, chunk);
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  child.on('exit', (code) => code && code !== 143 && log(`${name} exited with ${code}; see ${logFile}`));
  children.push(child);
  return child;
}

async function waitFor(url, what, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not come up at ${url}; see ${join(home, 'logs')}`);
}

async function api(method, path, body, key) {
  const send = () =>
    fetch(`${apiUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  // A keep-alive connection that the API closed while this process was blocked (the CLI runs synchronously) fails
  // once on reuse, before the request reaches the API: one retry on a fresh connection.
  const response = await send().catch(() => send());
  const payload = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${payload.error?.message ?? response.status}\n${JSON.stringify(payload.error?.problems ?? [], null, 2)}`);
  return payload;
}

const apiUrl = `http://127.0.0.1:${args['api-port']}`;
const webHost = process.env.FER_WEB_HOST || '127.0.0.1';

/** The production web build is older than a source it compiles (apps/web, and the libs it reads as source). */
function webBuildIsStale() {
  const buildId = join(root, 'apps/web/.next/BUILD_ID');
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  const newer = (dir) =>
    readdirSync(dir, { withFileTypes: true }).some((entry) =>
      entry.isDirectory() ? newer(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs > built,
    );
  return ['apps/web/src', 'libs/contracts/src', 'libs/experiments/src'].some((dir) => newer(join(root, dir))) || statSync(join(root, 'apps/web/package.json')).mtimeMs > built;
}
const webUrl = `http://127.0.0.1:${args['web-port']}`;

try {
  log('building the TypeScript projects');
  run('npx', ['tsc', '-b', 'tsconfig.json']);
  if (!args['no-web'] && webBuildIsStale()) {
    log('building the web UI (its sources changed since the last build)');
    run('npm', ['run', 'build', '-w', '@fer/web'], { ...process.env, NEXT_TELEMETRY_DISABLED: '1' });
  }

  stack = await startLocalStack({ home, log });
  const { migrateDatabase } = require('@fer/db');
  const migration = await migrateDatabase(stack.databaseUrl, join(root, 'prisma/migrations'));
  log(`database migrations: ${migration.applied.length} applied, ${migration.alreadyApplied.length} already applied`);

  const stackFile = join(home, 'stack.json');
  const previous = existsSync(stackFile) ? JSON.parse(readFileSync(stackFile, 'utf8')) : {};
  const apiKey = previous.apiKey ?? `fer_${randomBytes(30).toString('base64url')}`;
  writeFileSync(stackFile, JSON.stringify({ apiUrl, webUrl, apiKey, databaseUrl: stack.databaseUrl, redisUrl: stack.redisUrl }, null, 2), { mode: 0o600 });

  const dataRoot = join(home, 'data');
  const perClass = { train: Number(args['per-class-train']), test: Number(args['per-class-test']) };
  const synthRoot = join(dataRoot, `synth5-${perClass.train}x${perClass.test}`);
  if (!existsSync(join(synthRoot, '.complete'))) {
    log('generating the SYNTHETIC five-domain benchmark (real PNG files, RAF-DB layout) in ' + synthRoot);
    const { generateSyntheticBenchmark } = require('@fer/datasets');
    await generateSyntheticBenchmark({ outDir: synthRoot, perClassTrain: perClass.train, perClassTest: perClass.test, size: 64, seed: 'fer-demo', layout: 'rafdb' });
    writeFileSync(join(synthRoot, '.complete'), new Date().toISOString());
  }

  const common = { DATABASE_URL: stack.databaseUrl, REDIS_URL: stack.redisUrl, FER_HOME: home, LOG_LEVEL: 'info' };
  serve('api', ['apps/api/dist/main.js'], { ...common, FER_API_PORT: args['api-port'], FER_BOOTSTRAP_API_KEY: apiKey, FER_DATA_ROOTS: dataRoot, FER_RECONCILE_INTERVAL_SECONDS: '10' });
  serve('worker', ['apps/worker/dist/main.js'], { ...common, FER_DATA_ROOTS: dataRoot, FER_HEARTBEAT_SECONDS: '5' });
  await waitFor(`${apiUrl}/api/v1/health`, 'the API');
  log(`API up at ${apiUrl}/api/v1 (OpenAPI ${apiUrl}/api/docs)`);
  if (!args['no-web']) {
    // Loopback unless FER_WEB_HOST says otherwise (README "Security": what to set before exposing the UI). The web
    // server holds no key: visitors sign in.
    serve('web', [require.resolve('next/dist/bin/next', { paths: [join(root, 'apps/web')] }), 'start', join(root, 'apps/web'), '-H', webHost, '-p', args['web-port']], {
      FER_API_URL: apiUrl,
      NEXT_TELEMETRY_DISABLED: '1',
    });
  }

  const { SYNTH_DOMAINS } = require('@fer/datasets');
  for (const domain of SYNTH_DOMAINS) {
    const started = Date.now();
    const dataset = await api('POST', '/datasets', { name: domain, domain, format: 'rafdb', path: join(synthRoot, domain) }, apiKey);
    log(`  (${((Date.now() - started) / 1000).toFixed(1)} s: every image decoded and hashed)`);
    log(`dataset ${domain} v${dataset.version}: ${dataset.counts.splits.train?.total ?? 0} train / ${dataset.counts.splits.test?.total ?? 0} test images`);
  }

  const cli = [join(root, 'apps/cli/bin/fer.js'), '--api-url', apiUrl, '--api-key', apiKey];
  const sweepIds = [];
  if (args.sweep?.length) {
    // The spec files, through the CLI (which reads YAML or JSON, as `fer sweep create` does); paths from where npm ran.
    for (const file of args.sweep) {
      const path = resolve(process.env.INIT_CWD ?? process.cwd(), file);
      const created = spawnSync(process.execPath, [...cli, 'sweep', 'create', path], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (created.status !== 0) throw new Error(`fer sweep create ${path} failed (exit ${created.status})`);
      sweepIds.push(JSON.parse(created.stdout).sweep.id);
    }
  } else {
    const spec = {
      name: `demo: CAFE vs baselines on synth5 (${args.epochs} epochs)`,
      benchmark: 'synth5',
      sources: ['synth-studio'],
      seeds: [0, 1],
      base: { epochs: Number(args.epochs), batchSize: 32, maskNetHidden: 256, optimizer: { lr: 1e-3 } },
      search: { kind: 'grid', parameters: { method: ['cafe', 'linear-probe', 'mlp-probe'] } },
    };
    const created = await api('POST', '/sweeps', spec, apiKey);
    log(`sweep ${created.sweep.id}: ${created.runsCreated} runs queued (${created.runsExisting} already existed)`);
    sweepIds.push(created.sweep.id);
  }
  const sweepStarted = Date.now();
  const boards = new Map();
  for (const id of sweepIds) {
    run(process.execPath, [...cli, 'sweep', 'status', id, '--watch'], { ...process.env });
    const { spec } = await api('GET', `/sweeps/${id}`, undefined, apiKey);
    for (const source of spec.sources) boards.set(`${spec.benchmark}\n${source}`, { benchmark: spec.benchmark, source });
  }
  log(`sweep${sweepIds.length > 1 ? 's' : ''} finished in ${((Date.now() - sweepStarted) / 1000).toFixed(0)} s (features, training, evaluation on 5 domains)`);
  for (const { benchmark, source } of boards.values()) run(process.execPath, [...cli, 'leaderboard', '--benchmark', benchmark, '--source', source]);

  log(`API:    ${apiUrl}/api/v1   (docs ${apiUrl}/api/docs)`);
  if (!args['no-web']) {
    // A one-time link for the local admin, as Jupyter prints its token URL: opening it signs this browser in.
    const link = await api('POST', '/sessions/links', undefined, apiKey);
    log(`Web UI: ${webUrl}`);
    log(`        sign in (once, within 15 minutes): ${webUrl}/auth/link?token=${link.token}`);
    log(`        or with the admin key in ${stackFile}; \`npx fer keys create --role read\` makes keys for colleagues`);
    if (webHost !== '127.0.0.1' && webHost !== 'localhost') log(`warning: the web UI listens on ${webHost} (FER_WEB_HOST): anyone who can reach it can try to sign in; serve it over TLS`);
  }
  log(`CLI:    npx fer --help    (uses ${stackFile})`);
  log(`logs:   ${join(home, 'logs')}`);
  if (args.exit) await shutdown(0);
  log('serving; press Ctrl-C to stop');
} catch (error) {
  log(`failed: ${error.message}`);
  await shutdown(1);
}
