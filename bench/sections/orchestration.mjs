// Section 3, orchestration: empty jobs through the queues. JobQueues of @fer/queues -> Redis -> real worker processes
// beside bare BullMQ; POST /api/v1/runs beside a bare Queue.add; and queue probes through the whole platform (the API
// as its own process -> PostgreSQL -> BullMQ -> 1, 4 and 16 worker processes -> PostgreSQL) beside bare BullMQ with
// the probe queue's settings. Measures with bench/measure/orchestration.mjs (and its bare-worker.mjs consumers).
import os from 'node:os';
import { fr, fx, log, measure, ratio, table } from '../lib.mjs';

export const title = '3. Orchestration';

/** What this section measures; --quick shrinks it. api: queue probes through the API with 1, 4 and 16 worker processes (issue 7), beside bare BullMQ on the probe queue. */
export function plan(quick) {
  return quick
    ? {
        workers: [1, 4],
        sequential: 20,
        burst: 200,
        submit: 20,
        api: { workers: [1, 4, 16], sequential: 20, burst: 200, clients: 16, batch: 100, warmup: 3, pollMs: 2 },
      }
    : {
        workers: [1, 4],
        sequential: 100,
        burst: 1000,
        // One untimed burst per setup first, so that no timed burst runs cold code (the JIT), then the median of seven:
        // single bursts on this shared machine spread by a fifth either way.
        burstWarmup: 1,
        burstRepeats: 7,
        // Steady state: the first 100 requests to each route are not timed (the JIT, the pools' prepared statements).
        submit: 200,
        submitWarmup: 100,
        api: { workers: [1, 4, 16], sequential: 100, burst: 1000, clients: 16, batch: 100, warmup: 5, pollMs: 2 },
      };
}

export function run(p) {
  log('orchestration: API + workers + bare BullMQ');
  return measure('orchestration.mjs', p);
}

