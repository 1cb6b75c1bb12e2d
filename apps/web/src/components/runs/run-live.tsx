'use client';

import type { EpochMetrics, EvaluationDto, RunDetailDto, RunEvent, RunLogLineDto, RunSummaryDto } from '@fer/contracts';
import { TERMINAL_RUN_STATUSES } from '@fer/contracts/run-status';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { EmptyState } from '@/components/empty-state';
import { ProgressBar } from '@/components/progress-bar';
import { StatusBadge } from '@/components/status-badge';
import { formatDateTime } from '@/lib/format';
import { ActionButton } from '@/components/action-button';
import { OracleWarning, SelectionSwitch } from '@/components/selection-switch';
import { selectionOption } from '@/lib/selection';
import { ConfusionMatrix, DomainAccuracyBars, inTargetOrder, PerClassTable, TargetCurves } from './evaluation-views';
import { RunCurves } from './run-curves';

type Connection = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'closed';

function isTerminal(status: string): boolean {
  return (TERMINAL_RUN_STATUSES as readonly string[]).includes(status);
}

function upsertEpoch(metrics: EpochMetrics[], next: EpochMetrics): EpochMetrics[] {
  // a resumed run re-reports epochs after its last checkpoint: replace, never duplicate
  const kept = metrics.filter((m) => m.epoch !== next.epoch);
  return [...kept, next].sort((a, b) => a.epoch - b.epoch);
}

