import type { JobPayload, QueueName } from '@fer/contracts';

export type JobOutcome = { status: 'success'; detail?: string } | { status: 'skipped'; reason: string };

export interface JobContext {
  jobId: string;
  /** 1 on the first try; >1 after a crash, a stall or an error. */
  attempt: number;
  updateProgress(fraction: number): Promise<void>;
}

export interface JobHandler<Q extends QueueName> {
  readonly queue: Q;
  handle(payload: JobPayload<Q>, context: JobContext): Promise<JobOutcome>;
  /** Called once when BullMQ gives up on a job (attempts exhausted). */
  onFinalFailure?(payload: JobPayload<Q>, error: Error): Promise<void>;
}
