import type { SweepSpec, TargetSplit } from '@fer/contracts';
import { runId, type ExpandedConfig } from '@fer/experiments';
import type { ResolvedDataset } from '../datasets/dataset-resolver';
import type { NewRun } from '../runs/run-records';

/** The reason a new run of a budgeted sweep waits with until the scheduler's next round admits it. */
export const HELD_FOR_SCHEDULER = 'waiting for the sweep scheduler';

/** A sweep with maxConcurrentRuns or maxGpuHours: its new runs wait, held, for the scheduler to admit them. */
export function isBudgeted(sweep: { maxConcurrentRuns?: number | null; maxGpuHours?: number | null }): boolean {
  return (sweep.maxConcurrentRuns ?? null) !== null || (sweep.maxGpuHours ?? null) !== null;
}

/** A sweep whose runs go through the scheduler: budgeted, or a tpe search (its trials are proposed there). */
export function isScheduled(spec: Pick<SweepSpec, 'maxConcurrentRuns' | 'maxGpuHours' | 'search'>): boolean {
  return isBudgeted(spec) || spec.search.kind === 'tpe';
}

/**
 * The runs of one point of a sweep: one per source and seed. `scope` makes the ids (the sweep, or its trial for a
 * tpe search, where the same point proposed twice is trained twice).
 */
export function pointRuns(input: {
  sweepId: string;
  scope: string;
  point: ExpandedConfig;
  sources: ResolvedDataset[];
  seeds: number[];
  targets: string[];
  targetSplit: TargetSplit;
  priority: number;
  createdById: string | null;
  heldReason: string | null;
  trial?: number;
}): NewRun[] {
  const { point, targets } = input;
  return input.sources.flatMap((source) =>
    input.seeds.map((seed) => ({
      id: runId({ scope: input.scope, configId: point.configId, sourceDatasetId: source.id, seed, targets }),
      configId: point.configId,
      config: point.config,
      params: point.params,
      sourceDatasetId: source.id,
      sourceDomain: source.domain,
      targets,
      targetSplit: input.targetSplit,
      seed,
      priority: input.priority,
      sweepId: input.sweepId,
      createdById: input.createdById,
      heldReason: input.heldReason,
      ...(input.trial !== undefined ? { trial: input.trial } : {}),
    })),
  );
}
