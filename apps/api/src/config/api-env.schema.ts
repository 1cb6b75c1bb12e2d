import { loadEnvironment } from '@fer/contracts';
import { delimiter, resolve } from 'node:path';
import { z } from 'zod';

/** Every variable the API reads, validated once at boot; nothing else reads process.env. */
export const apiEnvSchema = z.object({
  DATABASE_URL: z.string().url({ message: 'must be a postgresql:// URL' }),
  REDIS_URL: z.string().url({ message: 'must be a redis:// URL' }),
  FER_QUEUE_PREFIX: z.string().min(1).default('fer'),
  FER_API_HOST: z.string().default('127.0.0.1'),
  FER_API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Data roots datasets may be imported from (path-delimiter separated). */
  FER_DATA_ROOTS: z.string().default(''),
  FER_HOME: z.string().default('.fer'),
  /** Requests per minute per API key. */
  FER_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Failed authentications per minute per client address before it gets 429 (wrong keys, expired sessions). */
  FER_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /**
   * Authenticated keys and sessions kept in memory (AuthenticationCache), so a request does not read its key again;
   * 0 turns it off (needed behind a pooler that cannot LISTEN, such as PgBouncer in transaction mode).
   */
  FER_AUTH_CACHE_ENTRIES: z.coerce.number().int().min(0).default(10_000),
  /**
   * Submission catalogs kept in memory (SubmissionCatalogCache: a benchmark and the ready datasets its runs may name),
   * so POST /runs and sweeps do not read them again; 0 turns it off (as above, behind a pooler that cannot LISTEN).
   */
  FER_CATALOG_CACHE_ENTRIES: z.coerce.number().int().min(0).default(1_000),
  /**
   * Which proxies may name the client's address in X-Forwarded-For (Express's "trust proxy"): by default the web UI
   * on loopback, so limits on failed sign-ins apply per browser, not to the web server as a whole.
   */
  FER_TRUST_PROXY: z.string().default('loopback'),
  /** How long a web UI sign-in lasts. */
  FER_SESSION_HOURS: z.coerce.number().min(0.0001).max(24 * 30).default(12),
  /** Webhooks may target loopback, link-local, private and multicast addresses (off: an admin could scan the internal network). */
  FER_WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true'),
  /** Seconds of silence after which a worker is marked lost and its job re-queued. */
  FER_WORKER_LOST_AFTER_SECONDS: z.coerce.number().int().min(5).default(60),
  FER_WEBHOOK_POLL_SECONDS: z.coerce.number().min(0.2).default(2),
  FER_RECONCILE_INTERVAL_SECONDS: z.coerce.number().min(0.5).default(15),
  /** How often sweeps with a searcher (tpe) or budgets get their next trials and released runs. */
  FER_SWEEP_SCHEDULE_INTERVAL_SECONDS: z.coerce.number().min(0.2).default(2),
  /** An admin key to make sure exists at boot (deployments and the local stack set it; shown nowhere). */
  FER_BOOTSTRAP_API_KEY: z.string().min(20, 'must be at least 20 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ApiEnv = z.output<typeof apiEnvSchema>;

export function loadApiEnv(env: NodeJS.ProcessEnv = process.env): ApiEnv {
  return loadEnvironment(apiEnvSchema, 'API', env);
}

export const API_ENV = Symbol('API_ENV');

/** The folders datasets and weights files may be read from, absolute. */
export function dataRootsOf(env: ApiEnv): string[] {
  return env.FER_DATA_ROOTS.split(delimiter).filter(Boolean).map((root) => resolve(root));
}