/** Everything on the run page that the run's event stream can change while it trains. */
export function RunLive({
  detail,
  initialLogs,
  canLaunch,
}: {
  detail: RunDetailDto;
  initialLogs: RunLogLineDto[];
  /** Whether the visitor's key may cancel or retry (the actions follow the live status). */
  canLaunch: boolean;
}) {
  const router = useRouter();
  const [run, setRun] = useState<RunSummaryDto>(detail.run);
  const [metrics, setMetrics] = useState<EpochMetrics[]>(detail.metrics);
  const [evaluations, setEvaluations] = useState<EvaluationDto[]>(detail.evaluations);
  const [logs, setLogs] = useState<RunLogLineDto[]>(initialLogs);
  const [connection, setConnection] = useState<Connection>('idle');
  const logsBox = useRef<HTMLDivElement>(null);
  const followLogs = useRef(true);
  const runId = detail.run.id;
  const startedTerminal = isTerminal(detail.run.status);

  useEffect(() => {
    if (startedTerminal) return;
    setConnection('connecting');
    const source = new EventSource(`/api/proxy/runs/${encodeURIComponent(runId)}/events`);
    const handle = (raw: string) => {
      let event: RunEvent;
      try {
        event = JSON.parse(raw) as RunEvent;
      } catch {
        return;
      }
      switch (event.type) {
        case 'status':
          setRun((previous) => ({
            ...previous,
            status: event.status,
            progress: event.progress,
            epoch: event.epoch,
            error: event.error,
            startedAt: event.startedAt,
            finishedAt: event.finishedAt,
          }));
          if (isTerminal(event.status)) {
            source.close();
            setConnection('closed');
            // pick up what the API stored at the end (artifacts, final evaluations)
            router.refresh();
          }
          break;
        case 'epoch':
          setMetrics((previous) => upsertEpoch(previous, event.metrics));
          break;
        case 'evaluation':
          setEvaluations((previous) => [...previous.filter((e) => e.id !== event.evaluation.id), event.evaluation]);
          break;
        case 'log':
          // the stream replays the run's log from its start: skip lines the page already shows
          setLogs((previous) =>
            previous.some((line) => line.at === event.line.at && line.message === event.line.message)
              ? previous
              : [...previous, event.line].slice(-2000),
          );
          break;
      }
    };
    for (const type of ['status', 'epoch', 'evaluation', 'log'] as const) {
      source.addEventListener(type, (message) => handle((message as MessageEvent<string>).data));
    }
    source.onmessage = (message) => handle(message.data);
    source.onopen = () => setConnection('live');
    source.onerror = () => setConnection(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
    return () => source.close();
  }, [runId, startedTerminal, router]);

  useEffect(() => {
    // scroll the log box only, never the page, and only while the reader is at the bottom
    const box = logsBox.current;
    if (box && followLogs.current) box.scrollTop = box.scrollHeight;
  }, [logs]);

  const { selected } = detail;
  const picked = inTargetOrder(selected.evaluations, detail.targets);
  const option = selectionOption(selected.selection);
  const numClasses = detail.config.numClasses;

  return (
    <>
      {canLaunch && (
        <div className="row run-actions">
          {(run.status === 'queued' || run.status === 'running') && (
            <ActionButton
              path={`/runs/${encodeURIComponent(runId)}/cancel`}
              label="Cancel run"
              confirmText="Cancel this run?"
              tone="danger"
              testId="run-cancel"
            />
          )}
          {(run.status === 'failed' || run.status === 'cancelled') && (
            <ActionButton path={`/runs/${encodeURIComponent(runId)}/retry`} label="Retry run" testId="run-retry" />
          )}
        </div>
      )}
      <div className="stats">
        <div className="stat">
          <div className="stat-label">Status</div>
          <div className="stat-value">
            <StatusBadge status={run.status} testId="run-status" />
          </div>
        </div>
        <div className="stat" style={{ minWidth: 220 }}>
          <div className="stat-label">
            Progress · epoch {run.epoch}/{run.epochs}
          </div>
          <div className="stat-value">
            <ProgressBar value={run.progress} label="Run progress" testId="run-progress" />
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">Worker · backend</div>
          <div>
            {run.workerId ?? '—'} · {run.backend ?? '—'}
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">Attempts</div>
          <div className="stat-value">{run.attempts}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Started · finished</div>
          <div className="small" data-testid="run-times" data-finished={run.finishedAt ?? ''}>
            {formatDateTime(run.startedAt)}
            <br />
            {formatDateTime(run.finishedAt)}
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">Live updates</div>
          <div data-testid="run-connection" data-state={connection} role="status">
            {startedTerminal ? 'run finished' : connection === 'live' ? '● connected' : connection}
          </div>
        </div>
      </div>
      {run.status === 'queued' && run.heldReason && (
        <div className="notice notice-info" role="note" data-testid="run-held">
          <p className="notice-title">Held by its sweep&apos;s budget</p>
          <p>held: {run.heldReason}</p>
        </div>
      )}
      {run.status === 'pruned' && (
        <div className="notice notice-info" role="note" data-testid="run-pruned">
          <p className="notice-title">Stopped early</p>
          <p>
            The sweep&apos;s early-stopping rule stopped this run at epoch {run.epoch} of {run.epochs}: it scored below
            the cutoff of its rung. Its checkpoint is kept; leaderboards leave it out unless asked to include pruned
            runs.
          </p>
        </div>
      )}
      {run.error && (
        <div className="notice notice-error" role="alert" data-testid="run-error">
          <p className="notice-title">The run failed</p>
          <p className="mono">{run.error}</p>
        </div>
      )}

      <h2>Training curves</h2>
      <RunCurves metrics={metrics} />

      <h2>Evaluation</h2>
      {evaluations.length > 0 && (
        <TargetCurves
          evaluations={evaluations}
          targets={detail.targets}
          sourceValBestEpoch={detail.sourceValBestEpoch}
        />
      )}
      <SelectionSwitch selection={selected.selection} />
      {selected.selection === 'oracle' && <OracleWarning />}
      <p className="muted small" data-testid="run-selection" data-selection={selected.selection}>
        Selection: {option.label} ({option.description})
        {picked.length > 0 &&
          ` · picks epoch ${[...new Set(picked.map((e) => e.epoch))].join(', ')}` +
            (run.status === 'succeeded' || run.status === 'pruned' ? '' : ' so far')}
      </p>
      {picked.length === 0 ? (
        <EmptyState title={selected.unavailable ?? 'Not evaluated yet.'} testId="evaluations-empty">
          Targets are scored during training, every {detail.config.evalEvery} epoch
          {detail.config.evalEvery === 1 ? '' : 's'} and at the last one.
        </EmptyState>
      ) : (
        <>
          <DomainAccuracyBars evaluations={picked} source={run.sourceDomain} />
          <h3>Per-class accuracy</h3>
          <PerClassTable evaluations={picked} numClasses={numClasses} />
          <h3>Confusion matrices</h3>
          <div className="grid-wide">
            {picked.map((evaluation) => (
              <ConfusionMatrix key={evaluation.id} evaluation={evaluation} numClasses={numClasses} />
            ))}
          </div>
        </>
      )}

      <h2>Logs</h2>
      {logs.length === 0 ? (
        <p className="muted">No log lines yet.</p>
      ) : (
        <div
          className="logs"
          ref={logsBox}
          data-testid="run-logs"
          role="log"
          aria-label="Run log"
          tabIndex={0}
          onScroll={(event) => {
            const element = event.currentTarget;
            followLogs.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
          }}
        >
          {logs.map((line, index) => (
            <div key={index} className={`log-line log-${line.level}`}>
              <span className="muted">{line.at.replace('T', ' ').slice(0, 23)}</span>
              <span>{line.level}</span>
              <span>{line.message}</span>
            </div>
          ))}
        </div>
      )}
    </>
  );
}
