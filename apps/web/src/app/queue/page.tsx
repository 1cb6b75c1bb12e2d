import { runIdOfJobId } from '@fer/experiments';
import { type Page, type QueueOverviewDto, type RunSummaryDto, type WorkerDto } from '@fer/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiErrorNotice } from '@/components/api-error-notice';
import { AutoRefresh } from '@/components/auto-refresh';
import { EmptyState } from '@/components/empty-state';
import { ProbeWorkers } from '@/components/queue/probe-workers';
import { StatusBadge } from '@/components/status-badge';
import { formatDateTime, formatNumber, formatSeconds } from '@/lib/format';
import { apiGet, load } from '@/server/api-client';
import { canLaunch } from '@/server/session';

export const metadata: Metadata = { title: 'Queue & workers' };

/** A worker that has not sent a heartbeat for this long is shown as stalled even if the API still says online. */
const STALLED_AFTER_SECONDS = 60;

type WorkerHealth = 'online' | 'stalled' | 'lost' | 'stopped';

function workerHealth(worker: WorkerDto): WorkerHealth {
  if (worker.status === 'lost') return 'lost';
  if (worker.status === 'stopped') return 'stopped';
  return worker.heartbeatAgeSeconds > STALLED_AFTER_SECONDS ? 'stalled' : 'online';
}

/** Train and evaluate job ids name their run (`run.<id>.train`); link those to the run page. */
function JobLink({ job }: { job: string }) {
  const runId = runIdOfJobId(job);
  return runId ? (
    <Link prefetch={false} href={`/runs/${encodeURIComponent(runId)}`}>
      {job}
    </Link>
  ) : (
    <>{job}</>
  );
}

export default async function QueuePage() {
  const [overview, running, launch] = await Promise.all([
    load(apiGet<QueueOverviewDto>('/queues')),
    load(apiGet<Page<RunSummaryDto>>('/runs?status=running&limit=200')),
    canLaunch(),
  ]);
  const workers = overview.ok ? overview.data.workers : [];
  const healthById = new Map(workers.map((worker) => [worker.id, workerHealth(worker)]));
  const stalledRuns = running.ok
    ? running.data.items.filter((run) => {
        const health = run.workerId ? healthById.get(run.workerId) : undefined;
        return health === undefined || health === 'lost' || health === 'stalled' || health === 'stopped';
      })
    : [];

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Queue & workers</h1>
          <p className="muted">
            Job queues in Redis and the workers taking jobs. Stalled jobs are retried and resume from their last
            checkpoint.
          </p>
        </div>
        <AutoRefresh seconds={5} />
      </div>
      {!overview.ok ? (
        <ApiErrorNotice error={overview.error} />
      ) : (
        <>
          <h2>Queues</h2>
          {overview.data.queues.length === 0 ? (
            <EmptyState title="No queues reported." />
          ) : (
            <div className="table-wrap">
              <table className="data" data-testid="queues-table">
                <thead>
                  <tr>
                    <th scope="col">Queue</th>
                    <th scope="col" className="num">
                      Waiting
                    </th>
                    <th scope="col" className="num">
                      Prioritized
                    </th>
                    <th scope="col" className="num">
                      Delayed
                    </th>
                    <th scope="col" className="num">
                      Active
                    </th>
                    <th scope="col" className="num">
                      Completed
                    </th>
                    <th scope="col" className="num">
                      Failed
                    </th>
                    <th scope="col" className="num">
                      Done / min
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {overview.data.queues.map((queue) => (
                    <tr
                      key={queue.name}
                      data-testid={`queue-row-${queue.name}`}
                      className={queue.failed > 0 ? 'highlight-warn' : undefined}
                    >
                      <th scope="row" className="mono">
                        {queue.name}
                      </th>
                      <td className="num" data-testid={`queue-${queue.name}-waiting`}>
                        {queue.waiting}
                      </td>
                      <td className="num">{queue.prioritized}</td>
                      <td className="num">{queue.delayed}</td>
                      <td className="num" data-testid={`queue-${queue.name}-active`}>
                        {queue.active}
                      </td>
                      <td className="num">{queue.completed}</td>
                      <td className="num">
                        {queue.failed}
                        {queue.failed > 0 && <span className="visually-hidden"> (has failures)</span>}
                      </td>
                      <td className="num">{formatNumber(queue.completedPerMinute, 1)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}

          <h2>Workers</h2>
          {launch && <ProbeWorkers />}
          {workers.length === 0 ? (
            <EmptyState title="No worker has registered." testId="workers-empty">
              Start a worker process (apps/worker); runs stay queued until one takes them.
            </EmptyState>
          ) : (
            <div className="table-wrap">
              <table className="data" data-testid="workers-table">
                <thead>
                  <tr>
                    <th scope="col">Worker</th>
                    <th scope="col">State</th>
                    <th scope="col">Host</th>
                    <th scope="col">Device</th>
                    <th scope="col">Backend</th>
                    <th scope="col">Current job</th>
                    <th scope="col" className="num">
                      Heartbeat age
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {workers.map((worker) => {
                    const health = healthById.get(worker.id)!;
                    return (
                      <tr
                        key={worker.id}
                        data-testid={`worker-row-${worker.id}`}
                        data-health={health}
                        className={
                          health === 'lost' ? 'highlight-danger' : health === 'stalled' ? 'highlight-warn' : undefined
                        }
                      >
                        <th scope="row" className="mono">
                          {worker.id}
                        </th>
                        <td>
                          <StatusBadge status={health} />
                        </td>
                        <td>{worker.host}</td>
                        <td>{worker.device}</td>
                        <td>{worker.backend}</td>
                        <td className="mono small">
                          {worker.currentJob ? <JobLink job={worker.currentJob} /> : '—'}
                          {worker.currentJob && (health === 'lost' || health === 'stalled') && (
                            <span className="row-meta" style={{ color: 'var(--danger)' }}>
                              job stalled with its worker
                            </span>
                          )}
                        </td>
                        <td className="num" title={formatDateTime(worker.lastHeartbeatAt)}>
                          {formatSeconds(worker.heartbeatAgeSeconds)}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}

      <h2>Stalled runs</h2>
      {!running.ok ? (
        <ApiErrorNotice error={running.error} />
      ) : stalledRuns.length === 0 ? (
        <p className="muted" data-testid="stalled-none">
          Every running run has a live worker.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="data" data-testid="stalled-runs">
            <caption>Running runs whose worker is lost, stalled or unknown</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Worker</th>
                <th scope="col">Epoch</th>
                <th scope="col">Attempts</th>
              </tr>
            </thead>
            <tbody>
              {stalledRuns.map((run) => (
                <tr key={run.id} className="highlight-danger">
                  <td>
                    <Link prefetch={false} href={`/runs/${encodeURIComponent(run.id)}`} className="mono">
                      {run.id}
                    </Link>
                  </td>
                  <td className="mono">
                    {run.workerId ?? 'none'} (
                    {run.workerId ? (healthById.get(run.workerId) ?? 'unknown') : 'unassigned'})
                  </td>
                  <td>
                    {run.epoch}/{run.epochs}
                  </td>
                  <td>{run.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
