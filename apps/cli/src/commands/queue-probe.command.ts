import type {
  LatencyPercentilesDto,
  QueueOverviewDto,
  QueueProbeBatchDto,
  QueueProbesCreatedDto,
} from '@fer/contracts';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { ApiConnection, apiRequest, resolveConnection } from '../api-client';

export const MAX_PROBES = 1000;

/** Exit codes of `fer queue probe`: every probe answered, none answered, some left unanswered. */
export const PROBE_EXIT = { answered: 0, noWorker: 1, partial: 2 } as const;

export interface ProbeOptions {
  count: number;
  timeoutSeconds: number;
  json: boolean;
  /** Milliseconds between polls of the batch. */
  pollMs?: number;
}

export interface ProbeOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  /** A live progress bar on stderr (only on a terminal). */
  progress: boolean;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PROBES)
    throw new InvalidArgumentError(`must be an integer from 1 to ${MAX_PROBES}`);
  return n;
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number of seconds above 0');
  return n;
}

const ms = (value: number | null) => (value === null ? '-' : `${value} ms`);
const line = (label: string, p: LatencyPercentilesDto) =>
  `  ${label.padEnd(18)} p50 ${ms(p.p50).padStart(9)}   p99 ${ms(p.p99).padStart(9)}`;

/** The human report: how many answered, the latencies, and which workers answered how many. */
export function formatProbeReport(batch: QueueProbeBatchDto, waitedSeconds: number): string {
  const { summary } = batch;
  const lines = [
    `${summary.answered}/${summary.count} probe(s) answered in ${waitedSeconds.toFixed(1)} s (batch ${batch.batchId})`,
    line('request → start', summary.requestToStartMs),
    line('enqueue → start', summary.enqueueToStartMs),
    line('request → finish', summary.requestToFinishMs),
  ];
  if (summary.workers.length) {
    lines.push(`workers that answered (${summary.workers.length}):`);
    const width = Math.max(...summary.workers.map((w) => w.workerId.length));
    for (const worker of summary.workers) lines.push(`  ${worker.workerId.padEnd(width)}  ${worker.answered}`);
  }
  return lines.join('\n') + '\n';
}

/** What to do when nobody answered, with what the worker registry says (online workers that took no probe). */
export function noWorkerAdvice(count: number, timeoutSeconds: number, overview: QueueOverviewDto | null): string {
  const online = overview?.workers.filter((w) => w.status === 'online') ?? [];
  const probeQueue = overview?.queues.find((q) => q.name === 'probe');
  const registry =
    overview === null
      ? ''
      : online.length
        ? ` The registry lists ${online.length} online worker(s) (${online
            .map((w) => w.id)
            .slice(0, 5)
            .join(
              ', ',
            )}) but none took a probe: check that they use this API's REDIS_URL and FER_QUEUE_PREFIX and that FER_WORKER_QUEUES is unset or includes "probe".`
        : ' No worker is registered online.';
  const waiting = probeQueue
    ? ` ${probeQueue.waiting + probeQueue.prioritized} probe job(s) are waiting in Redis.`
    : '';
  return (
    `no worker answered any of ${count} probe(s) within ${timeoutSeconds} s.${registry}${waiting}` +
    ' Start a worker (`node apps/worker/dist/main.js`, or `npm start` for the local stack) with the same DATABASE_URL, REDIS_URL and FER_QUEUE_PREFIX as the API; `fer queue` lists queues and workers.'
  );
}

/** Sends probes, waits for the answers until the timeout, prints the report; returns the exit code. */
export async function runQueueProbe(
  connection: ApiConnection,
  options: ProbeOptions,
  out: ProbeOutput,
): Promise<number> {
  const started = Date.now();
  const sent = await apiRequest<QueueProbesCreatedDto>(connection, 'POST', '/queues/probes', { count: options.count });
  out.stderr(
    `sent ${sent.probeIds.length} probe(s) (batch ${sent.batchId}); waiting up to ${options.timeoutSeconds} s for answers…\n`,
  );
  const bar = out.progress
    ? new SingleBar(
        { format: 'answered [{bar}] {value}/{total} {duration}s', stream: process.stderr },
        Presets.shades_classic,
      )
    : null;
  bar?.start(sent.probeIds.length, 0);
  const deadline = started + options.timeoutSeconds * 1000;
  let batch: QueueProbeBatchDto;
  try {
    for (;;) {
      batch = await apiRequest<QueueProbeBatchDto>(
        connection,
        'GET',
        `/queues/probes/${encodeURIComponent(sent.batchId)}`,
      );
      bar?.update(batch.summary.answered);
      if (batch.summary.pending === 0 || Date.now() >= deadline) break;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(options.pollMs ?? 200, Math.max(0, deadline - Date.now()))),
      );
    }
  } finally {
    bar?.stop();
  }
  const waited = (Date.now() - started) / 1000;
  out.stdout(options.json ? JSON.stringify(batch, null, 2) + '\n' : formatProbeReport(batch, waited));
  const { summary } = batch;
  if (summary.answered === 0) {
    const overview = await apiRequest<QueueOverviewDto>(connection, 'GET', '/queues').catch(() => null);
    out.stderr(`fer: ${noWorkerAdvice(summary.count, options.timeoutSeconds, overview)}\n`);
    return PROBE_EXIT.noWorker;
  }
  if (summary.pending > 0) {
    out.stderr(
      `fer: ${summary.pending} of ${summary.count} probe(s) unanswered after ${options.timeoutSeconds} s although ${summary.workers.length} worker(s) answered: dispatch is slower than the timeout (raise --timeout, or see the queue depth with \`fer queue\`).\n`,
    );
    return PROBE_EXIT.partial;
  }
  return PROBE_EXIT.answered;
}

export function registerQueueProbeCommand(queue: Command): void {
  queue
    .command('probe')
    .description(
      'Send empty probe jobs through the API, PostgreSQL and BullMQ and wait for workers to answer: shows that workers are alive and how fast dispatch is',
    )
    .option('--count <n>', `probes to send at once, 1..${MAX_PROBES} (each a job of its own)`, parseCount, 1)
    .option('--timeout <seconds>', 'how long to wait for the answers', parseSeconds, 10)
    .option('--json', 'print the probes and the summary as JSON')
    .addHelpText(
      'after',
      `\nExit codes: ${PROBE_EXIT.answered} every probe answered, ${PROBE_EXIT.noWorker} no worker answered (the message says what to check), ${PROBE_EXIT.partial} some probes unanswered before the timeout.\nNeeds a key with the launch role.`,
    )
    .action(async (options: { count: number; timeout: number; json?: boolean }, command: Command) => {
      process.exitCode = await runQueueProbe(
        resolveConnection(command.optsWithGlobals()),
        { count: options.count, timeoutSeconds: options.timeout, json: Boolean(options.json) },
        {
          stdout: (text) => process.stdout.write(text),
          stderr: (text) => process.stderr.write(text),
          progress: Boolean(process.stderr.isTTY),
        },
      );
    });
}
