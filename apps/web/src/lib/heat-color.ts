/**
 * A blue scale for heatmaps. Mid-blue is too dark for dark text and too light for white text at
 * WCAG AA, so the scale skips it: the lower half uses light blues with dark text, the upper half
 * deep blues with white text. Cells set their own colours, so they read the same in dark mode.
 */
export function heatColor(value: number | null, min: number, max: number): { background: string; color: string } {
  if (value === null || !Number.isFinite(value)) return { background: 'transparent', color: 'inherit' };
  const t = max > min ? Math.min(1, Math.max(0, (value - min) / (max - min))) : 0.5;
  if (t < 0.5) return { background: `hsl(214 70% ${(94 - t * 72).toFixed(1)}%)`, color: '#0b1320' };
  return { background: `hsl(214 70% ${(46 - (t - 0.5) * 40).toFixed(1)}%)`, color: '#ffffff' };
}
