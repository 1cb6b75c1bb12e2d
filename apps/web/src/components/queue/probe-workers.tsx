'use client';

import type { QueueProbeBatchDto, QueueProbesCreatedDto } from '@fer/contracts';
import { useState } from 'react';
import { readProxyError } from '@/lib/proxy-error';

const PROBES = 8;
const WAIT_MS = 10_000;
const POLL_MS = 250;

type Outcome = { kind: 'answered'; batch: QueueProbeBatchDto; seconds: number } | { kind: 'error'; message: string };

const ms = (value: number | null) => (value === null ? '—' : `${value} ms`);

/**
 * Sends a few empty probe jobs through the API, PostgreSQL and BullMQ (POST /queues/probes) and shows which
 * workers answered and how fast: the quickest check that runs will be picked up.
 */
export function ProbeWorkers() {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  async function probe() {
    setBusy(true);
    setOutcome(null);
    const started = performance.now();
    try {
      const sent = await fetch('/api/proxy/queues/probes', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ count: PROBES }),
      });
      if (!sent.ok) return setOutcome({ kind: 'error', message: await readProxyError(sent) });
      const { batchId } = (await sent.json()) as QueueProbesCreatedDto;
      let batch: QueueProbeBatchDto | null = null;
      while (performance.now() - started < WAIT_MS) {
        const read = await fetch(`/api/proxy/queues/probes/${encodeURIComponent(batchId)}`);
        if (!read.ok) return setOutcome({ kind: 'error', message: await readProxyError(read) });
        batch = (await read.json()) as QueueProbeBatchDto;
        if (batch.summary.pending === 0) break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      setOutcome({ kind: 'answered', batch: batch!, seconds: (performance.now() - started) / 1000 });
    } catch (cause) {
      setOutcome({ kind: 'error', message: `The web server could not be reached (${(cause as Error).message}).` });
    } finally {
      setBusy(false);
    }
  }

  const answered = outcome?.kind === 'answered' ? outcome : null;
  const summary = answered?.batch.summary;
  return (
    <div className="probe" data-testid="probe-workers">
      <button type="button" className="button" onClick={probe} disabled={busy} data-testid="probe-workers-button">
        {busy ? 'Probing workers…' : 'Probe workers'}
      </button>
      {outcome?.kind === 'error' && (
        <span role="alert" className="inline-error">
          {outcome.message}
        </span>
      )}
      {summary && summary.answered === 0 && (
        <p role="alert" className="inline-error" data-testid="probe-result">
          No worker answered {summary.count} probes within {WAIT_MS / 1000} s. Start a worker (apps/worker) against this
          API&apos;s Redis, or check that it consumes the <span className="mono">probe</span> queue (FER_WORKER_QUEUES).
        </p>
      )}
      {summary && summary.answered > 0 && (
        <p data-testid="probe-result">
          {summary.answered}/{summary.count} probes answered in {answered!.seconds.toFixed(1)} s by{' '}
          {summary.workers.map((w, i) => (
            <span key={w.workerId}>
              {i > 0 && ', '}
              <span className="mono">{w.workerId}</span> ({w.answered})
            </span>
          ))}
          . Request → start p50 {ms(summary.requestToStartMs.p50)}, p99 {ms(summary.requestToStartMs.p99)}; time in the
          queue p50 {ms(summary.enqueueToStartMs.p50)}.{summary.pending > 0 && ` ${summary.pending} still pending.`}
        </p>
      )}
    </div>
  );
}
