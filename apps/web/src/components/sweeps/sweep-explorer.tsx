'use client';

// Types only from @fer/contracts: its index carries zod, whose first object parse trips the page's CSP.
import type { ModelSelection } from '@fer/contracts/training-config.schema';
import type { ParameterEffectDto, SweepImportanceDto, SweepRunPointDto } from '@fer/contracts';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import {
  Bar,
  BarChart,
  CartesianGrid,
  ErrorBar,
  Legend,
  Line,
  LineChart,
  ReferenceDot,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { SERIES_COLORS, TOOLTIP_STYLE } from '@/lib/chart-colors';
import { domainLabel, formatConfigValue, formatNumber } from '@/lib/format';
import { withSelection } from '@/lib/selection';
import { VIRIDIS_GRADIENT, viridis } from '@/lib/sequential-color';

type Value = string | number | boolean;
const TARGET_AXIS = 'target mean';

interface Axis {
  name: string;
  /** Position in [0, 1] of a run's value on this axis. */
  position: (point: SweepRunPointDto) => number | null;
  /** Labelled positions along the axis. */
  ticks: { position: number; label: string }[];
}

function valueOf(point: SweepRunPointDto, factor: string): Value | undefined {
  return factor === 'source' && !(factor in point.params) ? point.source : point.params[factor];
}

/** Numbers on a linear axis (log when positive and spanning two decades or more); anything else evenly spaced, sorted. */
function axisOf(
  name: string,
  values: (Value | undefined)[],
  read: (point: SweepRunPointDto) => Value | undefined,
): Axis {
  const present = values.filter((v): v is Value => v !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === 'number')) {
    const numbers = present as number[];
    const log = numbers.every((v) => v > 0) && Math.max(...numbers) / Math.min(...numbers) >= 100;
    const scale = (v: number) => (log ? Math.log10(v) : v);
    const [lo, hi] = [Math.min(...numbers.map(scale)), Math.max(...numbers.map(scale))];
    const at = (v: number) => (hi > lo ? (scale(v) - lo) / (hi - lo) : 0.5);
    const distinct = [...new Set(numbers)].sort((a, b) => a - b);
    const labelled = distinct.length <= 6 ? distinct : [distinct[0], distinct[distinct.length - 1]];
    return {
      name: log ? `${name} (log)` : name,
      position: (point) => {
        const v = read(point);
        return typeof v === 'number' ? at(v) : null;
      },
      ticks: labelled.map((v) => ({
        position: at(v),
        label: name === TARGET_AXIS ? v.toFixed(1) : formatConfigValue(v),
      })),
    };
  }
  const levels = [...new Set(present.map((v) => String(v)))].sort();
  const at = (level: string) => (levels.length > 1 ? levels.indexOf(level) / (levels.length - 1) : 0.5);
  return {
    name,
    position: (point) => {
      const v = read(point);
      return v === undefined ? null : at(String(v));
    },
    ticks: levels.map((level) => ({ position: at(level), label: name === 'source' ? domainLabel(level) : level })),
  };
}

/**
 * Parallel coordinates as a recharts LineChart (recharts has no parallel-coordinates chart): one categorical x
 * position per axis (the varied parameters, the source when there are several, then the target mean), every axis
 * normalised to [0, 1], one line per succeeded run coloured by its target mean on viridis. A line, its points and
 * the run list under the chart open the run's page under the same selection.
 */
