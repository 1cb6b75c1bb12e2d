// Scaling plots for bench/RESULTS.md: one small SVG line chart per "how does it grow" question, drawn with Vega-Lite
// (headless, no browser) from the same raw results the tables come from. The platform and its reference share a
// chart, so the gap between the two lines is the ratio the tables report.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

/** Renders one line chart. `points`: { x, y, series }; log scales where the data spans orders of magnitude. */
export async function lineChartSvg({ title, xTitle, yTitle, points, logX = false, logY = false, xValues }) {
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 360,
    height: 200,
    background: 'white',
    data: { values: points },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle, scale: logX ? { type: 'log', nice: false } : { zero: false }, axis: xValues ? { values: xValues } : {} },
      y: { field: 'y', type: 'quantitative', title: yTitle, scale: logY ? { type: 'log' } : { zero: true } },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 1, labelLimit: 400 } },
    },
  };
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const charts = {
  frozen(r) {
    const points = [];
    for (const model of r.backends.find((b) => b.backend === 'wasm')?.models ?? []) {
      for (const row of model.rows) points.push({ x: row.batchSize, y: row.imagesPerSecond, series: `${model.backbone}, TF.js wasm` });
    }
    for (const model of r.torch?.models ?? []) {
      for (const row of model.rows) points.push({ x: row.batchSize, y: row.imagesPerSecond, series: `${model.backbone}, PyTorch` });
    }
    return [{ name: 'frozen-batch', title: 'Frozen features: images/s by batch size', xTitle: 'batch size', yTitle: 'images/s (log)', points, logX: true, logY: true }];
  },
  training(r) {
    const featureCases = (rows) => rows.filter((x) => (x.kind ?? 'features') === 'features' && x.n === 1000);
    const points = [
      ...featureCases(r.backends.find((b) => b.backend === 'wasm')?.results ?? []).map((x) => ({ x: x.dim, y: x.samplesPerSecond, series: 'TF.js wasm' })),
      ...featureCases(r.torch?.results ?? []).map((x) => ({ x: x.dim, y: x.samplesPerSecond, series: 'PyTorch' })),
    ];
    const charts = [{ name: 'training-width', title: 'CAFE training step (cached features): samples/s by feature width C', xTitle: 'feature width C', yTitle: 'samples/s', points, logX: true }];
    if (r.loader) {
      const rss = r.loader.results.map((x) => ({ x: x.n, y: x.peakRssMB, series: x.mode === 'streamed' ? 'streamed per batch (worker now)' : 'whole split in memory first (reference)' }));
      charts.push({ name: 'training-loader-memory', title: `Image input pipeline: peak RSS by dataset size (${r.loader.size} px)`, xTitle: 'images in the split', yTitle: 'peak RSS MB', points: rss, logX: true, xValues: [...new Set(r.loader.results.map((x) => x.n))] });
    }
    return charts;
  },
  orchestration(r) {
    if (!r.api) return [];
    const points = [
      ...r.api.platform.map((x) => ({ x: x.workers, y: x.burst.probesPerSecond, series: 'queue probes through the API, 1 per POST' })),
      ...r.api.platform.map((x) => ({ x: x.workers, y: x.batched.probesPerSecond, series: `queue probes through the API, ${r.api.plan.batch} per POST` })),
      ...r.api.bare.map((x) => ({ x: x.workers, y: x.burst.jobsPerSecond, series: 'bare BullMQ, no-op workers' })),
    ];
    return [{ name: 'orchestration-workers', title: 'Empty jobs: burst throughput by worker processes (2 cores)', xTitle: 'worker processes', yTitle: 'jobs/s (log)', points, logX: true, logY: true, xValues: r.api.platform.map((x) => x.workers) }];
  },
  pipeline(r) {
    const points = [
      ...r.platform.map((x) => ({ x: x.workers, y: x.runsPerSecond, series: 'platform (API → PostgreSQL → BullMQ → worker)' })),
      ...r.bare.map((x) => ({ x: x.workers, y: x.runsPerSecond, series: 'bare BullMQ, no-op workers' })),
    ];
    return [{ name: 'pipeline-workers', title: 'Runs end to end: runs/s by worker processes (2 cores)', xTitle: 'worker processes', yTitle: 'runs/s (log)', points, logX: true, logY: true, xValues: r.platform.map((x) => x.workers) }];
  },
  api(r) {
    const points = r.leaderboard.flatMap((x) => [
      { x: x.runs, y: x.httpMs.p50, series: 'GET /leaderboards (HTTP)' },
      { x: x.runs, y: x.rawAggregateMs.p50, series: 'raw aggregate SQL' },
    ]);
    return [{ name: 'api-leaderboard', title: 'Leaderboard p50 latency by stored runs (×5 evaluations)', xTitle: 'runs', yTitle: 'ms (log)', points, logX: true, logY: true, xValues: r.leaderboard.map((x) => x.runs) }];
  },
};

/**
 * Writes the section's charts as SVG files under `dir` and returns the Markdown that shows them (paths relative to
 * `markdownDir`). Sections without charts, or whose results lack the data, give nothing.
 */
export async function sectionPlots(section, result, dir, markdownDir) {
  const make = charts[section];
  if (!make || !result) return [];
  const lines = [];
  for (const chart of make(result)) {
    if (new Set(chart.points.map((p) => p.x)).size < 2) continue; // one point is not a trend
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${chart.name}.svg`);
    writeFileSync(file, await lineChartSvg(chart));
    lines.push(`![${chart.title}](${relative(markdownDir, file)})`);
  }
  return lines;
}
