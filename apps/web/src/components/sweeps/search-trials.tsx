'use client';

import type { ModelSelection, SweepTrialDto } from '@fer/contracts';
import Link from 'next/link';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { SERIES_COLORS, TOOLTIP_STYLE } from '@/lib/chart-colors';
import { formatConfigValue, formatNumber } from '@/lib/format';
import { withSelection } from '@/lib/selection';

export type ObjectiveGoal = 'maximize' | 'minimize';

/** A sampled value, short: 4 significant digits for a fraction (the full value is in the spec and the run). */
function formatParam(value: string | number | boolean | undefined): string {
  if (value === undefined) return '—';
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toPrecision(4)));
  return formatConfigValue(value);
}

/** Best objective value seen up to each trial (finished trials with a value only); null until the first one. */
export function bestSoFar(trials: SweepTrialDto[], goal: ObjectiveGoal): (number | null)[] {
  let best: number | null = null;
  return trials.map((trial) => {
    if (trial.finished && trial.value !== null) {
      if (best === null || (goal === 'maximize' ? trial.value > best : trial.value < best)) best = trial.value;
    }
    return best;
  });
}

/**
 * A tpe search's trials: the objective of each finished trial and the best so far against the trial index (how fast
 * the search converges), then one row per trial: how it was proposed (random startup draw or TPE on the finished
 * trials), its parameters, its value and its runs.
 */
export function SearchTrials({
  trials,
  goal,
  objective,
  selection,
}: {
  trials: SweepTrialDto[];
  goal: ObjectiveGoal;
  /** How the objective is named, e.g. "target-mean (source-val)". */
  objective: string;
  selection: ModelSelection;
}) {
  const ordered = [...trials].sort((a, b) => a.index - b.index);
  const best = bestSoFar(ordered, goal);
  const finalBest = best.length ? best[best.length - 1] : null;
  const bestTrial = finalBest === null ? undefined : ordered.find((t) => t.finished && t.value === finalBest);
  const data = ordered.map((trial, i) => ({
    index: trial.index,
    value: trial.finished ? trial.value : null,
    best: best[i],
  }));
  const parameters = [...new Set(ordered.flatMap((trial) => Object.keys(trial.params)))].sort();
  const finished = ordered.filter((t) => t.finished).length;
  return (
    <>
      <p className="muted small" data-testid="trials-summary">
        {ordered.length} trial{ordered.length === 1 ? '' : 's'} proposed, {finished} finished; objective {objective},{' '}
        {goal === 'maximize' ? 'higher is better' : 'lower is better'}
        {finalBest !== null && bestTrial && (
          <>
            ; best so far {formatNumber(finalBest)} (trial {bestTrial.index})
          </>
        )}
        .
      </p>
      {data.some((d) => d.value !== null) && (
        <figure
          className="card"
          style={{ margin: '0 0 12px' }}
          data-testid="trials-chart"
          data-points={data.filter((d) => d.value !== null).length}
          data-best={finalBest === null ? '' : finalBest.toFixed(2)}
        >
          <figcaption className="field-label">Objective per trial and best so far, by trial index</figcaption>
          <div className="chart" style={{ height: 260 }}>
            <ResponsiveContainer width="100%" height={260}>
              <LineChart data={data} margin={{ top: 10, right: 16, bottom: 4, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="index" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} />
                <YAxis domain={['auto', 'auto']} width={44} />
                <Tooltip
                  {...TOOLTIP_STYLE}
                  labelFormatter={(label) => `trial ${String(label)}`}
                  formatter={(v) => (typeof v === 'number' ? v.toFixed(2) : String(v))}
                />
                <Legend />
                <Line
                  type="linear"
                  dataKey="value"
                  name="trial value"
                  legendType="circle"
                  stroke="none"
                  dot={{ r: 3, fill: SERIES_COLORS[0], stroke: SERIES_COLORS[0] }}
                  isAnimationActive={false}
                  connectNulls={false}
                />
                <Line
                  type="stepAfter"
                  dataKey="best"
                  name="best so far"
                  stroke={SERIES_COLORS[1]}
                  strokeWidth={2}
                  dot={false}
                  isAnimationActive={false}
                  connectNulls
                />
              </LineChart>
            </ResponsiveContainer>
          </div>
        </figure>
      )}
      <div className="table-wrap tall">
        <table className="data" data-testid="trials-table">
          <thead>
            <tr>
              <th scope="col" className="num">
                Trial
              </th>
              <th scope="col">Proposed by</th>
              {parameters.map((name) => (
                <th key={name} scope="col" className="mono">
                  {name}
                </th>
              ))}
              <th scope="col" className="num">
                Value
              </th>
              <th scope="col">Finished</th>
              <th scope="col">Runs</th>
            </tr>
          </thead>
          <tbody>
            {ordered.map((trial) => (
              <tr
                key={trial.index}
                data-testid={`trial-row-${trial.index}`}
                data-source={trial.source}
                data-value={trial.value === null ? '' : trial.value.toFixed(2)}
              >
                <th scope="row" className="num">
                  {trial.index}
                </th>
                <td>{trial.source === 'tpe' ? `TPE (on ${trial.observed} finished)` : 'startup (random)'}</td>
                {parameters.map((name) => (
                  <td key={name} className="mono" title={formatConfigValue(trial.params[name])}>
                    {formatParam(trial.params[name])}
                  </td>
                ))}
                <td className={`num${bestTrial?.index === trial.index ? ' cell-best' : ''}`}>
                  <span className="cell-mean">{formatNumber(trial.value)}</span>
                  {bestTrial?.index === trial.index && <span className="visually-hidden"> (best)</span>}
                </td>
                <td>{trial.finished ? 'yes' : 'open'}</td>
                <td className="small">
                  {trial.runIds.length === 0
                    ? '—'
                    : trial.runIds.map((runId, i) => (
                        <span key={runId}>
                          {i > 0 && ', '}
                          <Link
                            prefetch={false}
                            href={withSelection(`/runs/${encodeURIComponent(runId)}`, selection)}
                            className="mono"
                          >
                            {runId}
                          </Link>
                        </span>
                      ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
