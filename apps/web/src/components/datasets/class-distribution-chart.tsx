'use client';

import { Bar, BarChart, CartesianGrid, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { SERIES_COLORS, TOOLTIP_STYLE } from '@/lib/chart-colors';
import { capitalize } from '@/lib/format';

export function ClassDistributionChart({
  split,
  classes,
  perClass,
  colorIndex,
}: {
  split: string;
  classes: readonly string[];
  perClass: number[];
  colorIndex: number;
}) {
  const data = classes.map((name, index) => ({ name: capitalize(name), count: perClass[index] ?? 0 }));
  return (
    <div className="chart" style={{ height: 240 }} data-testid={`class-distribution-${split}`}>
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={data} margin={{ top: 20, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" interval={0} tick={{ fontSize: 12 }} />
          <YAxis width={52} />
          <Tooltip {...TOOLTIP_STYLE} cursor={{ fill: 'var(--surface-2)' }} />
          <Bar
            dataKey="count"
            name={`${split} images`}
            fill={SERIES_COLORS[colorIndex % SERIES_COLORS.length]}
            isAnimationActive={false}
          >
            <LabelList dataKey="count" position="top" fontSize={11} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
