/** Mid-tone series colours that stay distinguishable on light and dark backgrounds (Okabe-Ito based). */
export const SERIES_COLORS = ['#3b82f6', '#e69f00', '#10a37f', '#d55e00', '#cc79a7', '#56b4e9', '#a3a3a3', '#b8860b'];

export const TOOLTIP_STYLE = {
  contentStyle: {
    background: 'var(--surface)',
    border: '1px solid var(--border)',
    borderRadius: 6,
    color: 'var(--fg)',
  },
  labelStyle: { color: 'var(--fg)', fontWeight: 600 },
  itemStyle: { color: 'var(--fg)' },
} as const;