function ParallelCoordinates({
  points,
  factors,
  selection,
}: {
  points: SweepRunPointDto[];
  factors: string[];
  selection: ModelSelection;
}) {
  const router = useRouter();
  const scored = points.filter((p) => p.targetMean !== null).sort((a, b) => a.targetMean! - b.targetMean!);
  const axes = [
    ...factors.map((factor) =>
      axisOf(
        factor,
        scored.map((p) => valueOf(p, factor)),
        (p) => valueOf(p, factor),
      ),
    ),
    axisOf(
      TARGET_AXIS,
      scored.map((p) => p.targetMean!),
      (p) => p.targetMean!,
    ),
  ];
  const [lo, hi] = [Math.min(...scored.map((p) => p.targetMean!)), Math.max(...scored.map((p) => p.targetMean!))];
  const colour = (p: SweepRunPointDto) => viridis(hi > lo ? (p.targetMean! - lo) / (hi - lo) : 0.5);
  const data = axes.map((axis) => ({
    axis: axis.name,
    ...Object.fromEntries(scored.map((p) => [p.runId, axis.position(p)])),
  }));
  const href = (runId: string) => withSelection(`/runs/${encodeURIComponent(runId)}`, selection);
  return (
    <figure
      className="card"
      style={{ margin: 0 }}
      data-testid="parallel-coordinates"
      data-lines={scored.length}
      data-axes={axes.length}
    >
      <figcaption className="field-label">
        Parallel coordinates: one line per succeeded run, each axis scaled to its own range, coloured by target mean
        accuracy (%)
      </figcaption>
      <div className="chart" style={{ height: 340 }}>
        <ResponsiveContainer width="100%" height={340}>
          <LineChart data={data} margin={{ top: 16, right: 40, bottom: 4, left: 110 }}>
            <XAxis dataKey="axis" type="category" interval={0} tickLine={false} padding={{ left: 10, right: 10 }} />
            <YAxis type="number" domain={[0, 1]} hide />
            {axes.map((axis) => (
              <ReferenceLine key={axis.name} x={axis.name} stroke="var(--border)" strokeWidth={2} />
            ))}
            {axes.flatMap((axis) =>
              axis.ticks.map((tick) => (
                <ReferenceDot
                  key={`${axis.name}:${tick.label}`}
                  x={axis.name}
                  y={tick.position}
                  r={2}
                  fill="var(--muted)"
                  stroke="none"
                  label={{ value: tick.label, position: 'left', fontSize: 11 }}
                />
              )),
            )}
            {scored.map((p) => (
              <Line
                key={p.runId}
                type="linear"
                dataKey={p.runId}
                name={`${p.runId} (seed ${p.seed}, ${domainLabel(p.source)}): ${formatNumber(p.targetMean)} %`}
                stroke={colour(p)}
                strokeWidth={2}
                strokeOpacity={0.85}
                dot={{ r: 3, fill: colour(p), stroke: 'none' }}
                activeDot={{ r: 6, cursor: 'pointer', onClick: () => router.push(href(p.runId)) }}
                onClick={() => router.push(href(p.runId))}
                style={{ cursor: 'pointer' }}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <div className="legend" aria-hidden="true">
        <span>{formatNumber(lo)} %</span>
        <span
          style={{
            display: 'inline-block',
            width: 160,
            height: 10,
            borderRadius: 4,
            background: VIRIDIS_GRADIENT,
            alignSelf: 'center',
          }}
        />
        <span>{formatNumber(hi)} % target mean</span>
      </div>
      <details>
        <summary className="small">The runs, worst to best (each opens its run page)</summary>
        <ul className="small" data-testid="parallel-coordinates-runs">
          {scored.map((p) => (
            <li key={p.runId}>
              <span
                style={{
                  display: 'inline-block',
                  width: 10,
                  height: 10,
                  borderRadius: 2,
                  background: colour(p),
                  marginRight: 6,
                }}
              />
              <Link href={href(p.runId)} className="mono" data-testid={`explorer-run-${p.runId}`}>
                {p.runId}
              </Link>{' '}
              {domainLabel(p.source)}, seed {p.seed},{' '}
              {Object.entries(p.params)
                .map(([k, v]) => `${k}=${formatConfigValue(v)}`)
                .join(', ')}
              : {formatNumber(p.targetMean)} %
            </li>
          ))}
        </ul>
      </details>
    </figure>
  );
}

function ImportanceCharts({ importance }: { importance: SweepImportanceDto }) {
  const data = importance.factors.map((f) => ({
    factor: f.swept ? f.parameter : `${f.parameter} (not swept)`,
    correlation: f.correlation,
    permutation: f.permutation,
  }));
  const { forest } = importance;
  return (
    <div data-testid="importance" data-factors={importance.factors.length}>
      <div className="grid-2">
        <figure className="card" style={{ margin: 0 }} data-testid="importance-correlation">
          <figcaption className="field-label">|correlation| with the target mean (0 to 1)</figcaption>
          <div className="chart" style={{ height: 60 + 40 * data.length }}>
            <ResponsiveContainer width="100%" height={60 + 40 * data.length}>
              <BarChart data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 4, left: 8 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis type="number" domain={[0, 1]} />
                <YAxis type="category" dataKey="factor" width={150} />
                <Tooltip {...TOOLTIP_STYLE} formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : 'n/a')} />
                <Bar dataKey="correlation" name="|correlation|" fill={SERIES_COLORS[0]} isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </figure>
        <figure className="card" style={{ margin: 0 }} data-testid="importance-permutation">
          <figcaption className="field-label">
            Random-forest permutation importance: increase of out-of-bag MSE (pp²) when shuffled (at or below 0: no
            better than noise)
          </figcaption>
          <div className="chart" style={{ height: 60 + 40 * data.length }}>
            <ResponsiveContainer width="100%" height={60 + 40 * data.length}>
              <BarChart data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 4, left: 8 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis
                  type="number"
                  domain={[(min: number) => Math.min(0, min), (max: number) => Math.max(0, max)]}
                  tickFormatter={(v: number) => v.toFixed(1)}
                />
                <YAxis type="category" dataKey="factor" width={150} />
                <Tooltip {...TOOLTIP_STYLE} formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : 'n/a')} />
                <Bar dataKey="permutation" name="ΔMSE" fill={SERIES_COLORS[1]} isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </figure>
      </div>
      <div className="table-wrap">
        <table className="data" data-testid="importance-table">
          <thead>
            <tr>
              <th scope="col">Factor</th>
              <th scope="col">Read as</th>
              <th scope="col" className="num">
                |correlation|
              </th>
              <th scope="col">Correlation</th>
              <th scope="col" className="num">
                Permutation ΔMSE (pp²)
              </th>
            </tr>
          </thead>
          <tbody>
            {importance.factors.map((f) => (
              <tr
                key={f.parameter}
                data-testid={`importance-${f.parameter}`}
                data-correlation={f.correlation === null ? '' : f.correlation.toFixed(4)}
                data-permutation={f.permutation === null ? '' : f.permutation.toFixed(4)}
              >
                <th scope="row" className="mono">
                  {f.parameter}
                  {f.swept ? '' : ' (source domain, not swept)'}
                </th>
                <td>
                  {f.encoding === 'one-hot'
                    ? `one-hot, ${f.levels} values`
                    : f.encoding === 'boolean'
                      ? 'boolean as 0/1'
                      : `numeric, ${f.levels} values`}
                </td>
                <td className="num">{formatNumber(f.correlation, 3)}</td>
                <td className="small">
                  {f.correlationMethod === 'spearman'
                    ? "|Spearman's ρ|"
                    : 'largest |Pearson r| of one value vs the rest'}
                </td>
                <td className="num">{formatNumber(f.permutation, 3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small">
        Over {importance.runs} runs
        {importance.forestRuns < importance.runs ? ` (the forest on a seeded subset of ${importance.forestRuns})` : ''}:
        a random forest of {forest.trees} regression trees (bootstrap samples, depth ≤ {forest.maxDepth}, seed{' '}
        {forest.seed}), out-of-bag MSE {formatNumber(importance.baselineOobMse, 3)} pp²; each factor shuffled{' '}
        {forest.repeats} times across the runs. Both are associations over this sweep&apos;s runs, not causal effects;
        with few runs they are rough.
      </p>
    </div>
  );
}

/** Per varied parameter: target mean ± std over the runs with each value (the seeds), one series per source. */
function EffectCharts({ effects, parameters }: { effects: ParameterEffectDto[]; parameters: string[] }) {
  const sources = [...new Set(effects.map((e) => e.source))];
  return (
    <div className="grid-2" data-testid="effects-charts">
      {parameters.map((parameter) => {
        const rows = effects.filter((e) => e.parameter === parameter);
        if (rows.length === 0) return null;
        const values = [...new Set(rows.map((e) => String(e.value)))];
        const data = values.map((value) => ({
          value,
          ...Object.fromEntries(
            rows
              .filter((e) => String(e.value) === value)
              .flatMap((e) => [
                [`mean:${e.source}`, e.mean],
                [`std:${e.source}`, e.std ?? 0],
                [`runs:${e.source}`, e.runs],
              ]),
          ),
        }));
        return (
          <figure
            key={parameter}
            className="card"
            style={{ margin: 0 }}
            data-testid={`effects-chart-${parameter}`}
            data-points={rows.length}
            data-error-bars={rows.filter((e) => e.std !== null && e.std > 0).length}
          >
            <figcaption className="field-label">
              {parameter}: target mean accuracy (%), mean ± std over seeds, per source (no whisker: the seeds scored
              alike)
            </figcaption>
            <div className="chart" style={{ height: 280 }}>
              <ResponsiveContainer width="100%" height={280}>
                <LineChart data={data} margin={{ top: 10, right: 16, bottom: 4, left: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="value" padding={{ left: 30, right: 30 }} />
                  <YAxis domain={['auto', 'auto']} width={44} />
                  <Tooltip
                    {...TOOLTIP_STYLE}
                    formatter={(v, _name, item) => {
                      const key = String(item?.dataKey ?? '').replace(/^mean:/, '');
                      const row = (item?.payload ?? {}) as Record<string, number | undefined>;
                      return typeof v === 'number'
                        ? `${v.toFixed(2)} ± ${formatNumber(row[`std:${key}`])} (${row[`runs:${key}`] ?? '?'} runs)`
                        : String(v);
                    }}
                  />
                  <Legend />
                  {sources.map((source, index) => (
                    <Line
                      key={source}
                      type="linear"
                      dataKey={`mean:${source}`}
                      name={`trained on ${domainLabel(source)}`}
                      stroke={SERIES_COLORS[index % SERIES_COLORS.length]}
                      strokeWidth={2}
                      dot={{ r: 3 }}
                      connectNulls
                      isAnimationActive={false}
                    >
                      <ErrorBar
                        dataKey={`std:${source}`}
                        width={6}
                        strokeWidth={1.5}
                        stroke={SERIES_COLORS[index % SERIES_COLORS.length]}
                        direction="y"
                      />
                    </Line>
                  ))}
                </LineChart>
              </ResponsiveContainer>
            </div>
          </figure>
        );
      })}
    </div>
  );
}

/**
 * The sweep explorer: parallel coordinates of the runs, parameter importance, and accuracy vs each parameter with
 * seeds as error bars. Every number is the API's (`GET /sweeps/:id` under the selection in force); nothing here is
 * computed from raw evaluations.
 */
export function SweepExplorer({
  points,
  effects,
  importance,
  parameters,
  selection,
}: {
  points: SweepRunPointDto[];
  effects: ParameterEffectDto[];
  importance: SweepImportanceDto;
  parameters: string[];
  selection: ModelSelection;
}) {
  const factors = importance.factors.map((f) => f.parameter);
  return (
    <section aria-label="Sweep explorer" data-testid="sweep-explorer">
      <ParallelCoordinates points={points} factors={factors.length > 0 ? factors : parameters} selection={selection} />
      <h3>Parameter importance</h3>
      <ImportanceCharts importance={importance} />
      <h3>Accuracy vs each parameter, seeds as error bars</h3>
      <EffectCharts effects={effects} parameters={parameters} />
    </section>
  );
}
