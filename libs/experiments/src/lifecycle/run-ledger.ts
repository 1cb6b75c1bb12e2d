import type { RunStatus } from '@fer/contracts';

/** The saved checkpoints an evaluation can be scored from after training: the last epoch, the source-val best. */
export type EvaluationCheckpoint = 'last' | 'source-val';

/** One evaluation a trained run owes: a target dataset scored at the epoch a selection picks. */
export interface ExpectedEvaluation {
  datasetId: string;
  domain: string;
  epoch: number;
  /** The kept checkpoint of that epoch, to score it from when training did not. */
  checkpoint: EvaluationCheckpoint;
}

/** What the lifecycle rules need to know of a run. */
export interface LifecycleRun {
  id: string;
  targets: string[];
  /** The run's last epoch (its configured epochs). */
  epochs: number;
  /** The epoch best on the held-out source split; null when the run holds nothing out (or has not trained). */
  sourceValBestEpoch: number | null;
}

/** A run's terminal facts, as a webhook reports them. */
export interface RunOutcome {
  id: string;
  sweepId: string | null;
  status: RunStatus;
  sourceDomain: string;
  seed: number;
  error: string | null;
}

export interface WebhookDeliveryDraft {
  id: string;
  webhookId: string;
  event: string;
  payload: object;
}

/**
 * The storage the lifecycle rules read and write, and nothing more. PostgreSQL implements it
 * (`prismaRunLedger` in @fer/db); the rules in this folder never see a query.
 */
export interface RunLedger {
  /** The newest ready dataset of each domain that has one: domain -> dataset id. */
  newestReadyDatasets(domains: string[]): Promise<Map<string, string>>;
  writtenEvaluations(runId: string): Promise<{ datasetId: string; epoch: number }[]>;
  /** Marks a trained, still open run succeeded; false when it was not open (or not trained). */
  closeSucceeded(runId: string): Promise<boolean>;
  /** Marks a still open run failed with an error; false when it was not open. */
  closeFailed(runId: string, error: string): Promise<boolean>;
  runOutcome(runId: string): Promise<RunOutcome | null>;
  sweepRunCounts(sweepId: string): Promise<Partial<Record<RunStatus, number>>>;
  /** Ids of the active webhooks subscribed to an event (or to every event). */
  subscribedWebhooks(event: string): Promise<string[]>;
  /** Inserts deliveries whose ids are new; returns how many were new. */
  queueDeliveries(deliveries: WebhookDeliveryDraft[]): Promise<number>;
}
