import { z } from 'zod';

/** Queue names double as job names: one kind of job per queue. */
export enum QueueName {
  ExtractFeatures = 'extract-features',
  Train = 'train',
  Evaluate = 'evaluate',
  /** An empty canary job (POST /queues/probes): proves some worker is consuming, and times the dispatch. */
  Probe = 'probe',
}

/** Payloads hold ids, never data: Postgres is the source of truth. */
export const jobPayloadSchemas = {
  [QueueName.ExtractFeatures]: z.object({ datasetId: z.string().min(1), backbone: z.string().min(1) }).strict(),
  [QueueName.Train]: z.object({ runId: z.string().min(1) }).strict(),
  [QueueName.Evaluate]: z
    .object({
      runId: z.string().min(1),
      datasetId: z.string().min(1),
      /** Which checkpoint to evaluate: the last epoch, or the source-validation best. */
      checkpoint: z.enum(['last', 'source-val']),
    })
    .strict(),
  [QueueName.Probe]: z.object({ probeId: z.string().min(1) }).strict(),
} as const;

export type JobPayload<Q extends QueueName> = z.infer<(typeof jobPayloadSchemas)[Q]>;

/** Deterministic job ids make a duplicate enqueue a no-op (BullMQ ignores an existing id). */
export const jobIds = {
  [QueueName.ExtractFeatures]: (p: JobPayload<QueueName.ExtractFeatures>) => `features.${p.datasetId}.${p.backbone}`,
  [QueueName.Train]: (p: JobPayload<QueueName.Train>) => `run.${p.runId}.train`,
  [QueueName.Evaluate]: (p: JobPayload<QueueName.Evaluate>) => `run.${p.runId}.evaluate.${p.datasetId}.${p.checkpoint}`,
  [QueueName.Probe]: (p: JobPayload<QueueName.Probe>) => `probe.${p.probeId}`,
};

/** The run a train or evaluate job id belongs to (the inverse of `jobIds`); undefined for other jobs. */
export function runIdOfJobId(jobId: string): string | undefined {
  return /^run\.([^.]+)\.(?:train$|evaluate\.)/.exec(jobId)?.[1];
}

/** BullMQ priorities: lower runs first. */
export const JOB_PRIORITY = { interactive: 1, background: 10 } as const;
export type JobPriorityName = keyof typeof JOB_PRIORITY;
