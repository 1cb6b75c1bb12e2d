import { TERMINAL_RUN_STATUSES, type RunStatus, type SearchObjective } from '@fer/contracts';
import type { ParameterValue } from './sample-distribution';
import type { TpeObservation } from './tpe';

/** What the objective of one run needs: its scores under the objective's selection (accuracies in 0..1). */
export interface ObjectiveRun {
  id: string;
  trial: number | null;
  status: RunStatus;
  sourceDomain: string;
  targets: string[];
  /** Source-val accuracy at the epoch the selection picks (`source-val`: its best; `last`: the last trained epoch). */
  sourceVal: number | null;
  /** Accuracy per scored domain at the epoch the selection picks. */
  selected: Record<string, number>;
}

/**
 * One run's objective in percent: `source-val`, `target-mean` (its targets other than its source) or one domain; null
 * when the run has no such number (failed, cancelled, not scored there).
 */
export function runObjectiveValue(run: ObjectiveRun, objective: SearchObjective): number | null {
  if (run.status !== 'succeeded' && run.status !== 'pruned') return null;
  if (objective.metric === 'source-val') return run.sourceVal === null ? null : run.sourceVal * 100;
  if (objective.metric === 'target-mean') {
    const values = run.targets.filter((d) => d !== run.sourceDomain && run.selected[d] !== undefined).map((d) => run.selected[d]);
    return values.length === 0 ? null : (values.reduce((a, b) => a + b, 0) / values.length) * 100;
  }
  const value = run.selected[objective.metric];
  return value === undefined ? null : value * 100;
}

export interface TrialState {
  index: number;
  params: Record<string, ParameterValue>;
  /** Every run of the trial ended (succeeded, pruned, failed or cancelled). */
  finished: boolean;
  /** Mean of its runs' objective values; null while open, or when no run produced one. */
  value: number | null;
  runs: number;
}

/**
 * The trials' states from their runs, and the history TPE models: the finished trials with a value, in trial order
 * (a trial whose runs all failed spends budget but teaches the model nothing).
 */
export function trialStates(
  trials: readonly { index: number; params: Record<string, ParameterValue> }[],
  runs: readonly ObjectiveRun[],
  objective: SearchObjective,
): { states: TrialState[]; history: TpeObservation[] } {
  const byTrial = new Map<number, ObjectiveRun[]>();
  for (const run of runs) if (run.trial !== null) byTrial.set(run.trial, [...(byTrial.get(run.trial) ?? []), run]);
  const states = [...trials]
    .sort((a, b) => a.index - b.index)
    .map((trial) => {
      const own = byTrial.get(trial.index) ?? [];
      const finished = own.length > 0 && own.every((run) => TERMINAL_RUN_STATUSES.includes(run.status));
      const values = own.map((run) => runObjectiveValue(run, objective)).filter((v): v is number => v !== null);
      const value = finished && values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null;
      return { index: trial.index, params: trial.params, finished, value, runs: own.length };
    });
  const history = states.filter((s) => s.value !== null).map((s) => ({ params: s.params, value: s.value! }));
  return { states, history };
}
