// Section 3b, runs end to end: a burst of near-empty runs through the whole path a user's run takes (POST /api/v1/runs
// to the API process -> PostgreSQL -> BullMQ/Redis -> N worker processes -> train and evaluate jobs -> run closed)
// beside bare BullMQ with N no-op workers per queue and 2 chained jobs per run. Measures with
// bench/measure/pipeline.mjs.
import { fr, fx, log, measure, ratio, table } from '../lib.mjs';

export const title = '3b. Runs end to end';

/** What this section measures; --quick shrinks it. */
export function plan(quick) {
  return quick ? { workers: [1, 4], runs: 10 } : { workers: [1, 4, 16], runs: 40 };
}

export function run(p) {
  log('pipeline: runs through API, Postgres, Redis and worker processes');
  return measure('pipeline.mjs', p);
}

export function render(r, summary) {
  const rows = r.platform.map((p) => {
    const b = r.bare.find((x) => x.workers === p.workers);
    summary.push([
      `runs end to end, ${p.workers} worker(s): platform / bare BullMQ runs/s`,
      ratio(p.runsPerSecond, b.runsPerSecond),
    ]);
    return [
      p.workers,
      p.runs,
      fx(p.runsPerSecond),
      fx(b.runsPerSecond),
      fr(ratio(p.runsPerSecond, b.runsPerSecond)),
      `${fx(p.latencyMs.p50)} / ${fx(p.latencyMs.p99)}`,
      `${fx(b.latencyMs.p50)} / ${fx(b.latencyMs.p99)}`,
    ];
  });
  return [
    'A burst of near-empty runs through the whole path: `POST /api/v1/runs` → PostgreSQL → BullMQ/Redis → N worker processes (train job: run, config and samples from PostgreSQL, cached features, 1 epoch of 7 samples, checkpoint file and rows, epoch metric; then an evaluate job on 7 test images) → run closed in PostgreSQL. Reference: bare BullMQ on the same Redis with N no-op worker processes per queue, 2 chained jobs (train, evaluate) per run. Latency: submit → run succeeded. With 16 workers the 2 cores are oversubscribed: that row measures contention as much as the queue.',
    '',
    table(
      [
        'workers',
        'runs',
        'platform runs/s',
        'bare runs/s',
        'platform / bare',
        'platform latency ms p50/p99',
        'bare latency ms p50/p99',
      ],
      rows,
    ),
  ].join('\n');
}

/** Runs/s by worker processes, the platform beside bare BullMQ. */
export function charts(r) {
  const points = [
    ...r.platform.map((x) => ({
      x: x.workers,
      y: x.runsPerSecond,
      series: 'platform (API → PostgreSQL → BullMQ → worker)',
    })),
    ...r.bare.map((x) => ({ x: x.workers, y: x.runsPerSecond, series: 'bare BullMQ, no-op workers' })),
  ];
  return [
    {
      name: 'pipeline-workers',
      title: 'Runs end to end: runs/s by worker processes (2 cores)',
      xTitle: 'worker processes',
      yTitle: 'runs/s (log)',
      points,
      logX: true,
      logY: true,
      xValues: r.platform.map((x) => x.workers),
    },
  ];
}
