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

/** Every queue with its settings: a queue without settings does not compile. */
export const QUEUE_CONFIG: Record<QueueName, QueueConfig> = {
  [QueueName.ExtractFeatures]: {
    concurrency: 1,
    lockDurationMs: 30_000,
    stalledIntervalMs: 10_000,
    maxStalledCount: 5,
    attempts: 5,
    backoffMs: 2_000,
  },
  [QueueName.Train]: {
    concurrency: 1,
    lockDurationMs: 30_000,
    stalledIntervalMs: 10_000,
    maxStalledCount: 5,
    attempts: 5,
    backoffMs: 2_000,
  },
  [QueueName.Evaluate]: {
    concurrency: 1,
    lockDurationMs: 30_000,
    stalledIntervalMs: 10_000,
    maxStalledCount: 5,
    attempts: 5,
    backoffMs: 2_000,
  },
};

export const ALL_QUEUES = Object.values(QueueName) as QueueName[];