export function render(r, summary) {
  const out = [];
  const rows = [];
  for (const p of r.platform) {
    const b = r.bare.find((x) => x.workers === p.workers);
    rows.push([
      p.workers,
      `${p.sequential.enqueueToStartMs.p50} / ${p.sequential.enqueueToStartMs.p99}`,
      b ? `${b.sequential.enqueueToStartMs.p50} / ${b.sequential.enqueueToStartMs.p99}` : 'n/a',
      `${fr(ratio(p.sequential.enqueueToStartMs.p50, b?.sequential.enqueueToStartMs.p50))} / ${fr(ratio(p.sequential.enqueueToStartMs.p99, b?.sequential.enqueueToStartMs.p99))}`,
      `${fx(p.sequential.roundTripMs.p50)} / ${fx(p.sequential.roundTripMs.p99)}`,
      b ? `${fx(b.sequential.roundTripMs.p50)} / ${fx(b.sequential.roundTripMs.p99)}` : 'n/a',
      fr(ratio(p.sequential.roundTripMs.p50, b?.sequential.roundTripMs.p50)),
      fx(p.burst.jobsPerSecond),
      b ? fx(b.burst.jobsPerSecond) : 'n/a',
      fr(ratio(p.burst.jobsPerSecond, b?.burst.jobsPerSecond)),
      `${p.burst.enqueueToStartMs.p50} / ${p.burst.enqueueToStartMs.p99}`,
      b ? `${b.burst.enqueueToStartMs.p50} / ${b.burst.enqueueToStartMs.p99}` : 'n/a',
      `${fr(ratio(p.burst.enqueueToStartMs.p50, b?.burst.enqueueToStartMs.p50))} / ${fr(ratio(p.burst.enqueueToStartMs.p99, b?.burst.enqueueToStartMs.p99))}`,
      `${fx(p.bootSeconds)} / ${b ? fx(b.bootSeconds) : 'n/a'}`,
    ]);
    summary.push([
      `orchestration ${p.workers} worker(s): platform / bare BullMQ throughput`,
      ratio(p.burst.jobsPerSecond, b?.burst.jobsPerSecond),
    ]);
    summary.push([
      `orchestration ${p.workers} worker(s): platform / bare idle round trip p50 (time ratio)`,
      ratio(p.sequential.roundTripMs.p50, b?.sequential.roundTripMs.p50),
    ]);
  }
  out.push(
    "What the numbers cover. **platform**: `JobQueues.enqueue` of @fer/queues (the producer the API's run and sweep services call: payload check, idempotent job id, priority, retries) -> Redis -> N real worker processes (the built worker app, as `fer worker` runs it) whose `TrainJob` reads the run's state from PostgreSQL (one prepared statement), finds it already succeeded and completes the job as `skipped` (an empty job; no training). **bare**: `Queue.add` with the same job options -> N bare BullMQ `Worker` processes with a no-op processor (bench/measure/bare-worker.mjs), same Redis. " +
      'No HTTP hop here: the same path through the API is the queue-probe table below. ' +
      'Enqueue-to-start = `processedOn - timestamp` of the BullMQ job (1 ms resolution); round trip = from the enqueue call until the producer sees the completion event. Idle: one job at a time. Burst: all jobs enqueued at once, with no completion listener open (the idle phase\'s QueueEvents reader is closed: it parsed every event of every job on the bench\'s cores, which no deployment does); throughput = jobs / (last finish - first enqueue). ' +
      `The three setups' workers (platform, bare, bare + one PostgreSQL read, below) run side by side for each worker count and their bursts alternate, ${r.plan.burstWarmup ? `${r.plan.burstWarmup} untimed then ` : ''}${r.plan.burstRepeats ?? 1} timed of each; a burst figure is the setup's median burst (every burst's jobs/s is in the table below).`,
  );
  out.push('');
  out.push(
    table(
      [
        'workers',
        'idle enqueue-to-start ms p50/p99 platform',
        'bare',
        'platform / bare p50 / p99 (time)',
        'idle round trip ms p50/p99 platform',
        'bare',
        'platform / bare round trip p50 (time)',
        `burst jobs/s platform (${r.plan.burst} jobs)`,
        'bare',
        'platform / bare',
        'burst enqueue-to-start ms p50/p99 platform',
        'bare',
        'platform / bare p50 / p99 (time)',
        'worker boot s platform / bare',
      ],
      rows,
    ),
  );
  if (r.bareRead?.length) {
    out.push('');
    out.push(
      "**Where the burst ratio's floor is**: the platform's worker makes one PostgreSQL read per job (the run's state: a job for a cancelled, held or finished run must not train), which bare BullMQ does not. Beside them, bare BullMQ workers making that same prepared read per job (bare-worker.mjs with a database), on the same runs:",
    );
    out.push('');
    out.push(
      table(
        ['workers', `burst jobs/s platform (${r.plan.burst} jobs)`, 'bare + 1 PostgreSQL read', 'platform / (bare + read)', 'bare', '(bare + read) / bare', 'every burst, jobs/s: platform; bare; bare + read'],
        r.bareRead.map((x) => {
          const p = r.platform.find((y) => y.workers === x.workers);
          const b = r.bare.find((y) => y.workers === x.workers);
          return [
            x.workers,
            fx(p?.burst.jobsPerSecond),
            fx(x.burst.jobsPerSecond),
            fr(ratio(p?.burst.jobsPerSecond, x.burst.jobsPerSecond)),
            fx(b?.burst.jobsPerSecond),
            fr(ratio(x.burst.jobsPerSecond, b?.burst.jobsPerSecond)),
            [p?.burstJobsPerSecond, b?.burstJobsPerSecond, x.burstJobsPerSecond].map((list) => (list ?? []).map(fx).join(', ') || 'n/a').join('; '),
          ];
        }),
      ),
    );
    for (const x of r.bareRead) {
      const p = r.platform.find((y) => y.workers === x.workers);
      summary.push([
        `orchestration ${x.workers} worker(s): platform / bare BullMQ with one PostgreSQL read per job throughput`,
        ratio(p?.burst.jobsPerSecond, x.burst.jobsPerSecond),
      ]);
    }
  }
  if (r.submit) {
    // The add #14's goal was set against: the idle phase's, a worker consuming its queue.
    const bareCall = r.bare[0]?.sequential.enqueueCallMs;
    const sameBlocksAdd = r.submit.bareAddMs;
    const bareRoute = r.submit.bareHttpMs;
    out.push('');
    out.push(
      `**Submission through the API**: \`POST /api/v1/runs\` (the real Nest app in its own process, over HTTP on loopback: API-key auth, zod validation, dataset resolution, run insert in PostgreSQL, BullMQ enqueue; the key and the submission catalog come from the API's memory, kept while PostgreSQL can say they changed), ${r.submit.requests} requests one after another (after ${r.submit.warmup ?? 0} untimed ones; client: ${r.submit.client ?? 'fetch'}), no worker consuming: ` +
        `p50 ${fx(r.submit.httpMs.p50)} ms, p99 ${fx(r.submit.httpMs.p99)} ms; bare \`Queue.add\` call (the idle phase above, a worker consuming its queue) p50 ${fx(bareCall?.p50)} ms, p99 ${fx(bareCall?.p99)} ms: ` +
        `the API submission costs ${fr(ratio(r.submit.httpMs.p50, bareCall?.p50))} the bare enqueue at p50 (${r.submit.jobsQueued} jobs were queued: the timed and the untimed requests).`,
    );
    if (bareRoute) {
      out.push('');
      out.push(
        `The floor under that ratio: a hand-written Express route (bench/measure/bare-submit-server.mjs, its own process) reading what a submission needs and storing it on the same database and Redis (the key by hash, the source dataset, a durable insert into \`Run\`, \`Queue.add\`: two round trips more than the platform's route) with no validation, audit, logging, rate limit or security headers, called by the same client ${r.submit.block ? `in blocks of ${r.submit.block} requests alternating with the platform's${sameBlocksAdd ? ' and bare adds' : ''} (all see the same machine)` : 'the same way'}: ` +
          `p50 ${fx(bareRoute.p50)} ms, p99 ${fx(bareRoute.p99)} ms, itself ${fr(ratio(bareRoute.p50, bareCall?.p50))} the bare enqueue. The platform's route costs ${fr(ratio(r.submit.httpMs.p50, bareRoute.p50))} the hand-written one at p50.`,
      );
    }
    if (sameBlocksAdd) {
      out.push('');
      out.push(
        `The bare add timed beside the routes, in the same blocks from the same client, on a queue of its own that no worker consumes: p50 ${fx(sameBlocksAdd.p50)} ms, p99 ${fx(sameBlocksAdd.p99)} ms. Against it the platform's route costs ${fr(ratio(r.submit.httpMs.p50, sameBlocksAdd.p50))}${bareRoute ? ` and the hand-written route ${fr(ratio(bareRoute.p50, sameBlocksAdd.p50))}` : ''} at p50: a route's answer waits on other processes in turn (the server, then PostgreSQL and Redis, the hand-written route on PostgreSQL three times), each a wake-up on this machine's cores, where a lone add waits on Redis once.`,
      );
    }
    summary.push([
      'API submit POST /runs p50 / bare Queue.add p50 (time ratio)',
      ratio(r.submit.httpMs.p50, bareCall?.p50),
    ]);
    if (bareRoute)
      summary.push(['API submit POST /runs p50 / hand-written Express route p50 (time ratio)', ratio(r.submit.httpMs.p50, bareRoute.p50)]);
    if (sameBlocksAdd) {
      summary.push(['API submit POST /runs p50 / bare Queue.add in the same blocks p50 (time ratio)', ratio(r.submit.httpMs.p50, sameBlocksAdd.p50)]);
      if (bareRoute)
        summary.push(['API submit hand-written Express route p50 / bare Queue.add in the same blocks p50 (time ratio)', ratio(bareRoute.p50, sameBlocksAdd.p50)]);
    }
  }
  if (r.api) out.push('', renderOrchestrationApi(r.api, summary));
  out.push('');
  out.push(
    `Redis keys removed afterwards: ${r.redisKeysDeleted}. The first table stops at 4 workers; the queue-probe tables run 16 (issue 7), where 16 Node processes on ${os.cpus().length} cores measure CPU contention as much as the queue.`,
  );
  return out.join('\n');
}

