'use client';

import type { EpochMetrics } from '@fer/contracts';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { SERIES_COLORS, TOOLTIP_STYLE } from '@/lib/chart-colors';
import { accuracyPercent } from '@/lib/format';

const LOSSES = [
  { key: 'lossTotal', name: 'Total loss' },
  { key: 'lossCE', name: 'Cross-entropy' },
  { key: 'lossDiverse', name: 'Channel-diverse' },
  { key: 'lossSeparation', name: 'Separation' },
] as const;

export function RunCurves({ metrics }: { metrics: EpochMetrics[] }) {
  const data = metrics.map((m) => ({
    ...m,
    trainPercent: accuracyPercent(m.trainAccuracy),
    sourceValPercent: accuracyPercent(m.sourceValAccuracy),
  }));
  const last = metrics[metrics.length - 1];
  return (
    <div data-testid="run-curve" data-points={metrics.length} data-last-epoch={last?.epoch ?? ''}>
      {metrics.length === 0 ? (
        <p className="muted" data-testid="run-curve-empty">
          No epoch has finished yet; the curves start drawing after the first one.
        </p>
      ) : (
        <div className="grid-2">
          <figure className="card" style={{ margin: 0 }}>
            <figcaption className="field-label">Loss terms per epoch</figcaption>
            <div className="chart" style={{ height: 280 }}>
              <ResponsiveContainer width="100%" height={280}>
                <LineChart data={data} margin={{ top: 10, right: 16, bottom: 4, left: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="epoch" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} />
                  <YAxis width={48} />
                  <Tooltip {...TOOLTIP_STYLE} formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))} />
                  <Legend />
                  {LOSSES.map((loss, index) => (
                    <Line
                      key={loss.key}
                      dataKey={loss.key}
                      name={loss.name}
                      stroke={SERIES_COLORS[index]}
                      strokeWidth={loss.key === 'lossTotal' ? 2.5 : 1.5}
                      dot={metrics.length < 30}
                      isAnimationActive={false}
                    />
                  ))}
                </LineChart>
              </ResponsiveContainer>
            </div>
          </figure>
          <figure className="card" style={{ margin: 0 }}>
            <figcaption className="field-label">Accuracy per epoch (%)</figcaption>
            <div className="chart" style={{ height: 280 }}>
              <ResponsiveContainer width="100%" height={280}>
                <LineChart data={data} margin={{ top: 10, right: 16, bottom: 4, left: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="epoch" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} />
                  <YAxis width={48} domain={[0, 100]} />
                  <Tooltip {...TOOLTIP_STYLE} formatter={(v) => (typeof v === 'number' ? v.toFixed(2) : String(v))} />
                  <Legend />
                  <Line
                    dataKey="trainPercent"
                    name="Train"
                    stroke={SERIES_COLORS[0]}
                    strokeWidth={2}
                    dot={metrics.length < 30}
                    isAnimationActive={false}
                  />
                  <Line
                    dataKey="sourceValPercent"
                    name="Source validation"
                    stroke={SERIES_COLORS[1]}
                    strokeWidth={2}
                    dot={metrics.length < 30}
                    connectNulls
                    isAnimationActive={false}
                  />
                </LineChart>
              </ResponsiveContainer>
            </div>
          </figure>
        </div>
      )}
    </div>
  );
}
