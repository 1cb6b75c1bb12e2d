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
