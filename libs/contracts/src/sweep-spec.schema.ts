import { z } from 'zod';
import { trainingConfigSchema } from './training-config.schema';

/** The split of a target dataset that evaluations score: `test` unless the user names another on purpose. */
export const targetSplitSchema = z.enum(['test', 'val', 'train']);
export type TargetSplit = z.output<typeof targetSplitSchema>;

/** Hard cap on the runs one sweep may expand to; a bigger search space is rejected, not truncated. */
export const MAX_RUNS_PER_SWEEP = 5000;

/** A dotted path into the training config, e.g. `lambdaDiverse` or `optimizer.lr`. */
const parameterPathSchema = z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*)*$/, {
  message: 'must be a dotted config path such as "optimizer.lr"',
});
const parameterValueSchema = z.union([z.number(), z.string(), z.boolean()]);

export const randomDistributionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('uniform'), min: z.number(), max: z.number() }).strict(),
  z.object({ type: z.literal('loguniform'), min: z.number().positive(), max: z.number().positive() }).strict(),
  z.object({ type: z.literal('int'), min: z.number().int(), max: z.number().int() }).strict(),
  z.object({ type: z.literal('choice'), values: z.array(parameterValueSchema).min(1).max(1000) }).strict(),
]);

export const searchSpaceSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('grid'),
      parameters: z.record(parameterPathSchema, z.array(parameterValueSchema).min(1).max(1000)).default({}),
    })
    .strict(),
  z
    .object({
      kind: z.literal('random'),
      parameters: z.record(parameterPathSchema, randomDistributionSchema),
      budget: z.number().int().min(1).max(MAX_RUNS_PER_SWEEP),
      /** Seed of the sampler, so a random sweep expands the same way every time. */
      samplerSeed: z.number().int().min(0).default(0),
    })
    .strict(),
  z
    .object({
      kind: z.literal('tpe'),
      parameters: z.record(parameterPathSchema, randomDistributionSchema),
      /** Trials (points) proposed in all; each trial trains one run per source and seed. */
      budget: z.number().int().min(1).max(MAX_RUNS_PER_SWEEP),
      samplerSeed: z.number().int().min(0).default(0),
      /** Trials drawn at random before TPE models the results (Optuna's n_startup_trials). */
      startupTrials: z.number().int().min(1).max(MAX_RUNS_PER_SWEEP).default(10),
      /** Candidates drawn from the good-trials density per proposal; the best l(x)/g(x) is proposed (n_ei_candidates). */
      candidates: z.number().int().min(1).max(1000).default(24),
      /** Trials training at once: a new one is proposed each time one ends, from every result stored by then. */
      parallelTrials: z.number().int().min(1).max(100).default(4),
    })
    .strict(),
]);

/** Selections a search may optimise: the oracle reads the test domains, so it is no objective (see `objectiveSchema`). */
export const OBJECTIVE_SELECTIONS = ['last', 'source-val'] as const;

/**
 * What a TPE search optimises, per trial: the mean over its runs (sources x seeds) of `metric` under `selection`:
 * `target-mean` (accuracy on the run's targets other than its source), `source-val` (accuracy on the held-out source
 * split) or one domain's accuracy.
 */
export const objectiveSchema = z
  .object({
    metric: z.string().min(1).max(100),
    selection: z.string().default('source-val'),
    goal: z.enum(['maximize', 'minimize']).default('maximize'),
  })
  .strict()
  .superRefine((objective, ctx) => {
    if (objective.selection === 'oracle') {
      ctx.addIssue({
        code: 'custom',
        path: ['selection'],
        message:
          'the oracle picks each run\'s best epoch on the test domains themselves; as a search objective it would leak the test domains into the search. Use "source-val" (training-domain validation) or "last"',
      });
    } else if (!(OBJECTIVE_SELECTIONS as readonly string[]).includes(objective.selection)) {
      ctx.addIssue({ code: 'custom', path: ['selection'], message: `unknown selection "${objective.selection}": use "source-val" or "last"` });
    }
  })
  .transform((objective) => ({ ...objective, selection: objective.selection as (typeof OBJECTIVE_SELECTIONS)[number] }));

/** The metrics early stopping reads at each rung, as the worker reports them every epoch. */
export const EARLY_STOPPING_METRICS = ['source-val', 'train-accuracy'] as const;

/**
 * Asynchronous successive halving (ASHA) on a training-domain metric: at rung epochs minEpochs x reductionFactor^k a
 * run continues only if its value is not below the (1 - 1/reductionFactor) quantile of the values recorded at that
 * rung so far (Ray Tune's rule); the others end `pruned`. `hyperband` runs ASHA brackets with growing minEpochs, the
 * runs assigned to them in turn.
 */
