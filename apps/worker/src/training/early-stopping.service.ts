import type { EarlyStopping, EpochMetrics, SweepSpec } from '@fer/contracts';
import { bracketCount, bracketOf, rungDecision, rungEpochs } from '@fer/experiments';
import { Injectable } from '@nestjs/common';
import { withDatabaseRetry } from '../persistence/database-retry';
import { WorkerPrismaService } from '../persistence/worker-prisma.service';

/** A run's place under its sweep's early-stopping rule. */
export interface RungPlan {
  rule: EarlyStopping;
  bracket: number;
  brackets: number;
  /** The epochs it reports at (targets are scored there too, so a pruned run has scores at the epoch it stopped). */
  rungs: number[];
}

export interface RungVerdict {
  rung: number;
  value: number;
  cutoff: number | null;
  compared: number;
  stop: boolean;
}

/**
 * ASHA and hyperband for the runs of a sweep that asks for them: at each rung epoch the run's metric is compared with
 * the values recorded at that rung (same sweep, source domain and bracket) under a PostgreSQL advisory lock, so two
 * workers reaching the same rung at once are ordered; the value and the decision are stored (RungResult) and a
 * repeated report (a retried epoch) gets the stored decision back.
 */
@Injectable()
export class EarlyStoppingService {
  constructor(private readonly prisma: WorkerPrismaService) {}

  plan(run: { id: string; epochs: number }, sweepSpec: unknown): RungPlan | null {
    const rule = (sweepSpec as SweepSpec | null)?.earlyStopping;
    if (!rule) return null;
    const brackets = bracketCount(rule, run.epochs);
    const bracket = bracketOf(run.id, brackets);
    return { rule, brackets, bracket, rungs: rungEpochs(rule, run.epochs, bracket) };
  }

  /** The decision already recorded for this run to stop (a worker died between deciding and closing the run). */
  async stoppedAt(runId: string): Promise<RungVerdict | null> {
    const row = await withDatabaseRetry(() => this.prisma.client.rungResult.findFirst({ where: { runId, stop: true } }));
    return row && { rung: row.rung, value: row.value, cutoff: row.cutoff, compared: 0, stop: true };
  }

  /** At a rung epoch: the rule's verdict for this run (recorded); null at other epochs. */
  async report(
    run: { id: string; sweepId: string; sourceDomain: string },
    plan: RungPlan,
    metrics: EpochMetrics,
  ): Promise<RungVerdict | null> {
    if (!plan.rungs.includes(metrics.epoch)) return null;
    const value = plan.rule.metric === 'source-val' ? metrics.sourceValAccuracy : metrics.trainAccuracy;
    if (value === null) throw new Error(`early stopping reads ${plan.rule.metric}, which epoch ${metrics.epoch} did not report (no held-out source split)`);
    const rung = metrics.epoch;
    return withDatabaseRetry(() =>
      this.prisma.client.$transaction(async (tx) => {
        await tx.$queryRawUnsafe(
          `SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext($1))) l`,
          `rung:${run.sweepId}:${run.sourceDomain}:${plan.bracket}:${rung}`,
        );
        const existing = await tx.rungResult.findUnique({ where: { runId_rung: { runId: run.id, rung } } });
        if (existing) return { rung, value: existing.value, cutoff: existing.cutoff, compared: 0, stop: existing.stop };
        const recorded = await tx.rungResult.findMany({
          where: { sweepId: run.sweepId, sourceDomain: run.sourceDomain, bracket: plan.bracket, rung },
          select: { value: true },
        });
        const decision = rungDecision(
          recorded.map((r) => r.value),
          value,
          plan.rule.reductionFactor,
        );
        await tx.rungResult.create({
          data: { sweepId: run.sweepId, runId: run.id, sourceDomain: run.sourceDomain, bracket: plan.bracket, rung, value, cutoff: decision.cutoff, stop: decision.stop },
        });
        return { rung, value, cutoff: decision.cutoff, compared: decision.compared, stop: decision.stop };
      }),
    );
  }
}
