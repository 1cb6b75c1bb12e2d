#!/usr/bin/env node
// API section (bench/sections/api.mjs): GET /api/v1/leaderboards through the real API (the built API in its own
// process, startApiProcess of @fer/testing: Nest + auth + Prisma over a fresh, migrated PostgreSQL database) beside
// raw SQL through `pg` on the same database: (a) the leaderboard's aggregate statement alone, selection "last" (the
// very text and parameters the API runs: leaderboardAggregateQuery of @fer/experiments), (b) all three statements the
// endpoint issues (aggregate, configs, run ids). Seeded with raw SQL: 50 configs, runs spread evenly over them, all
// with source rafdb (the queried source: the worst case), 5 evaluations per run (one per fer5 domain, checkpoint
// "last"), ANALYZEd. Measured at each size of plan.runs (the database grows between sizes). Then the leaderboard page
// in Chromium (web-page.mjs) when the web app is built, and expandSearchSpace of @fer/experiments (the API's sweep
// expansion) for grids of plan.sweepRuns runs beside bench/reference/sweep_reference.py.
// Usage: node bench/measure/api.mjs --plan '{"runs":[1000,10000],"requests":50,"sweepRuns":[1000,5000],"sweepRepeats":5}'
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deleteRedisPrefix, emit, PYTHON, summarize } from '../lib.mjs';
import { measureLeaderboardPage, measureRunsTablePage } from './web-page.mjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { Client } = require('pg');
const { contentId, FER5_DOMAINS, parseTrainingConfig, sweepSpecSchema } = require('@fer/contracts');
const { expandSearchSpace, leaderboardAggregateQuery, runsTableQuery } = require('@fer/experiments');
const { startApiProcess } = require('@fer/testing');

const { values } = parseArgs({ options: { plan: { type: 'string' } } });
const plan = JSON.parse(values.plan);
const DOMAINS = [...FER5_DOMAINS];
const CONFIGS = 50;
/** The statement GET /leaderboards?benchmark=fer5&source=rafdb runs first (selection "last", the default). */
const AGGREGATE = leaderboardAggregateQuery({ source: 'rafdb', domains: DOMAINS, selection: 'last' });
/** The statement GET /runs/table?sort=targetMean runs: the best 50 runs by target mean, the total with them. */
const RUNS_TABLE = runsTableQuery({ selection: 'last', sort: 'targetMean', order: 'desc', limit: 50, offset: 0 });

async function timed(count, fn) {
  const ms = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return ms;
}

