#!/usr/bin/env node
// Orchestration section (bench/sections/orchestration.mjs). What each number covers:
//  platform: producer = JobQueues.enqueue of @fer/queues (the code the API's run/sweep services call: zod payload
//    check, idempotent job id, priority, attempts, retention) -> Redis -> N real worker processes (the built worker
//    app started by spawnWorker of @fer/testing, as `fer worker` runs it) -> TrainJob.handle reads the run (+ config)
//    from Postgres, finds it already succeeded and returns `skipped` -> BullMQ completion. No HTTP hop, no training.
//  bare: Queue.add with the same job options -> Redis -> N bare BullMQ Worker processes (bare-worker.mjs) with a
//    no-op processor: the ceiling on the same Redis.
//  submit: POST /api/v1/runs through the real API (the built API in its own process, startApiProcess of
//    @fer/testing: auth, validation, Postgres insert, BullMQ enqueue) with no worker consuming, beside the bare
//    Queue.add call and beside bare-submit-server.mjs: a hand-written Express route reading the key and the source dataset,
//    then a durable Run insert and Queue.add, on the same database and Redis, called by the same client in alternating
//    blocks (the platform keeps the key and the submission catalog in memory: its route makes only the last two round
//    trips).
//  api (queue probes): POST /api/v1/queues/probes through the same API (auth, validation, QueueProbe rows in Postgres,
//    BullMQ enqueue) -> Redis -> N real worker processes consuming only the probe queue -> ProbeJob writes startedAt,
//    finishedAt and its id on the row. Timings from the rows (ms): request-to-start = startedAt - requestedAt, the
//    enqueue-to-start of a job submitted through the API. Beside it, bare BullMQ on the probe queue with the probe
//    queue's settings and the same N.
// Enqueue-to-start = job.processedOn - job.timestamp (both stamped in Redis from this machine's clock, 1 ms steps).
// Usage: node bench/measure/orchestration.mjs --plan '{"workers":[1,4],"sequential":100,"burst":1000,"burstWarmup":1,"burstRepeats":7,"submit":100,"submitBlock":10,
//   "api":{"workers":[1,4,16],"sequential":100,"burst":1000,"clients":16,"batch":100,"warmup":5,"pollMs":2}}'
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deleteRedisPrefix, emit, redisUrl, sleep, summarize, waitFor } from '../lib.mjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { Queue, QueueEvents } = require('bullmq');
const { Client } = require('pg');
const { contentId, FER5_DOMAINS, parseTrainingConfig, QueueName } = require('@fer/contracts');
const { JOB_PRIORITY, jobIdOf } = require('@fer/experiments');
const { JobQueues, createRedisConnection, QUEUE_CONFIG } = require('@fer/queues');
const { spawnWorker, startApiProcess, stopProcess } = require('@fer/testing');

const { values } = parseArgs({ options: { plan: { type: 'string' } } });
const plan = JSON.parse(values.plan);
const DOMAINS = [...FER5_DOMAINS];
const QUEUE = QueueName.Train;

/** Bare BullMQ producer with the options JobQueues.enqueue gives a job of this queue (train: background priority). */
function bareOptions(jobId, queue = QUEUE, priority = 'background') {
  const config = QUEUE_CONFIG[queue];
  return {
    jobId,
    priority: JOB_PRIORITY[priority],
    attempts: config.attempts,
    backoff: { type: 'exponential', delay: config.backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

async function startWorkers(count, start) {
  const children = [];
  for (let i = 0; i < count; i++) children.push(start(i));
  const t0 = performance.now();
  await Promise.all(
    children.map((child) =>
      waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`worker exited early:\n${child.output.join('').slice(-2000)}`);
          return child.output.join('').includes('consuming');
        },
        'worker ready',
        120_000,
        100,
      ),
    ),
  );
  return { children, bootSeconds: (performance.now() - t0) / 1000 };
}

