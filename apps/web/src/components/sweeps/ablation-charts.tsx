'use client';

import type { AblationRow } from '@fer/contracts';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { SERIES_COLORS, TOOLTIP_STYLE } from '@/lib/chart-colors';
import { domainLabel } from '@/lib/format';

/**
 * Small multiples: one chart per varied parameter, its values on x, the target mean (accuracy % on the domains the
 * runs did not train on) on y, one line per source domain: in-domain accuracy never enters these lines.
 */
export function AblationCharts({ rows, parameters }: { rows: AblationRow[]; parameters: string[] }) {
  const sources = [...new Set(rows.map((row) => row.source))];
  return (
    <div className="grid-2" data-testid="ablation-charts">
      {parameters.map((parameter) => {
        const values = [...new Set(rows.filter((row) => row.parameter === parameter).map((row) => String(row.value)))];
        if (values.length === 0) return null;
        const data = values.map((value) => ({
          value,
          ...Object.fromEntries(
            rows
              .filter((row) => row.parameter === parameter && String(row.value) === value)
              .map((row) => [`source:${row.source}`, row.targetMean]),
          ),
        }));
        return (
          <figure key={parameter} className="card" style={{ margin: 0 }} data-testid={`ablation-chart-${parameter}`}>
            <figcaption className="field-label">{parameter} vs target mean accuracy (%), per source</figcaption>
            <div className="chart" style={{ height: 280 }}>
              <ResponsiveContainer width="100%" height={280}>
                <LineChart data={data} margin={{ top: 10, right: 16, bottom: 4, left: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="value" />
                  <YAxis domain={['auto', 'auto']} width={44} />
                  <Tooltip {...TOOLTIP_STYLE} formatter={(v) => (typeof v === 'number' ? v.toFixed(2) : String(v))} />
                  <Legend />
                  {sources.map((source, index) => (
                    <Line
                      key={source}
                      type="linear"
                      dataKey={`source:${source}`}
                      name={`trained on ${domainLabel(source)}`}
                      stroke={SERIES_COLORS[index % SERIES_COLORS.length]}
                      strokeWidth={2}
                      dot={{ r: 3 }}
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
