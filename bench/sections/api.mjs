// Section 4, API: GET /api/v1/leaderboards through the API process over 1k / 10k runs x 5 evaluations beside the
// leaderboard statement of @fer/experiments run through `pg`, the leaderboard page in Chromium when built, and
// expandSearchSpace of @fer/experiments beside a DomainBed-style Python expansion. Measures with
// bench/measure/api.mjs (and bench/measure/web-page.mjs, bench/reference/sweep_reference.py).
import { fr, fx, log, measure, ratio, table } from '../lib.mjs';

export const title = '4. API';

/** A web page this run could not time: its headline row says so, and the returned line says what it needs. */
function pageNotMeasured(page, summary) {
  summary.push([`${page} page in Chromium: interactive p50 / API p50 (time ratio)`, 'not measured (no web build or no Chromium)']);
  return `${page[0].toUpperCase()}${page.slice(1)} page in the browser: not measured (needs \`npm run build:web\` and Chromium at /usr/bin/chromium).`;
}

/** What this section measures; --quick shrinks it. */
export function plan(quick) {
  return quick
    ? { runs: [1000, 10000], requests: 10, sweepRuns: [1000], sweepRepeats: 3 }
    : { runs: [1000, 10000], requests: 50, sweepRuns: [1000, 5000], sweepRepeats: 10 };
}

export function run(p) {
  log('api: seeding and querying');
  return measure('api.mjs', p);
}

