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

/**
 * What a trained run still owes, read from the ledger. Shared by the worker (which enqueues the evaluations) and the
 * reconciler (which restores the missing ones).
 */
export async function missingEvaluations(ledger: RunLedger, run: LifecycleRun): Promise<ExpectedEvaluation[]> {
  const [newest, written] = await Promise.all([
    ledger.newestReadyDatasets(run.targets),
    ledger.writtenEvaluations(run.id),
  ]);
  return unwrittenEvaluations(expectedEvaluations(run, newest), written);
}

/** Closes a run once every evaluation it owes is written, and records its outcome. Idempotent; true when this call closed it. */
export async function completeRunIfEvaluated(ledger: RunLedger, run: LifecycleRun): Promise<boolean> {
  if ((await missingEvaluations(ledger, run)).length > 0) return false;
  const closed = await ledger.closeSucceeded(run.id);
  if (closed) await recordRunOutcome(ledger, run.id);
  return closed;
}
