'use client';

import type { RunDetailDto } from '@fer/contracts';
import { useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { SERIES_COLORS, TOOLTIP_STYLE } from '@/lib/chart-colors';
import { domainLabel } from '@/lib/format';

const CURVES = [
  { key: 'lossTotal', label: 'Total loss', percent: false },
  { key: 'trainAccuracy', label: 'Train accuracy (%)', percent: true },
  { key: 'sourceValAccuracy', label: 'Source-val accuracy (%)', percent: true },
  { key: 'targetMean', label: 'Target mean accuracy (%), scored epochs', percent: true },
] as const;

/** Exponential moving average, as experiment trackers smooth curves (0 = raw). */
function smooth(values: (number | null)[], weight: number): (number | null)[] {
  let last: number | null = null;
  return values.map((value) => {
    if (value === null) return null;
    last = last === null ? value : last * weight + value * (1 - weight);
    return last;
  });
}

/** Per run and epoch: the training metrics and the mean over the targets (not the source) scored at that epoch. */
function series(run: RunDetailDto, key: (typeof CURVES)[number]['key']): Map<number, number | null> {
  if (key === 'targetMean') {
    const byEpoch = new Map<number, number[]>();
    for (const e of run.evaluations) {
      if (e.domain === run.run.sourceDomain) continue;
      byEpoch.set(e.epoch, [...(byEpoch.get(e.epoch) ?? []), e.accuracy * 100]);
    }
    return new Map([...byEpoch].map(([epoch, values]) => [epoch, values.reduce((a, b) => a + b, 0) / values.length]));
  }
  return new Map(
    run.metrics.map((m) => [m.epoch, m[key] === null ? null : key === 'lossTotal' ? m[key] : (m[key] as number) * 100]),
  );
}

export function CompareCurves({ runs }: { runs: RunDetailDto[] }) {
  const [weight, setWeight] = useState(0);
  const [log, setLog] = useState(false);
  return (
    <div data-testid="compare-curves">
      <div className="controls">
        <div className="field">
          <label htmlFor="compare-smoothing">Smoothing {weight.toFixed(2)}</label>
          <input
            id="compare-smoothing"
            type="range"
            min={0}
            max={0.95}
            step={0.05}
            value={weight}
            onChange={(event) => setWeight(Number(event.target.value))}
            data-testid="compare-smoothing"
          />
        </div>
        <label className="small">
          <input
            type="checkbox"
            checked={log}
            onChange={(event) => setLog(event.target.checked)}
            data-testid="compare-log"
          />{' '}
          log scale (loss)
        </label>
      </div>
      <div className="grid-2">
        {CURVES.map((curve) => {
          const perRun = runs.map((run) => series(run, curve.key));
          const epochs = [...new Set(perRun.flatMap((s) => [...s.keys()]))].sort((a, b) => a - b);
          const smoothed = perRun.map((s) =>
            smooth(
              epochs.map((e) => s.get(e) ?? null),
              weight,
            ),
          );
          const data = epochs.map((epoch, i) =>
            Object.fromEntries([['epoch', epoch], ...runs.map((run, r) => [run.run.id, smoothed[r][i]])]),
          );
          const logScale = log && !curve.percent;
          return (
            <figure
              key={curve.key}
              className="card"
              style={{ margin: 0 }}
              data-testid={`compare-curve-${curve.key}`}
              data-lines={runs.length}
            >
              <figcaption className="field-label">{curve.label}</figcaption>
              <div className="chart" style={{ height: 260 }}>
                <ResponsiveContainer width="100%" height={260}>
                  <LineChart data={data} margin={{ top: 10, right: 16, bottom: 4, left: 0 }}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="epoch" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} />
                    <YAxis
                      width={48}
                      scale={logScale ? 'log' : 'auto'}
                      domain={logScale ? ['auto', 'auto'] : curve.percent ? [0, 100] : ['auto', 'auto']}
                    />
                    <Tooltip {...TOOLTIP_STYLE} formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} />
                    <Legend />
                    {runs.map((run, r) => (
                      <Line
                        key={run.run.id}
                        dataKey={run.run.id}
                        name={`${run.run.method} s${run.run.seed} (${run.run.id.slice(-6)})`}
                        stroke={SERIES_COLORS[r % SERIES_COLORS.length]}
                        dot={epochs.length < 30}
                        connectNulls
                        isAnimationActive={false}
                      />
                    ))}
                  </LineChart>
                </ResponsiveContainer>
              </div>
            </figure>
          );
        })}
      </div>
    </div>
  );
}

/** Accuracy per domain under the selection, one bar per run, side by side. */
export function CompareDomainBars({ runs }: { runs: RunDetailDto[] }) {
  const domains = [...new Set(runs.flatMap((r) => r.targets))];
  const data = domains.map((domain) =>
    Object.fromEntries([
      ['domain', domainLabel(domain)],
      ...runs.map((run) => {
        const e = run.selected.evaluations.find((x) => x.domain === domain);
        return [run.run.id, e ? e.accuracy * 100 : null];
      }),
    ]),
  );
  return (
    <figure
      className="card"
      style={{ margin: 0 }}
      data-testid="compare-domain-bars"
      data-bars={runs.length * domains.length}
    >
      <figcaption className="field-label">Accuracy per domain (%), under the selection</figcaption>
      <div className="chart" style={{ height: 300 }}>
        <ResponsiveContainer width="100%" height={300}>
          <BarChart data={data} margin={{ top: 10, right: 16, bottom: 4, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="domain" />
            <YAxis domain={[0, 100]} width={40} />
            <Tooltip {...TOOLTIP_STYLE} formatter={(v) => (typeof v === 'number' ? v.toFixed(2) : String(v))} />
            <Legend />
            {runs.map((run, r) => (
              <Bar
                key={run.run.id}
                dataKey={run.run.id}
                name={`${run.run.method} s${run.run.seed}`}
                fill={SERIES_COLORS[r % SERIES_COLORS.length]}
                isAnimationActive={false}
              />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
