import type { PrismaClient } from '@prisma/client';
import { recordRunOutcome } from './webhook-events';

export type EvaluationCheckpoint = 'last' | 'source-val';

export interface ExpectedEvaluation {
  datasetId: string;
  domain: string;
  checkpoint: EvaluationCheckpoint;
}

/**
 * The evaluations a trained run owes: the newest ready dataset of each target domain, at the last checkpoint and,
 * when a source-validation split was held out, at the source-val best. Shared by the worker (which enqueues them)
 * and the reconciler (which restores the missing ones).
 */
export async function expectedEvaluations(
  prisma: PrismaClient,
  run: { targets: string[]; sourceValFraction: number },
): Promise<ExpectedEvaluation[]> {
  const checkpoints: EvaluationCheckpoint[] = run.sourceValFraction > 0 ? ['last', 'source-val'] : ['last'];
  const out: ExpectedEvaluation[] = [];
  for (const domain of run.targets) {
    const dataset = await prisma.dataset.findFirst({
      where: { domain, status: 'ready' },
      orderBy: [{ createdAt: 'desc' }, { version: 'desc' }],
      select: { id: true },
    });
    if (!dataset) continue;
    for (const checkpoint of checkpoints) out.push({ datasetId: dataset.id, domain, checkpoint });
  }
  return out;
}

export async function missingEvaluations(
  prisma: PrismaClient,
  run: { id: string; targets: string[]; sourceValFraction: number },
): Promise<ExpectedEvaluation[]> {
  const expected = await expectedEvaluations(prisma, run);
  const written = await prisma.evaluation.findMany({ where: { runId: run.id }, select: { datasetId: true, checkpoint: true } });
  const done = new Set(written.map((e) => `${e.datasetId}:${e.checkpoint}`));
  return expected.filter((e) => !done.has(`${e.datasetId}:${e.checkpoint}`));
}

/** Closes a run once every evaluation it owes is written. Idempotent; returns whether this call closed it. */
export async function completeRunIfEvaluated(
  prisma: PrismaClient,
  run: { id: string; targets: string[]; sourceValFraction: number },
): Promise<boolean> {
  if ((await missingEvaluations(prisma, run)).length > 0) return false;
  const { count } = await prisma.run.updateMany({
    where: { id: run.id, status: { in: ['queued', 'running'] }, trainedAt: { not: null } },
    data: { status: 'succeeded', progress: 1, finishedAt: new Date(), workerId: null },
  });
  if (count > 0) await recordRunOutcome(prisma, run.id);
  return count > 0;
}

export function sourceValFractionOf(configBody: unknown): number {
  return Number((configBody as { sourceValFraction?: number })?.sourceValFraction ?? 0);
}
