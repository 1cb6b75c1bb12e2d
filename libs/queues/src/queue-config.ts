import { QueueName } from '@fer/contracts';

export interface QueueConfig {
  /** Jobs one worker process runs at once. Training owns the accelerator: one at a time per GPU. */
  concurrency: number;
  /** How long a job's lock lives without renewal; a worker that dies lets the lock expire and the job stalls. */
  lockDurationMs: number;
  /** How often stalled jobs are looked for. */
  stalledIntervalMs: number;
  /** Stalls tolerated before the job fails (each stall is a dead worker). */
  maxStalledCount: number;
  attempts: number;
  backoffMs: number;
}

/**
 * One job at a time per worker process, which owns its accelerator; a lock renewed while the job runs, so a
 * dead worker's job stalls and is picked up again after lockDurationMs.
 */
const ONE_JOB_PER_GPU: QueueConfig = {
  concurrency: 1,
  lockDurationMs: 30_000,
  stalledIntervalMs: 10_000,
  maxStalledCount: 5,
  attempts: 5,
  backoffMs: 2_000,
};

/**
 * Probes are empty canary jobs (one row update in PostgreSQL): a few at once per process, as many as the worker's
 * database pool holds (4); a short lock because the job takes milliseconds; no retries, because a probe that failed
 * is the answer the operator asked for. One stall is tolerated so a probe taken by a worker that died is answered by
 * another live one.
 */
const PROBE: QueueConfig = {
  concurrency: 4,
  lockDurationMs: 10_000,
  stalledIntervalMs: 5_000,
  maxStalledCount: 1,
  attempts: 1,
  backoffMs: 1_000,
};

/** Every queue with its settings: a queue without settings does not compile. */
export const QUEUE_CONFIG: Record<QueueName, QueueConfig> = {
  [QueueName.ExtractFeatures]: ONE_JOB_PER_GPU,
  [QueueName.Train]: ONE_JOB_PER_GPU,
  [QueueName.Evaluate]: ONE_JOB_PER_GPU,
  [QueueName.Probe]: PROBE,
};

export const ALL_QUEUES = Object.values(QueueName) as QueueName[];
