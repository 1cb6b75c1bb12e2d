#!/usr/bin/env node
// Reference consumer for the orchestration and pipeline sections: a bare BullMQ Worker in its own process with the same queue
// settings as the platform's worker for that queue (QUEUE_CONFIG of @fer/queues: concurrency, lock, stalled check;
// for train: 1 job at a time, lock 30 s, check every 10 s; for probe: 4 at a time, lock 10 s, check every 5 s) and a
// processor that does nothing, or, given a DATABASE_URL, one prepared PostgreSQL read of the job's run per job (the
// statement TrainJob decides a job with): the floor for a worker that checks its database before it works.
// Usage: node bench/measure/bare-worker.mjs PREFIX QUEUE [DATABASE_URL]   (prints "consuming" when ready; exits on SIGTERM)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Worker } = require('bullmq');
const { Redis } = require('ioredis');
const { QUEUE_CONFIG } = require('@fer/queues');

const [prefix, queue, databaseUrl] = process.argv.slice(2);
const config = QUEUE_CONFIG[queue];
if (!config) throw new Error(`unknown queue "${queue}"; known: ${Object.keys(QUEUE_CONFIG).join(', ')}`);
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const pool = databaseUrl ? new (require('pg').Pool)({ connectionString: databaseUrl, max: 2 }) : null;
const readRun = (runId) =>
  pool.query({ name: 'run-state', text: 'SELECT status::text, "cancelRequested", "heldReason" FROM "Run" WHERE id = $1', values: [runId] });
const process_ = pool ? async (job) => ((await readRun(job.data.runId)).rows.length ? { status: 'skipped' } : { status: 'missing' }) : async () => ({ status: 'skipped' });
const worker = new Worker(queue, process_, {
  connection,
  prefix,
  concurrency: config.concurrency,
  lockDuration: config.lockDurationMs,
  stalledInterval: config.stalledIntervalMs,
  maxStalledCount: config.maxStalledCount,
  autorun: true,
});
await worker.waitUntilReady();
process.stdout.write('consuming\n');
process.on('SIGTERM', async () => {
  await worker.close(true);
  await pool?.end();
  connection.disconnect();
  process.exit(0);
});
