import type { RunStatus } from '@fer/contracts';

/** One evaluation a trained run owes: a target dataset scored at one checkpoint. */
export type EvaluationCheckpoint = 'last' | 'source-val';

export interface ExpectedEvaluation {
  datasetId: string;
  domain: string;
  checkpoint: EvaluationCheckpoint;
}

/** What the lifecycle rules need to know of a run. */
export interface LifecycleRun {
  id: string;
  targets: string[];
  sourceValFraction: number;
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
  writtenEvaluations(runId: string): Promise<{ datasetId: string; checkpoint: string }[]>;
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
