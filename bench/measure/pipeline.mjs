#!/usr/bin/env node
// Pipeline section (bench/sections/pipeline.mjs): the whole path a user's run takes, with near-empty work.
// POST /api/v1/runs to the built API in its own process (startApiProcess of @fer/testing: auth, validation, Postgres
// insert, enqueue) -> Redis -> N real worker processes -> train job (run + config + samples from Postgres,
// 7 cached features, 1 epoch of 7 samples, checkpoint file + rows, epoch metric) -> evaluate job (7 test images)
// -> run closed in Postgres. Reference: bare BullMQ on the same Redis, N no-op worker processes, 2 chained jobs per
// "run" (train then evaluate). Runs are submitted in one burst; latency = POST to run succeeded.
// Usage: node bench/measure/pipeline.mjs --plan '{"workers":[1,4,16],"runs":40}'
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deleteRedisPrefix, emit, redisUrl, summarize, waitFor } from '../lib.mjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { Queue, QueueEvents } = require('bullmq');
const { Redis } = require('ioredis');
const redis = () => new Redis(redisUrl(), { maxRetriesPerRequest: null });
const { generateSyntheticBenchmark } = require('@fer/datasets');
const { createPrismaClient } = require('@fer/db');
const { spawnWorker, startApiProcess, stopProcess } = require('@fer/testing');

const { values } = parseArgs({ options: { plan: { type: 'string' } } });
const plan = JSON.parse(values.plan);
const data = mkdtempSync(join(tmpdir(), 'fer-bench-pipeline-'));
const home = mkdtempSync(join(tmpdir(), 'fer-bench-pipeline-home-'));
await generateSyntheticBenchmark({
  outDir: data,
  perClassTrain: 1,
  perClassTest: 1,
  size: 32,
  seed: 'pipeline',
  domains: ['synth-studio'],
  layout: 'rafdb',
});
const api = await startApiProcess('bench-pipeline', { FER_DATA_ROOTS: data, FER_RATE_LIMIT_PER_MINUTE: '1000000' });
const result = { plan, platform: [], bare: [] };
let seed = 0;
// The bench's own client of the API's database (the API runs in its own process), to watch workers and runs.
const prisma = createPrismaClient(api.databaseUrl);

async function readyWorkers(count) {
  const env = {
    DATABASE_URL: api.databaseUrl,
    REDIS_URL: redisUrl(),
    FER_QUEUE_PREFIX: api.queuePrefix,
    FER_HOME: home,
    FER_BACKEND: 'wasm',
    LOG_LEVEL: 'warn',
  };
  const children = Array.from({ length: count }, () => spawnWorker(env));
  await waitFor(
    async () => (await prisma.worker.count({ where: { status: 'online' } })) >= count,
    `${count} workers online`,
    180_000,
    200,
  );
  return children;
}

async function submitAndWait(count) {
  const body = (s) => ({
    benchmark: 'synth5',
    source: 'synth-studio',
    targets: ['synth-studio'],
    seed: s,
    config: { epochs: 1, batchSize: 7, maskNetHidden: 8, sourceValFraction: 0 },
  });
  const t0 = performance.now();
  const submitted = await Promise.all(
    Array.from({ length: count }, async () => {
      const at = performance.now();
      const response = await api.request('POST', '/runs', { body: body(++seed), key: api.keys.launch });
      if (response.status !== 201)
        throw new Error(`POST /runs answered ${response.status}: ${response.text.slice(0, 300)}`);
      return { id: response.body.id, at };
    }),
  );
  const finished = new Map();
  await waitFor(
    async () => {
      const rows = await prisma.run.findMany({
        where: { id: { in: submitted.map((s) => s.id) }, status: { in: ['succeeded', 'failed'] } },
        select: { id: true, status: true },
      });
      for (const row of rows) {
        if (row.status === 'failed') throw new Error(`run ${row.id} failed`);
        if (!finished.has(row.id)) finished.set(row.id, performance.now());
      }
      return finished.size === submitted.length;
    },
    `${count} runs`,
    600_000,
    25,
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    runs: count,
    seconds,
    runsPerSecond: count / seconds,
    latencyMs: summarize(submitted.map((s) => finished.get(s.id) - s.at)),
  };
}

async function bare(workers, count) {
  const prefix = `fer-bench-bare-${randomBytes(4).toString('hex')}`;
  const train = new Queue('train', { connection: redis(), prefix });
  const evaluate = new Queue('evaluate', { connection: redis(), prefix });
  const children = [];
  for (const queue of ['train', 'evaluate']) {
    for (let i = 0; i < workers; i++) {
      const child = spawn(process.execPath, [join(here, 'bare-worker.mjs'), prefix, queue], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child.output = '';
      child.stdout.on('data', (c) => (child.output += c));
      children.push(child);
    }
  }
  await waitFor(() => children.every((c) => c.output.includes('consuming')), 'bare workers', 60_000, 50);
  const trainEvents = new QueueEvents('train', { connection: redis(), prefix });
  const evaluateEvents = new QueueEvents('evaluate', { connection: redis(), prefix });
  await Promise.all([trainEvents.waitUntilReady(), evaluateEvents.waitUntilReady()]);
  const t0 = performance.now();
  const latencies = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const at = performance.now();
      const first = await train.add('train', { runId: `r${i}` }, { jobId: `t${i}`, attempts: 5 });
      await first.waitUntilFinished(trainEvents, 120_000);
      const second = await evaluate.add('evaluate', { runId: `r${i}` }, { jobId: `e${i}`, attempts: 5 });
      await second.waitUntilFinished(evaluateEvents, 120_000);
      return performance.now() - at;
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const child of children) child.kill('SIGTERM');
  await Promise.all([trainEvents.close(), evaluateEvents.close(), train.close(), evaluate.close()]);
  await deleteRedisPrefix(prefix);
  return { runs: count, seconds, runsPerSecond: count / seconds, latencyMs: summarize(latencies) };
}

try {
  const imported = await api.request('POST', '/datasets', {
    body: { name: 'synth-studio', format: 'rafdb', path: join(data, 'synth-studio') },
  });
  if (imported.status !== 201)
    throw new Error(`dataset import answered ${imported.status}: ${imported.text.slice(0, 300)}`);
  for (const workers of plan.workers) {
    process.stderr.write(`[pipeline] ${workers} worker(s)\n`);
    const children = await readyWorkers(workers);
    try {
      await submitAndWait(Math.min(2, plan.runs)); // warm-up: features cached, models loaded
      result.platform.push({ workers, ...(await submitAndWait(plan.runs)) });
    } finally {
      await Promise.all(children.map((child) => stopProcess(child)));
      await prisma.worker.updateMany({ data: { status: 'stopped' } });
    }
    process.stderr.write(`[pipeline] bare BullMQ, ${workers} worker(s)\n`);
    result.bare.push({ workers, ...(await bare(workers, plan.runs)) });
  }
} finally {
  await prisma.$disconnect().catch(() => undefined);
  await api.close();
  await deleteRedisPrefix(api.queuePrefix);
  rmSync(data, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
emit(result);
// Shared ioredis connections handed to BullMQ are not closed by it: end the process once the result is out.
process.exit(0);