/** One of this folder's reference scripts in its own process, its stdout and stderr kept in `output`. */
function spawnScript(script, args) {
  const child = spawn(process.execPath, [join(here, script), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.output = [];
  child.stdout.on('data', (c) => child.output.push(c.toString()));
  child.stderr.on('data', (c) => child.output.push(c.toString()));
  return child;
}

function spawnBare(prefix, queue = QUEUE, databaseUrl) {
  return spawnScript('bare-worker.mjs', [prefix, queue, ...(databaseUrl ? [databaseUrl] : [])]);
}

/**
 * One job at a time, each enqueued after the previous one finished: latency of an idle system. The completion listener
 * lives only as long as this phase: a QueueEvents reader left open through a burst parses every event of every job on
 * this machine's two cores, a cost no deployment of the platform pays (nothing in it listens to QueueEvents).
 */
async function sequential(queue, enqueue, ids) {
  const events = new QueueEvents(queue.name, { connection: createRedisConnection(redisUrl()), prefix: queue.opts.prefix });
  await events.waitUntilReady();
  try {
    return await sequentialWith(queue, events, enqueue, ids);
  } finally {
    await events.close();
  }
}

async function sequentialWith(queue, events, enqueue, ids) {
  const startLatency = [];
  const callMs = [];
  const roundTripMs = [];
  for (const id of ids) {
    const t0 = performance.now();
    const job = await enqueue(id);
    const t1 = performance.now();
    await job.waitUntilFinished(events, 30_000);
    roundTripMs.push(performance.now() - t0);
    callMs.push(t1 - t0);
    const done = await queue.getJob(job.id);
    startLatency.push(done.processedOn - done.timestamp);
  }
  return {
    enqueueToStartMs: summarize(startLatency),
    enqueueCallMs: summarize(callMs),
    roundTripMs: summarize(roundTripMs),
  };
}

/**
 * All jobs enqueued at once (100 in flight per call batch): throughput and latency under a backlog. A worker that exits
 * during the burst ends it at once, and a burst that does not finish says where its jobs are and what the workers said.
 */
async function burst(queue, enqueue, ids, workers) {
  const t0 = Date.now();
  const jobIds = [];
  for (let i = 0; i < ids.length; i += 100)
    jobIds.push(...(await Promise.all(ids.slice(i, i + 100).map(enqueue))).map((j) => j.id));
  const enqueueSeconds = (Date.now() - t0) / 1000;
  const workersSaid = () => workers.map((w, i) => `worker ${i} (exit ${w.exitCode ?? 'none'}):\n${w.output.join('').slice(-1500)}`).join('\n');
  const finished = waitFor(
    async () => {
      const exited = workers.find((w) => w.exitCode !== null);
      if (exited) throw new Error(`a ${queue.opts.prefix} worker exited during a burst\n${workersSaid()}`);
      // Done when none is left to run (nothing else uses this queue meanwhile). Not by counting completed jobs: BullMQ
      // keeps the last 10,000 only, so a plan of more jobs than that would wait for ever.
      const c = await queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'waiting-children');
      return Object.values(c).every((n) => n === 0);
    },
    `${ids.length} jobs to finish`,
    300_000,
    100,
  );
  await finished.catch(async (error) => {
    const counts = await queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'completed', 'failed');
    throw new Error(`${error.message}; ${queue.opts.prefix} jobs by state: ${JSON.stringify(counts)}\n${workersSaid()}`, { cause: error });
  });
  const jobs = await Promise.all(jobIds.map((id) => queue.getJob(id)));
  const failed = jobs.filter((j) => j.failedReason).length;
  const lastFinish = Math.max(...jobs.map((j) => j.finishedOn));
  const seconds = (lastFinish - t0) / 1000;
  return {
    jobs: ids.length,
    failed,
    enqueueSeconds,
    seconds,
    jobsPerSecond: ids.length / seconds,
    enqueueToStartMs: summarize(jobs.map((j) => j.processedOn - j.timestamp)),
  };
}

// ---------- through the API: queue probes ----------
const PROBE = QueueName.Probe;

/** Probe rows of these batches, times as epoch milliseconds (the columns are UTC timestamps, 1 ms steps). */
async function probeRows(pg, batchIds) {
  const { rows } = await pg.query(
    `SELECT "workerId",
            EXTRACT(EPOCH FROM "requestedAt") * 1000 AS requested, EXTRACT(EPOCH FROM "enqueuedAt") * 1000 AS enqueued,
            EXTRACT(EPOCH FROM "startedAt") * 1000 AS started, EXTRACT(EPOCH FROM "finishedAt") * 1000 AS finished
     FROM "QueueProbe" WHERE "batchId" = ANY($1)`,
    [batchIds],
  );
  return rows.map((r) => ({
    ...r,
    requested: Number(r.requested),
    enqueued: Number(r.enqueued),
    started: Number(r.started),
    finished: Number(r.finished),
  }));
}

