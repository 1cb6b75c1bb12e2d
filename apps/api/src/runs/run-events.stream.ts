import { RunEvent, TERMINAL_RUN_STATUSES } from '@fer/contracts';
import type { MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { PrismaService } from '../database/prisma.service';
import { toEvaluationDto } from './runs.service';

/**
 * Live events of one run, read from Postgres (the source of truth) once a second, so any API replica can serve
 * any run whichever worker trains it. Ends after the run is terminal and everything has been sent.
 */
export function runEventStream(prisma: PrismaService, runId: string, pollMs = 1000): Observable<MessageEvent> {
  return new Observable<MessageEvent>((subscriber) => {
    let lastEpoch = 0;
    let lastLogId = 0n;
    const sentEvaluations = new Set<string>();
    let lastStatus = '';
    let stopped = false;
    const emit = (event: RunEvent) => subscriber.next({ type: event.type, data: event });

    const tick = async () => {
      const run = await prisma.client.run.findUnique({ where: { id: runId } });
      if (!run) {
        subscriber.error(new Error(`run ${runId} does not exist`));
        return;
      }
      const metrics = await prisma.client.epochMetric.findMany({ where: { runId, epoch: { gt: lastEpoch } }, orderBy: { epoch: 'asc' } });
      for (const { runId: _r, createdAt: _c, ...m } of metrics) {
        emit({ type: 'epoch', metrics: m });
        lastEpoch = m.epoch;
      }
      const logs = await prisma.client.runLog.findMany({ where: { runId, id: { gt: lastLogId } }, orderBy: { id: 'asc' }, take: 500 });
      for (const line of logs) {
        emit({ type: 'log', line: { at: line.at.toISOString(), level: line.level as 'info', message: line.message } });
        lastLogId = line.id;
      }
      const evaluations = await prisma.client.evaluation.findMany({ where: { runId, id: { notIn: [...sentEvaluations] } } });
      for (const evaluation of evaluations) {
        emit({ type: 'evaluation', evaluation: toEvaluationDto(evaluation) });
        sentEvaluations.add(evaluation.id);
      }
      const status = `${run.status}:${run.progress}:${run.epoch}`;
      if (status !== lastStatus) {
        emit({
          type: 'status',
          status: run.status,
          progress: run.progress,
          epoch: run.epoch,
          error: run.error,
          startedAt: run.startedAt?.toISOString() ?? null,
          finishedAt: run.finishedAt?.toISOString() ?? null,
        });
        lastStatus = status;
      }
      if (TERMINAL_RUN_STATUSES.includes(run.status)) subscriber.complete();
    };

    const loop = async () => {
      while (!stopped && !subscriber.closed) {
        try {
          await tick();
        } catch (error) {
          // A database blip should not end a live view; the next tick catches up.
          if ((error as Error).message.includes('does not exist')) return;
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    };
    void loop();
    return () => {
      stopped = true;
    };
  });
}
