import { contentId, JobPayload, QueueName } from '@fer/contracts';

/**
 * Run ids derive from content, so the same work submitted twice is one run. The target split is part of the work:
 * it joins the hash when it is not the default `test` (so ids made before it existed stay what they were).
 */
export function runId(parts: {
  scope: string;
  configId: string;
  sourceDatasetId: string;
  seed: number;
  targets: string[];
  targetSplit?: string;
}): string {
  const { targetSplit, ...rest } = parts;
  return contentId('run', targetSplit && targetSplit !== 'test' ? { ...rest, targetSplit } : rest);
}

/** Deterministic job ids make a duplicate enqueue a no-op (BullMQ ignores an existing id). */
export const jobIds: { [Q in QueueName]: (payload: JobPayload<Q>) => string } = {
  [QueueName.ExtractFeatures]: (p) => `features.${p.datasetId}.${p.backbone}`,
  [QueueName.Train]: (p) => `run.${p.runId}.train`,
  [QueueName.Evaluate]: (p) => `run.${p.runId}.evaluate.${p.datasetId}.${p.checkpoint}`,
  [QueueName.Probe]: (p) => `probe.${p.probeId}`,
};

/** The job id of any payload of a queue. */
export function jobIdOf<Q extends QueueName>(queue: Q, payload: JobPayload<Q>): string {
  return (jobIds[queue] as (p: JobPayload<Q>) => string)(payload);
}

/** The run a train or evaluate job id belongs to (the inverse of `jobIds`); undefined for other jobs. */
export function runIdOfJobId(jobId: string): string | undefined {
  return /^run\.([^.]+)\.(?:train$|evaluate\.)/.exec(jobId)?.[1];
}

/** BullMQ priorities: lower runs first. Runs store the number; requests and queues speak the name. */
export const JOB_PRIORITY = { interactive: 1, background: 10 } as const;
export type JobPriorityName = keyof typeof JOB_PRIORITY;

/**
 * The BullMQ priority of a job: its class (interactive before background), then its owner's fair share: `rank` is how
 * many of the same owner's runs wait ahead of it, so a colleague's first run goes ahead of the 500th of a large
 * sweep queued earlier (BullMQ runs lower numbers first, FIFO among equals; its range ends at 2^21).
 */
export function queuePriority(name: JobPriorityName, rank = 0): number {
  return JOB_PRIORITY[name] * 100_000 + Math.min(Math.max(0, Math.floor(rank)), 99_999);
}

/** The name of a stored priority number: anything at or above `interactive` urgency is interactive. */
export function priorityName(priority: number): JobPriorityName {
  return priority <= JOB_PRIORITY.interactive ? 'interactive' : 'background';
}
