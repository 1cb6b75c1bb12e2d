// Small helpers shared by the bench: statistics and clean-up for the measuring scripts (bench/measure/), running a
// measuring script as a child process for the sections (bench/sections/), and the number formats of RESULTS.md.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** bench/ and the repository root. */
export const BENCH = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(BENCH, '..');
/** The Python that runs the PyTorch references (Debian's python3-torch). */
export const PYTHON = process.env.FER_BENCH_PYTHON ?? '/usr/bin/python3';

// ---------- statistics, waiting, Redis clean-up (the measuring scripts) ----------

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

/** Hands the JSON result to the parent (the section reads the last line of stdout). */
export function emit(result) {
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
}

// ---------- running the measuring scripts (the sections) ----------

export const log = (line) => process.stderr.write(`[bench] ${line}\n`);

/** Runs a child, returns the JSON object on the last line of its stdout. Bounded by `timeoutMs`. */
export function runJson(command, argv, { timeoutMs = 15 * 60_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').filter(Boolean).pop() ?? '';
      if (code === 0) {
        try {
          return resolve(JSON.parse(last));
        } catch {
          // fall through
        }
      }
      reject(
        new Error(
          `${relative(ROOT, argv[0] ?? command)} ${code === null ? `killed (${signal})` : `exited ${code}`}:\n${(stderr || stdout).slice(-3000)}`,
        ),
      );
    });
    child.stdin.end(input ?? '');
  });
}

/** Runs bench/measure/<script> with `--plan <json>` (and `extra` arguments before it) in its own Node process. */
export const measure = (script, plan, extra = []) =>
  runJson(process.execPath, [join(BENCH, 'measure', script), ...extra, '--plan', JSON.stringify(plan)]);

/** Runs bench/reference/<script> with `--plan <json>` under PYTHON. */
export const reference = (script, plan) =>
  runJson(PYTHON, [join(BENCH, 'reference', script), '--plan', JSON.stringify(plan)]);

// ---------- number formats of RESULTS.md ----------

export const ratio = (a, b) =>
  a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? null : a / b;
export const fx = (v, digits = 2) =>
  v == null || !Number.isFinite(v) ? 'n/a' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(digits);
export const fr = (v) => (v == null ? 'n/a' : `**${v.toFixed(2)}x**`);
export const table = (head, rows) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