const result = { plan, leaderboard: [], runsTable: [], sweep: [] };
const api = await startApiProcess('bench-api', { FER_RATE_LIMIT_PER_MINUTE: '1000000' });
const pg = new Client({ connectionString: api.databaseUrl });
try {
  await pg.connect();
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
  const configIds = [];
  for (let c = 0; c < CONFIGS; c++) {
    const config = parseTrainingConfig({ optimizer: { lr: 1e-4 * (c + 1) } });
    const id = contentId('cfg', config);
    configIds.push(id);
    await pg.query(`INSERT INTO "Config" (id, method, body) VALUES ($1, $2, $3)`, [id, config.method, config]);
  }
  await pg.query('SELECT setseed(0.42)');
  let seeded = 0;
  for (const runs of plan.runs) {
    const seedStart = performance.now();
    await pg.query(
      `INSERT INTO "Run" (id, "configId", "groupKey", "sourceDatasetId", "sourceDomain", targets, seed, status, epochs, "trainedAt", "finishedAt", "updatedAt")
       SELECT 'run-' || i, ($1::text[])[i % ${CONFIGS} + 1], ($1::text[])[i % ${CONFIGS} + 1], 'ds-rafdb', 'rafdb', $2, i / ${CONFIGS}, 'succeeded', 60, now(), now(), now()
       FROM generate_series($3::int, $4::int - 1) i`,
      [configIds, DOMAINS, seeded, runs],
    );
    await pg.query(
      `INSERT INTO "Evaluation" (id, "runId", "datasetId", domain, checkpoint, epoch, accuracy, "perClassAccuracy", "macroF1", confusion, n)
       SELECT 'run-' || i || '-' || d, 'run-' || i, 'ds-' || d, d, 'last', 60, 0.4 + 0.4 * random(), ARRAY[0.5,0.5,0.5,0.5,0.5,0.5,0.5], 0.5, '[]', 1000
       FROM generate_series($1::int, $2::int - 1) i, unnest($3::text[]) d`,
      [seeded, runs, DOMAINS],
    );
    await pg.query('ANALYZE "Run"; ANALYZE "Evaluation"; ANALYZE "Config"');
    const seedSeconds = (performance.now() - seedStart) / 1000;
    seeded = runs;
    const evaluations = Number((await pg.query('SELECT count(*) FROM "Evaluation"')).rows[0].count);

    const http = () => api.request('GET', '/leaderboards?benchmark=fer5&source=rafdb', { key: api.keys.read });
    const first = await http();
    if (first.status !== 200)
      throw new Error(`GET /leaderboards answered ${first.status}: ${first.text.slice(0, 300)}`);
    const aggregate = () => pg.query(AGGREGATE.text, AGGREGATE.values);
    const allThree = async () => {
      const { rows } = await aggregate();
      const groups = [...new Set(rows.map((r) => r.groupKey))];
      await pg.query('SELECT * FROM "Config" WHERE id = ANY($1::text[])', [groups]);
      await pg.query(
        'SELECT id, "groupKey" FROM "Run" WHERE "sourceDomain" = $1 AND "groupKey" = ANY($2::text[]) ORDER BY seed ASC',
        ['rafdb', groups],
      );
    };
    const rawRows = (await aggregate()).rows;
    // The same numbers both ways: the endpoint's mean cell of every row equals the raw statement's __mean.
    const rawMeans = new Map(rawRows.filter((r) => r.column === '__mean').map((r) => [r.groupKey, r.mean]));
    const agree =
      first.body.rows.length === rawMeans.size &&
      first.body.rows.every((row) => Math.abs(row.mean.mean - rawMeans.get(row.groupKey)) < 1e-9);
    for (let i = 0; i < 3; i++) await Promise.all([http(), aggregate(), allThree()].map((p) => p));
    // Interleaved so that machine noise hits all three alike.
    const httpMs = [];
    const aggregateMs = [];
    const allThreeMs = [];
    for (let i = 0; i < plan.requests; i++) {
      httpMs.push(...(await timed(1, http)));
      aggregateMs.push(...(await timed(1, aggregate)));
      allThreeMs.push(...(await timed(1, allThree)));
    }
    // The runs table (server-side sort, filter and pages) beside its own statement through pg.
    const tableHttp = () => api.request('GET', '/runs/table?sort=targetMean&order=desc&limit=50', { key: api.keys.read });
    const tableFirst = await tableHttp();
    if (tableFirst.status !== 200) throw new Error(`GET /runs/table answered ${tableFirst.status}: ${tableFirst.text.slice(0, 300)}`);
    const tableSql = () => pg.query(RUNS_TABLE.text, RUNS_TABLE.values);
    const tableRaw = (await tableSql()).rows;
    const tableHttpMs = [];
    const tableSqlMs = [];
    for (let i = 0; i < 3; i++) await Promise.all([tableHttp(), tableSql()]);
    for (let i = 0; i < plan.requests; i++) {
      tableHttpMs.push(...(await timed(1, tableHttp)));
      tableSqlMs.push(...(await timed(1, tableSql)));
    }
    result.runsTable.push({
      runs,
      total: tableFirst.body.total,
      rowsAgree: tableFirst.body.rows.every((row, i) => row.id === tableRaw[i].id),
      httpMs: summarize(tableHttpMs),
      rawSqlMs: summarize(tableSqlMs),
    });

    result.leaderboard.push({
      runs,
      evaluations,
      configs: CONFIGS,
      seedSeconds,
      responseBytes: first.text.length,
      rowsAgree: agree,
      httpMs: summarize(httpMs),
      rawAggregateMs: summarize(aggregateMs),
      rawAllStatementsMs: summarize(allThreeMs),
    });
  }

  // The page a researcher opens, at the largest size, beside the API response it renders.
  const page = await measureLeaderboardPage({
    root,
    apiUrl: api.url,
    apiKey: api.keys.admin, // makes the one-time sign-in link (admin); the page only reads
    query: 'benchmark=fer5&source=rafdb&selection=last',
  });
  if (page) {
    const last = result.leaderboard[result.leaderboard.length - 1];
    result.page = {
      runs: last.runs,
      rows: page.rows,
      visibleMs: summarize(page.visibleMs),
      interactiveMs: summarize(page.interactiveMs),
      apiMs: last.httpMs,
    };
  }

  // The runs table page at the largest size, beside the API page it renders.
  const tablePage = await measureRunsTablePage({ root, apiUrl: api.url, apiKey: api.keys.admin, query: 'sort=targetMean&order=desc' });
  if (tablePage) {
    const last = result.runsTable[result.runsTable.length - 1];
    result.runsTablePage = { runs: last.runs, rows: tablePage.rows, visibleMs: summarize(tablePage.visibleMs), interactiveMs: summarize(tablePage.interactiveMs), apiMs: last.httpMs };
  }

  // Sweep expansion: grids of N runs = points x 4 seeds x 1 source.
  const base = parseTrainingConfig({});
  for (const runs of plan.sweepRuns) {
    const points = runs / 4;
    const lrs = Array.from({ length: points / 25 }, (_, i) => Number((1e-4 * (i + 1)).toPrecision(6)));
    const grid = { 'optimizer.lr': lrs, lambdaDiverse: [1, 2, 3, 4, 5], lambdaSeparation: [0.5, 1, 1.5, 2, 2.5] };
    const spec = sweepSpecSchema.parse({
      name: 'bench',
      sources: ['rafdb'],
      seeds: [0, 1, 2, 3],
      search: { kind: 'grid', parameters: grid },
    });
    expandSearchSpace(spec); // warm-up
    const seconds = [];
    let expanded = 0;
    for (let r = 0; r < plan.sweepRepeats; r++) {
      const t0 = performance.now();
      expanded = expandSearchSpace(spec).length;
      seconds.push((performance.now() - t0) / 1000);
    }
    const py = spawnSync(PYTHON, [join(here, '..', 'reference', 'sweep_reference.py')], {
      input: JSON.stringify({ base, grid, repeats: plan.sweepRepeats + 1 }),
      encoding: 'utf8',
    });
    if (py.status !== 0) throw new Error(`sweep_reference.py failed: ${py.stderr}`);
    const ref = JSON.parse(py.stdout);
    result.sweep.push({
      runs,
      points: expanded,
      referencePoints: ref.points,
      seconds: summarize(seconds),
      referenceSeconds: summarize(ref.seconds.slice(1)),
    });
  }
} finally {
  await pg.end().catch(() => undefined);
  await api.close();
  result.redisKeysDeleted = await deleteRedisPrefix(api.queuePrefix);
}
emit(result);
process.exit(0);
