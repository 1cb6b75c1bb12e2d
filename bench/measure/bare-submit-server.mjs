#!/usr/bin/env node
// Reference for POST /api/v1/runs in the orchestration section: what a team would write by hand instead of the
// platform, in its own process. Express with its JSON body parser and one route that reads what a submission needs and
// stores it, on the same database and Redis: the key behind the bearer token (ApiKey by hash), the source dataset (the
// newest ready version of the name), a durable insert into Run (its real indexes and foreign keys), and a bare
// Queue.add with the train queue's options. (The platform keeps keys and submission catalogs in memory while
// PostgreSQL can say they changed, so it makes only the last two.) No framework, no validation library, no audit, no
// logging, no rate limit, no security headers: the floor under the platform's number, not a rival to it.
// Usage: node bench/measure/bare-submit-server.mjs DATABASE_URL REDIS_URL PREFIX CONFIG_ID
//   (prints "listening PORT" on 127.0.0.1 when ready; exits on SIGTERM)
import { createHash, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const express = require('express');
const { Pool } = require('pg');
const { Queue } = require('bullmq');
const { Redis } = require('ioredis');
const { QueueName } = require('@fer/contracts');
const { JOB_PRIORITY, jobIdOf } = require('@fer/experiments');
const { QUEUE_CONFIG } = require('@fer/queues');

const [databaseUrl, redisUrl, prefix, configId] = process.argv.slice(2);
const pool = new Pool({ connectionString: databaseUrl, max: 10 });
const queue = new Queue(QueueName.Train, { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix });
const config = QUEUE_CONFIG[QueueName.Train];
const one = async (name, text, values) => (await pool.query({ name, text, values })).rows[0];

const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/api/v1/runs', async (req, res) => {
  try {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const key = token && (await one('key', 'SELECT id, role::text AS role FROM "ApiKey" WHERE hash = $1 AND "revokedAt" IS NULL', [createHash('sha256').update(token).digest('hex')]));
    if (!key) return res.status(401).json({ error: 'unknown key' });
    const { source, seed } = req.body ?? {};
    if (typeof source !== 'string' || !Number.isInteger(seed)) return res.status(400).json({ error: 'source and seed are required' });
    const dataset = await one('source', `SELECT id, domain FROM "Dataset" WHERE name = $1 AND status = 'ready' ORDER BY version DESC LIMIT 1`, [source]);
    if (!dataset) return res.status(400).json({ error: `unknown source ${source}` });
    const run = await one(
      'insert',
      `INSERT INTO "Run" (id, "configId", "groupKey", "sourceDatasetId", "sourceDomain", targets, seed, epochs, priority, "createdById", "updatedAt")
       VALUES ($1, $2, $2, $3, $4, $5, $6, 1, $7, $8, now()) RETURNING *`,
      [`bare-${randomUUID()}`, configId, dataset.id, dataset.domain, ['rafdb'], seed, JOB_PRIORITY.interactive, key.id],
    );
    await queue.add(QueueName.Train, { runId: run.id }, {
      jobId: jobIdOf(QueueName.Train, { runId: run.id }),
      priority: JOB_PRIORITY.interactive,
      attempts: config.attempts,
      backoff: { type: 'exponential', delay: config.backoffMs },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    res.status(201).json(run);
  } catch (error) {
    res.status(500).json({ error: error.message });
  }
});
const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', async () => {
  server.close();
  await queue.close();
  await pool.end();
  process.exit(0);
});