async function postProbes(api, count) {
  const response = await api.request('POST', '/queues/probes', { key: api.keys.launch, body: { count } });
  if (response.status !== 202)
    throw new Error(`POST /queues/probes answered ${response.status}: ${response.text.slice(0, 300)}`);
  return response.body;
}

/** One probe at a time, each sent after the previous one was answered: what an operator's canary sees on an idle system. */
async function apiSequential(api, pg, count, pollMs) {
  const roundTripMs = [];
  const postMs = [];
  const batchIds = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const { batchId } = await postProbes(api, 1);
    postMs.push(performance.now() - t0);
    for (;;) {
      const batch = await api.request('GET', `/queues/probes/${batchId}`, { key: api.keys.read });
      if (batch.body.summary.answered === 1) break;
      await sleep(pollMs);
    }
    roundTripMs.push(performance.now() - t0);
    batchIds.push(batchId);
  }
  const rows = await probeRows(pg, batchIds);
  return {
    probes: count,
    requestToStartMs: summarize(rows.map((r) => r.started - r.requested)),
    enqueueToStartMs: summarize(rows.map((r) => r.started - r.enqueued)),
    requestToFinishMs: summarize(rows.map((r) => r.finished - r.requested)),
    roundTripMs: summarize(roundTripMs),
    postMs: summarize(postMs),
  };
}

/** `total` probes sent by `clients` concurrent clients, `perPost` per request; waits for every answer in the rows. */
async function apiBurst(api, pg, total, clients, perPost) {
  let next = 0;
  const batchIds = [];
  const postMs = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) {
        const n = Math.min(perPost, total - next);
        next += n;
        const at = performance.now();
        batchIds.push((await postProbes(api, n)).batchId);
        postMs.push(performance.now() - at);
      }
    }),
  );
  const sendSeconds = (performance.now() - t0) / 1000;
  await waitFor(
    async () => {
      const { rows } = await pg.query(
        `SELECT count(*)::int AS n FROM "QueueProbe" WHERE "batchId" = ANY($1) AND "finishedAt" IS NOT NULL`,
        [batchIds],
      );
      return rows[0].n >= total;
    },
    `${total} probes to be answered`,
    300_000,
    50,
  );
  const rows = await probeRows(pg, batchIds);
  const first = Math.min(...rows.map((r) => r.requested));
  const last = Math.max(...rows.map((r) => r.finished));
  const seconds = (last - first) / 1000;
  const perWorker = {};
  for (const r of rows) perWorker[r.workerId] = (perWorker[r.workerId] ?? 0) + 1;
  return {
    probes: total,
    clients,
    perPost,
    requests: batchIds.length,
    sendSeconds,
    seconds,
    probesPerSecond: total / seconds,
    requestToStartMs: summarize(rows.map((r) => r.started - r.requested)),
    requestToFinishMs: summarize(rows.map((r) => r.finished - r.requested)),
    postMs: summarize(postMs),
    workersAnswered: Object.keys(perWorker).length,
    answersPerWorker: summarize(Object.values(perWorker)),
  };
}

/**
 * POST JSON with a bearer key over one kept-alive node:http connection (what a script, curl or Python's requests
 * would hold open to the API): resolves with the status and the text; `close()` ends the connection.
 */
function postJson(base, key) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(base);
  const post = (path, body) =>
    new Promise((resolve, reject) => {
      const data = JSON.stringify(body);
      const request = http.request(
        { hostname, port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), authorization: `Bearer ${key}` } },
        (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString() }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(data);
    });
  post.close = async () => agent.destroy();
  return post;
}

