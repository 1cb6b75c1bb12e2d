#!/usr/bin/env node
// Reference consumer for the orchestration bench: a bare BullMQ Worker in its own process with the same queue
// settings as the platform's worker (concurrency 1, lock 30 s, stalled check 10 s) and a processor that does nothing.
// Usage: node bench/bare-worker.mjs PREFIX QUEUE   (prints "consuming" when ready; exits on SIGTERM)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Worker } = require('bullmq');
const { Redis } = require('ioredis');

const [prefix, queue] = process.argv.slice(2);
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const worker = new Worker(queue, async () => ({ status: 'skipped' }), {
  connection,
  prefix,
  concurrency: 1,
  lockDuration: 30_000,
  stalledInterval: 10_000,
  maxStalledCount: 5,
  autorun: true,
});
await worker.waitUntilReady();
process.stdout.write('consuming\n');
process.on('SIGTERM', async () => {
  await worker.close(true);
  connection.disconnect();
  process.exit(0);
});
