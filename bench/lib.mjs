// Small helpers shared by the bench scripts.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Nearest-rank percentile of an unsorted list (p in 0..100). */
export function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summarize(values) {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
    min: values.length ? Math.min(...values) : null,
    max: values.length ? Math.max(...values) : null,
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(probe, what, timeoutMs = 60_000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function redisUrl() {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** Deletes every key under `prefix:` (bounded SCAN loop); returns how many were deleted. */
export async function deleteRedisPrefix(prefix) {
  const { Redis } = require('ioredis');
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 3 });
  let cursor = '0';
  let deleted = 0;
  try {
    for (let round = 0; round < 100_000; round++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) deleted += await redis.unlink(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** Hands the JSON result to the parent (bench.mjs reads the last line of stdout). */
export function emit(result) {
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
}
