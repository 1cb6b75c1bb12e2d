// Scaling plots for bench/RESULTS.md: one small SVG line chart per "how does it grow" question, drawn with Vega-Lite
// (headless, no browser) from the same raw results the tables come from. Each section says which charts it has
// (`charts(result)` in bench/sections/*.mjs); the platform and its reference share a chart, so the gap between the
// two lines is the ratio the tables report.
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
      x: {
        field: 'x',
        type: 'quantitative',
        title: xTitle,
        scale: logX ? { type: 'log', nice: false } : { zero: false },
        axis: xValues ? { values: xValues } : {},
      },
      y: { field: 'y', type: 'quantitative', title: yTitle, scale: logY ? { type: 'log' } : { zero: true } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        legend: { orient: 'bottom', columns: 1, labelLimit: 400 },
      },
    },
  };
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Writes a section's charts (`{ name, title, xTitle, yTitle, points, logX?, logY?, xValues? }`) as SVG files under
 * `dir` and returns the Markdown that shows them (paths relative to `markdownDir`). A chart whose points have fewer
 * than two x values is skipped: one point is not a trend.
 */
export async function writeCharts(charts, dir, markdownDir) {
  const lines = [];
  for (const chart of charts) {
    if (new Set(chart.points.map((p) => p.x)).size < 2) continue;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${chart.name}.svg`);
    writeFileSync(file, await lineChartSvg(chart));
    lines.push(`![${chart.title}](${relative(markdownDir, file)})`);
  }
  return lines;
}