const result = { plan, platform: [], bare: [], bareRead: [], submit: null, api: null, notes: [] };
const api = await startApiProcess('bench-orch', { FER_RATE_LIMIT_PER_MINUTE: '1000000' });
const home = mkdtempSync(join(tmpdir(), 'fer-bench-orch-'));
const barePrefixes = [];
const pg = new Client({ connectionString: api.databaseUrl });
let queues;
const live = [];
try {
  await pg.connect();
  // Five ready datasets (the fer5 domains), one config, and enough already-succeeded runs for every platform job.
  for (const d of DOMAINS) {
    await pg.query(
      `INSERT INTO "Dataset" (id, name, format, domain, root, version, checksum, status, counts, "importReport") VALUES ($1, $2, 'imagefolder', $2, '/bench', 1, $2, 'ready', '{}', '{}')`,
      [`ds-${d}`, d],
    );
    // A train and a test sample: runs are refused on datasets without the splits they train and are scored on.
    await pg.query(
      `INSERT INTO "DatasetSample" ("datasetId", key, split, label, "contentHash") VALUES ($1, 'a', 'train', 0, 'a'), ($1, 'b', 'test', 0, 'b')`,
      [`ds-${d}`],
    );
  }
  const config = parseTrainingConfig({ epochs: 1 });
  const configId = contentId('cfg', config);
  await pg.query(`INSERT INTO "Config" (id, method, body) VALUES ($1, $2, $3)`, [configId, config.method, config]);
  const perSetup = plan.sequential + plan.burst * ((plan.burstWarmup ?? 0) + (plan.burstRepeats ?? 1));
  const totalRuns = perSetup * plan.workers.length;
  await pg.query(
    `INSERT INTO "Run" (id, "configId", "groupKey", "sourceDatasetId", "sourceDomain", targets, seed, status, epochs, "trainedAt", "finishedAt", "updatedAt")
     SELECT 'bench-run-' || i, $1, $1, 'ds-rafdb', 'rafdb', $2, i, 'succeeded', 1, now(), now(), now() FROM generate_series(0, $3 - 1) i`,
    [configId, DOMAINS, totalRuns],
  );

  queues = new JobQueues(createRedisConnection(redisUrl()), api.queuePrefix);
  const platformQueue = queues.queue(QUEUE);
  let next = 0;
  const runIds = (count) => Array.from({ length: count }, () => `bench-run-${next++}`);
  const platformEnqueue = (runId) => queues.enqueue(QUEUE, { runId });

  // Per worker count, the three setups' workers run side by side (idle workers block on Redis and cost nothing), so
  // their bursts can alternate: platform, bare, bare + one read, `burstWarmup` untimed then `burstRepeats` timed times.
  // The median burst of each setup is its figure; alternating keeps a slow minute of this shared machine from landing
  // on one setup only.
  const repeats = plan.burstRepeats ?? 1;
  const median = (bursts) => [...bursts].sort((a, b) => a.jobsPerSecond - b.jobsPerSecond)[(bursts.length - 1) >> 1];
  for (const count of plan.workers) {
    const platform = await startWorkers(count, (i) => {
      const child = spawnWorker({
        DATABASE_URL: api.databaseUrl,
        REDIS_URL: redisUrl(),
        FER_QUEUE_PREFIX: api.queuePrefix,
        FER_WORKER_QUEUES: QUEUE,
        FER_HOME: home,
        FER_BACKEND: 'wasm',
        FER_WORKER_NAME: `bench-worker-${count}-${i}`,
      });
      live.push(child);
      return child;
    });
    const barePrefix = `fer-bench-bare-${randomBytes(4).toString('hex')}`;
    const readPrefix = `fer-bench-bare-${randomBytes(4).toString('hex')}`;
    barePrefixes.push(barePrefix, readPrefix);
    const bareQueue = new Queue(QUEUE, { connection: createRedisConnection(redisUrl()), prefix: barePrefix });
    const readQueue = new Queue(QUEUE, { connection: createRedisConnection(redisUrl()), prefix: readPrefix });
    const bare = await startWorkers(count, () => {
      const child = spawnBare(barePrefix);
      live.push(child);
      return child;
    });
    // The floor for a worker that reads its run before it works: bare BullMQ workers making the platform's one
    // prepared read per job, of the same already-succeeded runs.
    const read = await startWorkers(count, () => {
      const child = spawnBare(readPrefix, QUEUE, api.databaseUrl);
      live.push(child);
      return child;
    });
    let bareNext = 0;
    const bareIds = (n) => Array.from({ length: n }, () => `bare-${bareNext++}`);
    const bareEnqueue = (id) => bareQueue.add(QUEUE, { runId: id }, bareOptions(jobIdOf(QUEUE, { runId: id })));
    let readNext = 0;
    const readIds = (n) => Array.from({ length: n }, () => `bench-run-${readNext++ % totalRuns}`);
    const readEnqueue = (id) => readQueue.add(QUEUE, { runId: id }, bareOptions(jobIdOf(QUEUE, { runId: id })));

    const platformSequential = await sequential(platformQueue, platformEnqueue, runIds(plan.sequential));
    const bareSequential = await sequential(bareQueue, bareEnqueue, bareIds(plan.sequential));
    // The first `burstWarmup` rounds are untimed: the JIT and the connections' caches warm in every setup alike.
    const warmupRounds = plan.burstWarmup ?? 0;
    const bursts = { platform: [], bare: [], read: [] };
    for (let rep = 0; rep < warmupRounds + repeats; rep++) {
      const round = {
        platform: await burst(platformQueue, platformEnqueue, runIds(plan.burst), platform.children),
        bare: await burst(bareQueue, bareEnqueue, bareIds(plan.burst), bare.children),
        read: await burst(readQueue, readEnqueue, readIds(plan.burst), read.children),
      };
      if (rep >= warmupRounds) for (const setup of Object.keys(bursts)) bursts[setup].push(round[setup]);
    }
    await Promise.all([...platform.children, ...bare.children, ...read.children].map((c) => stopProcess(c)));
    // Each job's outcome as the worker returned it (BullMQ keeps completed jobs): every platform job must have been
    // handled by TrainJob and found its run already succeeded, and every read must have found its run.
    const handled = (await platformQueue.getJobs(['completed'])).filter((job) => job.returnvalue?.status === 'skipped').length;
    const missing = (await readQueue.getJobs(['completed'])).filter((job) => job.returnvalue?.status !== 'skipped').length;
    await bareQueue.close();
    await readQueue.close();
    const perBurst = (list) => list.map((b) => b.jobsPerSecond);
    result.platform.push({
      workers: count,
      bootSeconds: platform.bootSeconds,
      sequential: platformSequential,
      burst: median(bursts.platform),
      burstJobsPerSecond: perBurst(bursts.platform),
      jobsSkippedSoFar: handled,
    });
    result.bare.push({
      workers: count,
      bootSeconds: bare.bootSeconds,
      sequential: bareSequential,
      burst: median(bursts.bare),
      burstJobsPerSecond: perBurst(bursts.bare),
    });
    result.bareRead.push({ workers: count, burst: median(bursts.read), burstJobsPerSecond: perBurst(bursts.read), runsNotFound: missing });
  }

  // Submission through the API: no worker runs now, so the created runs stay queued (dropped with the database).
  // Beside it the hand-written Express route (bare-submit-server.mjs), up at the same time and called by the same
  // client, and a bare `Queue.add`: blocks of submitBlock requests to each in turn, so all see the same machine (a
  // series run after the other would meet what the first left behind: autovacuum, a warmer cache). The client is
  // node:http on one kept-alive connection per route: fetch (undici) spent 2-3x the CPU per request on the same two
  // cores as the servers. The first submitWarmup requests to each (default 10) are not timed: they prepare the
  // statements on the pools.
  const warmup = plan.submitWarmup ?? 10;
  const block = plan.submitBlock ?? 10;
  const barePrefix = `fer-bench-bare-${randomBytes(4).toString('hex')}`;
  barePrefixes.push(barePrefix);
  const bareServer = spawnScript('bare-submit-server.mjs', [api.databaseUrl, redisUrl(), barePrefix, configId]);
  live.push(bareServer);
  const port = await waitFor(
    () => {
      if (bareServer.exitCode !== null) throw new Error(`bare submit server exited:\n${bareServer.output.join('')}`);
      return /listening (\d+)/.exec(bareServer.output.join(''))?.[1];
    },
    'bare submit server',
    30_000,
    50,
  );
  // The third in the blocks: a bare `Queue.add` from this client, on a queue of its own that no worker consumes (as no
  // worker consumes the API's now). #14's goal was set against the idle phase's add, where a worker takes each job.
  const addPrefix = `fer-bench-bare-${randomBytes(4).toString('hex')}`;
  barePrefixes.push(addPrefix);
  const addQueue = new Queue(QUEUE, { connection: createRedisConnection(redisUrl()), prefix: addPrefix });
  let seed = 0;
  const http201 = (name, post) => async () => {
    const response = await post('/api/v1/runs', { source: 'rafdb', seed: 100_000 + seed++, config: { epochs: 1 } });
    if (response.status !== 201 && response.status !== 200)
      throw new Error(`${name} answered ${response.status}: ${response.text.slice(0, 300)}`);
  };
  const platformPost = postJson(api.url, api.keys.launch);
  const handWrittenPost = postJson(`http://127.0.0.1:${port}`, api.keys.launch);
  const routes = [
    { name: 'POST /runs', call: http201('POST /runs', platformPost), ms: [] },
    { name: 'hand-written route', call: http201('hand-written route', handWrittenPost), ms: [] },
    {
      name: 'bare Queue.add',
      call: () => {
        const runId = `add-${seed++}`;
        return addQueue.add(QUEUE, { runId }, bareOptions(jobIdOf(QUEUE, { runId })));
      },
      ms: [],
    },
  ];
  const submit = async (route, timed) => {
    const t0 = performance.now();
    await route.call();
    if (timed) route.ms.push(performance.now() - t0);
  };
  for (const route of routes) for (let i = 0; i < warmup; i++) await submit(route, false);
  for (let done = 0; done < plan.submit; done += block)
    for (const route of routes) for (let i = 0; i < Math.min(block, plan.submit - done); i++) await submit(route, true);
  await Promise.all([platformPost.close(), handWrittenPost.close(), addQueue.close()]);
  const queued = await platformQueue.getJobCounts('prioritized', 'waiting');
  await stopProcess(bareServer);
  result.submit = {
    requests: plan.submit,
    warmup,
    block,
    client: 'node:http, one kept-alive connection per route',
    httpMs: summarize(routes[0].ms),
    bareHttpMs: summarize(routes[1].ms),
    bareAddMs: summarize(routes[2].ms),
    jobsQueued: queued.prioritized + queued.waiting,
  };

  // Through the API: queue probes with N real workers consuming only the probe queue, then bare BullMQ on the probe
  // queue with the same N (its settings from QUEUE_CONFIG), one N after the other so the two see the same machine.
  if (plan.api) {
    const p = plan.api;
    result.api = { plan: p, probeConfig: QUEUE_CONFIG[PROBE], platform: [], bare: [] };
    for (const count of p.workers) {
      process.stderr.write(`[orchestration] through the API, ${count} worker(s)\n`);
      const { children, bootSeconds } = await startWorkers(count, (i) => {
        const child = spawnWorker({
          DATABASE_URL: api.databaseUrl,
          REDIS_URL: redisUrl(),
          FER_QUEUE_PREFIX: api.queuePrefix,
          FER_WORKER_QUEUES: PROBE,
          FER_HOME: home,
          FER_BACKEND: 'wasm',
          FER_WORKER_NAME: `bench-probe-${count}-${i}`,
        });
        live.push(child);
        return child;
      });
      await apiSequential(api, pg, p.warmup, p.pollMs);
      const seq = await apiSequential(api, pg, p.sequential, p.pollMs);
      const bur = await apiBurst(api, pg, p.burst, p.clients, 1);
      const batched = await apiBurst(api, pg, p.burst, Math.ceil(p.burst / p.batch), p.batch);
      await Promise.all(children.map((c) => stopProcess(c)));
      result.api.platform.push({ workers: count, bootSeconds, sequential: seq, burst: bur, batched });

      process.stderr.write(`[orchestration] bare BullMQ probe queue, ${count} worker(s)\n`);
      const prefix = `fer-bench-bare-${randomBytes(4).toString('hex')}`;
      barePrefixes.push(prefix);
      const queue = new Queue(PROBE, { connection: createRedisConnection(redisUrl()), prefix });
      const bare = await startWorkers(count, () => {
        const child = spawnBare(prefix, PROBE);
        live.push(child);
        return child;
      });
      let k = 0;
      const ids = (n) => Array.from({ length: n }, () => `bare-${k++}`);
      const enqueue = (id) =>
        queue.add(PROBE, { probeId: id }, bareOptions(jobIdOf(PROBE, { probeId: id }), PROBE, 'interactive'));
      await sequential(queue, enqueue, ids(p.warmup));
      const bareSeq = await sequential(queue, enqueue, ids(p.sequential));
      const bareBurst = await burst(queue, enqueue, ids(p.burst), bare.children);
      await Promise.all(bare.children.map((c) => stopProcess(c)));
      await queue.close();
      result.api.bare.push({ workers: count, bootSeconds: bare.bootSeconds, sequential: bareSeq, burst: bareBurst });
    }
  }
} finally {
  for (const child of live) await stopProcess(child, 'SIGKILL').catch(() => undefined);
  await queues?.close().catch(() => undefined);
  await pg.end().catch(() => undefined);
  await api.close();
  result.redisKeysDeleted = 0;
  for (const prefix of [api.queuePrefix, ...barePrefixes]) result.redisKeysDeleted += await deleteRedisPrefix(prefix);
  rmSync(home, { recursive: true, force: true });
}
emit(result);
process.exit(0);
