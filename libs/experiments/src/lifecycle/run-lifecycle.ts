import type { EvaluationCheckpoint, ExpectedEvaluation, LifecycleRun, RunLedger } from './run-ledger';
import { recordRunOutcome } from './webhook-events';

/**
 * The epochs a trained run must be scored at, whatever else training scored: the last epoch and, when a source split
 * was held out, its best epoch there (each has a kept checkpoint). The oracle reads whatever epochs were stored.
 */
export function selectionEpochs(run: LifecycleRun): { epoch: number; checkpoint: EvaluationCheckpoint }[] {
  const epochs: { epoch: number; checkpoint: EvaluationCheckpoint }[] = [{ epoch: run.epochs, checkpoint: 'last' }];
  if (run.sourceValBestEpoch !== null && run.sourceValBestEpoch !== run.epochs)
    epochs.push({ epoch: run.sourceValBestEpoch, checkpoint: 'source-val' });
  return epochs;
}

/**
 * The evaluations a trained run owes: the newest ready dataset of each target domain at each selection's epoch.
 * A domain with no ready dataset owes nothing (yet).
 */
export function expectedEvaluations(
  run: LifecycleRun,
  newestDatasets: ReadonlyMap<string, string>,
): ExpectedEvaluation[] {
  const epochs = selectionEpochs(run);
  return run.targets.flatMap((domain) => {
    const datasetId = newestDatasets.get(domain);
    return datasetId ? epochs.map(({ epoch, checkpoint }) => ({ datasetId, domain, epoch, checkpoint })) : [];
  });
}

/** Expected evaluations not written yet. */
export function unwrittenEvaluations(
  expected: readonly ExpectedEvaluation[],
  written: readonly { datasetId: string; epoch: number }[],
): ExpectedEvaluation[] {
  const done = new Set(written.map((e) => `${e.datasetId}:${e.epoch}`));
  return expected.filter((e) => !done.has(`${e.datasetId}:${e.epoch}`));
}

/** Target domains with no ready dataset: a run cannot be scored there, and must fail saying so, never succeed without them. */
export function unavailableTargets(run: LifecycleRun, newestDatasets: ReadonlyMap<string, string>): string[] {
  return run.targets.filter((domain) => !newestDatasets.has(domain));
}

/**
 * What a trained run still owes, read from the ledger, and the targets it cannot be scored on. Shared by the worker
 * (which enqueues the evaluations, or fails the run) and the reconciler (which restores the missing ones).
 */
export async function owedEvaluations(
  ledger: RunLedger,
  run: LifecycleRun,
): Promise<{ missing: ExpectedEvaluation[]; unavailable: string[] }> {
  const [newest, written] = await Promise.all([
    ledger.newestReadyDatasets(run.targets),
    ledger.writtenEvaluations(run.id),
  ]);
  return {
    missing: unwrittenEvaluations(expectedEvaluations(run, newest), written),
    unavailable: unavailableTargets(run, newest),
  };
}

export async function missingEvaluations(ledger: RunLedger, run: LifecycleRun): Promise<ExpectedEvaluation[]> {
  return (await owedEvaluations(ledger, run)).missing;
}

/** Errors are kept to this many characters on the run. */
const MAX_ERROR_LENGTH = 2000;

/**
 * Ends an open run `failed` with its error and announces it. The outcome is recorded even when the run was closed
 * already (delivery ids make that a no-op), so a retried call whose first try closed the run but lost the event
 * still announces it.
 */
export async function failRun(ledger: RunLedger, runId: string, error: string): Promise<void> {
  await ledger.closeFailed(runId, error.slice(0, MAX_ERROR_LENGTH));
  await recordRunOutcome(ledger, runId);
}

/** The error a run ends with when targets have no ready dataset. */
export function unavailableTargetsError(domains: readonly string[]): string {
  return `no ready dataset for target domain${domains.length > 1 ? 's' : ''} ${domains.join(', ')} (deleted, or its import failed): import it, then retry the run`;
}

/**
 * Closes a run once every evaluation it owes is written (and every target had a dataset to score), and records its
 * outcome. Idempotent; true when this call closed it.
 */
export async function completeRunIfEvaluated(ledger: RunLedger, run: LifecycleRun): Promise<boolean> {
  const owed = await owedEvaluations(ledger, run);
  if (owed.missing.length > 0 || owed.unavailable.length > 0) return false;
  const closed = await ledger.closeSucceeded(run.id);
  if (closed) await recordRunOutcome(ledger, run.id);
  return closed;
}

/** The id of a run's score on one dataset at one epoch. */
export function evaluationId(runId: string, datasetId: string, epoch: number): string {
  return `${runId}.${datasetId}.e${epoch}`;
}

/** The error a run ends with when a target dataset lacks the split it must be scored on (never another split). */
export function missingSplitError(dataset: { name: string; version: number; domain: string }, split: string, runId: string): string {
  return `dataset "${dataset.name}" v${dataset.version} (${dataset.domain}) has no ${split} split to score run ${runId} on: import one, or create the run with a targetSplit it has`;
}
