'use client';

import type { AblationRow } from '@fer/contracts';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { SERIES_COLORS, TOOLTIP_STYLE } from '@/lib/chart-colors';
import { domainLabel } from '@/lib/format';

/** Small multiples: one chart per varied parameter, its values on x, mean accuracy (and per domain) on y. */
export function AblationCharts({
  rows,
  parameters,
  domains,
}: {
  rows: AblationRow[];
  parameters: string[];
  domains: string[];
}) {
  return (
    <div className="grid-2" data-testid="ablation-charts">
      {parameters.map((parameter) => {
        const data = rows
          .filter((row) => row.parameter === parameter)
          .map((row) => ({ value: String(row.value), mean: row.mean, ...row.perDomain }));
        if (data.length === 0) return null;
        return (
          <figure key={parameter} className="card" style={{ margin: 0 }} data-testid={`ablation-chart-${parameter}`}>
            <figcaption className="field-label">{parameter} vs accuracy (%)</figcaption>
            <div className="chart" style={{ height: 280 }}>
              <ResponsiveContainer width="100%" height={280}>
                <LineChart data={data} margin={{ top: 10, right: 16, bottom: 4, left: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="value" />
                  <YAxis domain={['auto', 'auto']} width={44} />
                  <Tooltip {...TOOLTIP_STYLE} formatter={(v) => (typeof v === 'number' ? v.toFixed(2) : String(v))} />
                  <Legend />
                  <Line
                    type="linear"
                    dataKey="mean"
                    name="Mean"
                    stroke="currentColor"
                    strokeWidth={3}
                    dot={{ r: 4 }}
                    connectNulls
                    isAnimationActive={false}
                  />
                  {domains.map((domain, index) => (
                    <Line
                      key={domain}
                      type="linear"
                      dataKey={domain}
                      name={domainLabel(domain)}
                      stroke={SERIES_COLORS[index % SERIES_COLORS.length]}
                      strokeDasharray="4 3"
                      dot={{ r: 2 }}
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
  );
}