export function render(r, summary) {
  const out = [];
  if (r.runsTable?.length) {
    out.push(
      '`GET /api/v1/runs/table?sort=targetMean&limit=50` (the web runs table: every run with its parameters and metrics under the selection, sorted and paged in PostgreSQL, the total with the page) beside the same statement (`runsTableQuery` of @fer/experiments) through `pg`, interleaved.',
      '',
      table(
        ['runs', 'HTTP ms p50/p99', 'raw SQL ms p50/p99', 'HTTP / SQL', 'same rows', 'requests'],
        r.runsTable.map((t) => {
          summary.push([`runs table ${t.runs} runs: HTTP p50 / raw SQL p50 (time ratio)`, ratio(t.httpMs.p50, t.rawSqlMs.p50)]);
          return [t.runs, `${fx(t.httpMs.p50)} / ${fx(t.httpMs.p99)}`, `${fx(t.rawSqlMs.p50)} / ${fx(t.rawSqlMs.p99)}`, fr(ratio(t.httpMs.p50, t.rawSqlMs.p50)), t.rowsAgree ? 'yes' : '**NO**', t.httpMs.n];
        }),
      ),
      '',
    );
    if (r.runsTablePage) {
      const t = r.runsTablePage;
      summary.push([`runs table page in Chromium, ${t.runs} runs: interactive p50 / API p50 (time ratio)`, ratio(t.interactiveMs.p50, t.apiMs.p50)]);
      out.push(
        `The runs table page (production build, Chromium) over the same ${t.runs} runs, ${t.rows} rows a page: navigation → rows on screen, and → a run ticked for comparison (interactive), beside the API page it renders.`,
        '',
        table(
          ['runs', 'rows on screen ms p50', 'interactive ms p50', 'API ms p50', 'interactive / API'],
          [[t.runs, fx(t.visibleMs.p50), fx(t.interactiveMs.p50), fx(t.apiMs.p50), fr(ratio(t.interactiveMs.p50, t.apiMs.p50))]],
        ),
        '',
      );
    } else {
      out.push(pageNotMeasured('runs table', summary), '');
    }
  }
  const rows = r.leaderboard.map((l) => {
    summary.push([
      `leaderboard ${l.runs} runs: HTTP p50 / raw aggregate SQL p50 (time ratio)`,
      ratio(l.httpMs.p50, l.rawAggregateMs.p50),
    ]);
    return [
      l.runs,
      l.evaluations,
      `${fx(l.httpMs.p50)} / ${fx(l.httpMs.p99)}`,
      `${fx(l.rawAggregateMs.p50)} / ${fx(l.rawAggregateMs.p99)}`,
      `${fx(l.rawAllStatementsMs.p50)} / ${fx(l.rawAllStatementsMs.p99)}`,
      fr(ratio(l.httpMs.p50, l.rawAggregateMs.p50)),
      fr(ratio(l.httpMs.p50, l.rawAllStatementsMs.p50)),
      `${(l.responseBytes / 1024).toFixed(0)} KiB`,
      l.rowsAgree ? 'yes' : '**NO**',
      l.httpMs.n,
    ];
  });
  out.push(
    `\`GET /api/v1/leaderboards?benchmark=fer5&source=rafdb\` through the real API in its own process (\`startApiProcess\` of @fer/testing: fresh migrated database, ${r.leaderboard[0]?.configs} configs, every run's source = the queried source, 5 evaluations per run) beside the same SQL through \`pg\`: the aggregate statement alone (\`leaderboardAggregateQuery\` of @fer/experiments, the very text and parameters the API runs), and all three statements the endpoint issues. Requests interleaved (HTTP, aggregate, all three) so machine noise hits them alike. Ratios are time ratios (how many times slower the endpoint is).`,
  );
  out.push('');
  out.push(
    table(
      [
        'runs',
        'evaluations',
        'HTTP ms p50/p99',
        'raw aggregate ms p50/p99',
        'raw 3 statements ms p50/p99',
        'HTTP / aggregate',
        'HTTP / 3 statements',
        'response',
        'same means',
        'requests',
      ],
      rows,
    ),
  );
  out.push('');
  const sweepRows = r.sweep.map((s) => {
    summary.push([
      `sweep expansion ${s.runs} runs: expandSearchSpace / Python reference (time ratio)`,
      ratio(s.seconds.p50, s.referenceSeconds.p50),
    ]);
    return [
      s.runs,
      s.points,
      fx(s.seconds.p50 * 1000),
      fx(s.seconds.p99 * 1000),
      fx(s.referenceSeconds.p50 * 1000),
      fr(ratio(s.seconds.p50, s.referenceSeconds.p50)),
      s.seconds.n,
    ];
  });
  out.push(
    'Sweep expansion: `expandSearchSpace` (@fer/experiments) of a grid over optimizer.lr x lambdaDiverse x lambdaSeparation, 4 seeds, 1 source, beside bench/reference/sweep_reference.py (DomainBed-style: itertools.product, deep copy, sha256 of sorted JSON; no schema validation, which expandSearchSpace does per point).',
  );
  out.push('');
  out.push(
    table(
      [
        'runs',
        'configs',
        'expandSearchSpace ms p50',
        'p99',
        'Python reference ms p50',
        'TS / Python (time)',
        'repeats',
      ],
      sweepRows,
    ),
  );
  out.push('');
  out.push(`Database dropped and ${r.redisKeysDeleted} Redis keys removed afterwards.`);
  if (r.page) {
    summary.push([
      `leaderboard page in Chromium, ${r.page.runs} runs: interactive p50 / API p50 (time ratio)`,
      ratio(r.page.interactiveMs.p50, r.page.apiMs.p50),
    ]);
    out.push('');
    out.push(
      `The leaderboard page (production Next.js build, Debian Chromium via playwright-core) over the same database at ${r.page.runs} runs, ${r.page.rows} rows: navigation → first cells on screen, and → a click on "sort by mean" re-rendered (interactive). Beside it, the API response the page renders (reference).`,
    );
    out.push('');
    out.push(
      table(
        ['runs', 'rows', 'cells visible ms p50/p99', 'interactive ms p50/p99', 'API ms p50', 'interactive / API'],
        [
          [
            r.page.runs,
            r.page.rows,
            `${fx(r.page.visibleMs.p50)} / ${fx(r.page.visibleMs.p99)}`,
            `${fx(r.page.interactiveMs.p50)} / ${fx(r.page.interactiveMs.p99)}`,
            fx(r.page.apiMs.p50),
            fr(ratio(r.page.interactiveMs.p50, r.page.apiMs.p50)),
          ],
        ],
      ),
    );
  } else {
    out.push('', pageNotMeasured('leaderboard', summary));
  }
  return out.join('\n');
}

/** Leaderboard p50 latency by stored runs: the endpoint beside the raw aggregate statement. */
export function charts(r) {
  const points = r.leaderboard.flatMap((x) => [
    { x: x.runs, y: x.httpMs.p50, series: 'GET /leaderboards (HTTP)' },
    { x: x.runs, y: x.rawAggregateMs.p50, series: 'raw aggregate SQL' },
  ]);
  return [
    {
      name: 'api-leaderboard',
      title: 'Leaderboard p50 latency by stored runs (×5 evaluations)',
      xTitle: 'runs',
      yTitle: 'ms (log)',
      points,
      logX: true,
      logY: true,
      xValues: r.leaderboard.map((x) => x.runs),
    },
  ];
}
