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
]);

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
  })
  .strict();

export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
export type SweepSpec = z.output<typeof sweepSpecSchema>;
export type SearchSpace = z.output<typeof searchSpaceSchema>;
export type RandomDistribution = z.output<typeof randomDistributionSchema>;
