import { loadEnvironment, QueueName } from '@fer/contracts';
import { z } from 'zod';

/** Every variable the worker reads, validated once at boot; nothing else reads process.env. */
export const workerEnvSchema = z.object({
  DATABASE_URL: z.string().url({ message: 'must be a postgresql:// URL' }),
  REDIS_URL: z.string().url({ message: 'must be a redis:// URL' }),
  FER_QUEUE_PREFIX: z.string().min(1).default('fer'),
  /** Folders a config's backboneWeights may be read from (path-delimiter separated), checked again by real path when the file is opened. */
  FER_DATA_ROOTS: z.string().default(''),
  /** Feature cache and checkpoints live under here (shared storage when workers run on many hosts). */
  FER_HOME: z.string().default('.fer'),
  FER_BACKEND: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  /**
   * Where frozen features are computed (clip-vit-b32): `onnx` (ONNX Runtime, CUDA when its libraries are installed),
   * `tfjs` (the TF.js backend above), `auto` (ONNX Runtime when it loads). Recorded on every feature cache entry and run.
   */
  FER_FROZEN_ENGINE: z.enum(['auto', 'onnx', 'tfjs']).default('auto'),
  /** ONNX Runtime's threads for frozen features (default: the cores this process may use). */
  FER_FROZEN_THREADS: z.coerce.number().int().min(1).optional(),
  /** `boot`: run the numerics selftest (`fer worker selftest`) on the chosen backend; on FAIL the worker exits before taking a job. */
  FER_SELFTEST: z.enum(['off', 'boot']).default('off'),
  /** The selftest's golden files (default: libs/cafe/fixtures/golden of this install). */
  FER_SELFTEST_GOLDEN_DIR: z.string().min(1).optional(),
  /** A clip-vit-b32 .safetensors the selftest also runs a batch through. */
  FER_SELFTEST_CLIP_WEIGHTS: z.string().min(1).optional(),
  /** Queues this process consumes, comma-separated; by default all, probes included, so a probe says "a worker is alive". */
  FER_WORKER_QUEUES: z
    .string()
    .default(Object.values(QueueName).join(','))
    .transform((value) => value.split(',').map((q) => q.trim()).filter(Boolean))
    .pipe(z.array(z.enum(QueueName)).min(1)),
  FER_HEARTBEAT_SECONDS: z.coerce.number().min(0.5).default(5),
  /** Seconds between checks of a run's cancel flag during training. */
  FER_CANCEL_POLL_SECONDS: z.coerce.number().min(0.2).default(2),
  /** Which GPU this process owns (one process per GPU). Empty = CPU. */
  /** Overrides every queue's job lock (seconds): how soon a killed worker's job is picked up again. */
  FER_JOB_LOCK_SECONDS: z.coerce.number().min(1).optional(),
  CUDA_VISIBLE_DEVICES: z.string().optional(),
  FER_WORKER_NAME: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type WorkerEnv = z.output<typeof workerEnvSchema>;
export const WORKER_ENV = Symbol('WORKER_ENV');

export function loadWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return loadEnvironment(workerEnvSchema, 'worker', env);
}