/** Empty jobs through the whole platform: queue probes (POST /queues/probes) beside bare BullMQ on the probe queue. */
function renderOrchestrationApi(a, summary) {
  const p50p99 = (s) => `${fx(s?.p50)} / ${fx(s?.p99)}`;
  // Differences of 1 ms timestamps (rows, BullMQ): whole milliseconds, shown as they are.
  const wholeMs = (s) => `${s?.p50 ?? 'n/a'} / ${s?.p99 ?? 'n/a'}`;
  const timeRatios = (x, y) => `${fr(ratio(x?.p50, y?.p50))} / ${fr(ratio(x?.p99, y?.p99))}`;
  const idle = [];
  const burst = [];
  for (const p of a.platform) {
    const b = a.bare.find((x) => x.workers === p.workers);
    idle.push([
      p.workers,
      wholeMs(p.sequential.requestToStartMs),
      wholeMs(b?.sequential.enqueueToStartMs),
      timeRatios(p.sequential.requestToStartMs, b?.sequential.enqueueToStartMs),
      wholeMs(p.sequential.enqueueToStartMs),
      wholeMs(p.sequential.requestToFinishMs),
      p50p99(p.sequential.roundTripMs),
      p50p99(b?.sequential.roundTripMs),
      fr(ratio(p.sequential.roundTripMs.p50, b?.sequential.roundTripMs.p50)),
      p50p99(p.sequential.postMs),
      `${fx(p.bootSeconds)} / ${b ? fx(b.bootSeconds) : 'n/a'}`,
    ]);
    burst.push([
      p.workers,
      fx(p.burst.probesPerSecond),
      fx(p.batched.probesPerSecond),
      b ? fx(b.burst.jobsPerSecond) : 'n/a',
      `${fr(ratio(p.burst.probesPerSecond, b?.burst.jobsPerSecond))} / ${fr(ratio(p.batched.probesPerSecond, b?.burst.jobsPerSecond))}`,
      wholeMs(p.burst.requestToStartMs),
      wholeMs(b?.burst.enqueueToStartMs),
      timeRatios(p.burst.requestToStartMs, b?.burst.enqueueToStartMs),
      p50p99(p.burst.postMs),
      `${p.burst.workersAnswered} / ${p.batched.workersAnswered}`,
    ]);
    summary.push([
      `orchestration through the API, ${p.workers} worker(s): probes/s (1 per POST) / bare BullMQ jobs/s`,
      ratio(p.burst.probesPerSecond, b?.burst.jobsPerSecond),
    ]);
    summary.push([
      `orchestration through the API, ${p.workers} worker(s): idle round trip p50 / bare (time ratio)`,
      ratio(p.sequential.roundTripMs.p50, b?.sequential.roundTripMs.p50),
    ]);
  }
  const plan = a.plan;
  return [
    '### Through the API: queue probes',
    '',
    `Empty jobs through the whole platform. **API**: \`POST /api/v1/queues/probes\` (the built API in its own process, \`startApiProcess\` of @fer/testing, over HTTP on loopback: API-key auth, zod validation, QueueProbe rows in PostgreSQL, one BullMQ job each, enqueuedAt written back) -> Redis -> N real worker processes (the built worker app with \`FER_WORKER_QUEUES=probe\`) whose ProbeJob writes startedAt, finishedAt and its id on the row (one UPDATE) -> BullMQ completion. **bare**: \`Queue.add\` with the options JobQueues gives a probe -> N bare BullMQ \`Worker\` processes with the probe queue's settings (QUEUE_CONFIG: ${a.probeConfig?.concurrency} at a time, lock ${a.probeConfig ? a.probeConfig.lockDurationMs / 1000 : '?'} s; the platform's worker uses the same) and a no-op processor, same Redis, measured right after the API rows for the same N. ` +
      `Times of the API path come from the rows (1 ms steps): request-to-start = startedAt - requestedAt (requestedAt: the API's clock when the request reached the service, after auth and validation), which is the enqueue-to-start of a job submitted through the API; the bare column is processedOn - timestamp. Queue wait = startedAt - enqueuedAt (enqueuedAt: after BullMQ's reply reached the API, bounded by startedAt). ` +
      `Idle: ${plan?.sequential} probes one at a time after ${plan?.warmup} warm-up ones (both sides); round trip = from sending the POST until a \`GET /queues/probes/:batchId\` polled every ${plan?.pollMs} ms shows the answer (bare: until the QueueEvents completion arrives).`,
    '',
    table(
      [
        'workers',
        'idle request-to-start ms p50/p99 API',
        'bare enqueue-to-start',
        'API / bare p50 / p99 (time)',
        'queue wait ms p50/p99 API',
        'request-to-finish ms p50/p99 API (rows)',
        'round trip ms p50/p99 API',
        'bare',
        'API / bare round trip p50 (time)',
        'POST ms p50/p99',
        'worker boot s API / bare',
      ],
      idle,
    ),
    '',
    `Burst: ${plan?.burst} probes sent by ${plan?.clients} concurrent clients, one probe per POST; batched: the same ${plan?.burst} probes as ${plan ? Math.ceil(plan.burst / plan.batch) : '?'} concurrent POSTs of count ${plan?.batch}. Throughput = probes / (last finishedAt - first requestedAt), from the rows; bare: ${plan?.burst} jobs enqueued 100 at a time, jobs / (last finish - first enqueue). The API process handles every POST on one event loop while the N workers share the same ${os.cpus().length} cores, so the 16-worker row measures CPU contention as much as the queue. The API admits probes no faster than it answers POSTs, so under burst its queue stays short and its request-to-start can be below bare's (whose jobs all arrive at once): the API path's waiting is in the POST column.`,
    '',
    table(
      [
        'workers',
        'burst probes/s API (1 per POST)',
        `batched probes/s API (${plan?.batch} per POST)`,
        'bare jobs/s',
        'API / bare: 1 per POST / batched',
        'burst request-to-start ms p50/p99 API (1 per POST)',
        'bare enqueue-to-start',
        'API / bare p50 / p99 (time)',
        'POST ms p50/p99 under burst',
        'workers that answered (1 per POST / batched)',
      ],
      burst,
    ),
  ].join('\n');
}

/** Burst throughput by worker processes: queue probes through the API (1 and 100 per POST) beside bare BullMQ. */
export function charts(r) {
  if (!r.api) return [];
  const points = [
    ...r.api.platform.map((x) => ({
      x: x.workers,
      y: x.burst.probesPerSecond,
      series: 'queue probes through the API, 1 per POST',
    })),
    ...r.api.platform.map((x) => ({
      x: x.workers,
      y: x.batched.probesPerSecond,
      series: `queue probes through the API, ${r.api.plan.batch} per POST`,
    })),
    ...r.api.bare.map((x) => ({ x: x.workers, y: x.burst.jobsPerSecond, series: 'bare BullMQ, no-op workers' })),
  ];
  return [
    {
      name: 'orchestration-workers',
      title: 'Empty jobs: burst throughput by worker processes (2 cores)',
      xTitle: 'worker processes',
      yTitle: 'jobs/s (log)',
      points,
      logX: true,
      logY: true,
      xValues: r.api.platform.map((x) => x.workers),
    },
  ];
}
