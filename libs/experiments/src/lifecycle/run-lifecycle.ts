import type { EvaluationCheckpoint, ExpectedEvaluation, LifecycleRun, RunLedger } from './run-ledger';
import { recordRunOutcome } from './webhook-events';

/** The checkpoints a trained run is scored at: the last epoch and, when a source split was held out, its best. */
export function evaluationCheckpoints(sourceValFraction: number): EvaluationCheckpoint[] {
  return sourceValFraction > 0 ? ['last', 'source-val'] : ['last'];
}

/**
 * The evaluations a trained run owes: the newest ready dataset of each target domain at each of its checkpoints.
 * A domain with no ready dataset owes nothing (yet).
 */
export function expectedEvaluations(
  run: LifecycleRun,
  newestDatasets: ReadonlyMap<string, string>,
): ExpectedEvaluation[] {
  const checkpoints = evaluationCheckpoints(run.sourceValFraction);
  return run.targets.flatMap((domain) => {
    const datasetId = newestDatasets.get(domain);
    return datasetId ? checkpoints.map((checkpoint) => ({ datasetId, domain, checkpoint })) : [];
  });
}

/** Expected evaluations not written yet. */
export function unwrittenEvaluations(
  expected: readonly ExpectedEvaluation[],
  written: readonly { datasetId: string; checkpoint: string }[],
): ExpectedEvaluation[] {
  const done = new Set(written.map((e) => `${e.datasetId}:${e.checkpoint}`));
  return expected.filter((e) => !done.has(`${e.datasetId}:${e.checkpoint}`));
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