export const earlyStoppingSchema = z
  .object({
    kind: z.enum(['asha', 'hyperband']),
    metric: z.enum(EARLY_STOPPING_METRICS).default('source-val'),
    minEpochs: z.number().int().min(1).default(1),
    reductionFactor: z
      .number()
      .int()
      .refine((factor) => factor >= 2, { message: 'must be at least 2: a reduction factor of 1 never stops a run (each rung keeps all of them)' })
      .default(3),
  })
  .strict();

/**
 * A sweep's base config, validated as a config but kept as written: each run's config is the base plus that run's
 * parameters, resolved as a whole, so what is derived from other fields (the hold-out of a selection, evalEvery, a
 * method's defaults, a preset) follows the run's own fields instead of the base's resolution.
 */
const sweepBaseSchema = z
  .record(z.string(), z.unknown())
  .superRefine((base, ctx) => {
    const result = trainingConfigSchema.safeParse(base);
    if (result.success) return;
    for (const issue of result.error.issues) {
      // An unknown key is named as its own field, as the config schema's callers expect.
      const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
      for (const path of paths)
        ctx.addIssue({ code: 'custom', path, message: issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message, input: base });
    }
  })
  .default({});

export const sweepSpecSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(5000).optional(),
    benchmark: z.string().min(1).max(100).default('fer5'),
    base: sweepBaseSchema,
    search: searchSpaceSchema.default({ kind: 'grid', parameters: {} }),
    seeds: z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(100).default([0]),
    /** Source domains (or dataset names) to train on, one run per source. */
    sources: z.array(z.string().min(1)).min(1).max(50),
    /** Target domains to evaluate on; default: every domain of the benchmark. */
    targets: z.array(z.string().min(1)).min(1).max(50).optional(),
    /** The split every target is scored on; a target without it is refused, never scored on another split. */
    targetSplit: targetSplitSchema.default('test'),
    priority: z.enum(['interactive', 'background']).default('background'),
    /** Required by `search.kind: tpe`; the metric the searcher optimises. */
    objective: objectiveSchema.optional(),
    earlyStopping: earlyStoppingSchema.optional(),
    /** At most this many of the sweep's runs queued in the job queue or training at once; the rest wait, their reason shown. */
    maxConcurrentRuns: z.number().int().min(1).max(MAX_RUNS_PER_SWEEP).optional(),
    /** Worker hours (start to end of each run's training) after which no run of the sweep starts; running ones finish. */
    maxGpuHours: z.number().positive().max(1e6).optional(),
    /** Re-evaluate or retrain this sweep's runs by itself when a dataset they depend on gets a new version. */
    autoRefresh: z.boolean().default(false),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.search.kind === 'tpe' && !spec.objective)
      ctx.addIssue({ code: 'custom', path: ['objective'], message: 'a tpe search needs an objective, e.g. {metric: source-val, selection: source-val}' });
  });

export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
export type SweepSpec = z.output<typeof sweepSpecSchema>;
export type SearchSpace = z.output<typeof searchSpaceSchema>;
export type RandomDistribution = z.output<typeof randomDistributionSchema>;
export type SearchObjective = z.output<typeof objectiveSchema>;
export type EarlyStopping = z.output<typeof earlyStoppingSchema>;
export type TpeSearch = Extract<SearchSpace, { kind: 'tpe' }>;

/**
 * What `PATCH /sweeps/:id` may add to a sweep: seeds, sources, grid values, a larger random or tpe budget. Existing
 * runs are never touched; only the new points' runs are created.
 */
export const sweepGrowthSchema = z
  .object({
    seeds: z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(100).optional(),
    sources: z.array(z.string().min(1)).min(1).max(50).optional(),
    /** Grid sweeps: values added to existing parameters (a new parameter would change every existing point). */
    values: z.record(parameterPathSchema, z.array(parameterValueSchema).min(1).max(1000)).optional(),
    /** Random and tpe sweeps: the new total budget, at least the current one. */
    budget: z.number().int().min(1).max(MAX_RUNS_PER_SWEEP).optional(),
    maxConcurrentRuns: z.number().int().min(1).max(MAX_RUNS_PER_SWEEP).nullable().optional(),
    maxGpuHours: z.number().positive().max(1e6).nullable().optional(),
  })
  .strict()
  .refine((growth) => Object.values(growth).some((v) => v !== undefined), { message: 'nothing to change: name seeds, sources, values, budget, maxConcurrentRuns or maxGpuHours' });
export type SweepGrowth = z.output<typeof sweepGrowthSchema>;
