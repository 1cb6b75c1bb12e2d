import type { EarlyStopping } from '@fer/contracts';
import { createHash } from 'node:crypto';

/**
 * Asynchronous successive halving as Ray Tune's ASHA scheduler (and AsyncHyperBand) applies it: bracket s has rungs at
 * minEpochs x reductionFactor^(s + k) epochs, below the run's last epoch. A run reaching a rung is compared with the
 * values recorded there before it: it stops when below their (1 - 1/reductionFactor) quantile; the first to reach a
 * rung always continues. Pure rules; where results are stored and locked is the caller's business.
 */

/** Brackets of a stopping rule: 1 for ASHA; for hyperband one per minimum resource that leaves at least one rung. */
export function bracketCount(rule: EarlyStopping, maxEpochs: number): number {
  if (rule.kind === 'asha') return 1;
  let brackets = 0;
  while (rule.minEpochs * rule.reductionFactor ** brackets < maxEpochs) brackets++;
  return Math.max(1, brackets);
}

/** The rung epochs of a bracket, ascending. Empty when the run is too short to be stopped. */
export function rungEpochs(rule: EarlyStopping, maxEpochs: number, bracket = 0): number[] {
  const rungs: number[] = [];
  for (let k = 0; ; k++) {
    const epoch = rule.minEpochs * rule.reductionFactor ** (bracket + k);
    if (epoch >= maxEpochs) return rungs;
    rungs.push(epoch);
  }
}

/** A run's bracket: fixed by its id, so a retried or resumed run lands in the same one. */
export function bracketOf(runId: string, brackets: number): number {
  if (brackets <= 1) return 0;
  return createHash('sha256').update(runId).digest().readUInt32LE(0) % brackets;
}

/** The rung an epoch reports to: the rung whose epoch it is, if any. */
export function rungAt(epoch: number, rungs: readonly number[]): number | null {
  return rungs.includes(epoch) ? epoch : null;
}

/** numpy.percentile's default (linear interpolation between the order statistics). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (p / 100) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

export interface RungDecision {
  stop: boolean;
  /** The quantile the value was compared with; null for the first run at the rung. */
  cutoff: number | null;
  /** Values recorded at the rung before this one. */
  compared: number;
}

/** Whether a run reaching a rung with `value` stops, given the values recorded there before it (higher is better). */
export function rungDecision(recorded: readonly number[], value: number, reductionFactor: number): RungDecision {
  if (recorded.length === 0) return { stop: false, cutoff: null, compared: 0 };
  const cutoff = percentile(recorded, (1 - 1 / reductionFactor) * 100);
  return { stop: value < cutoff, cutoff, compared: recorded.length };
}
