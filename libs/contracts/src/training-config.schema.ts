import { z } from 'zod';
import { DEFAULT_BACKBONE } from './backbones';

/**
 * One training configuration. Immutable once stored: its id is the hash of its canonical JSON
 * (after defaults are applied), so two equal configs are one row.
 */
export const METHODS = ['cafe', 'linear-probe', 'finetune'] as const;
export const MASK_NETS = ['mlp', 'resnet18'] as const;
export const HEADS = ['fc', 'group-max'] as const;
export const MODEL_SELECTIONS = ['last', 'source-val', 'oracle'] as const;

export const optimizerConfigSchema = z
  .object({
    lr: z.number().positive().max(1).default(2e-4),
    weightDecay: z.number().min(0).max(1).default(1e-4),
    /** ExponentialLR factor, applied once per epoch. */
    gamma: z.number().positive().max(1).default(0.9),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    eps: z.number().positive().default(1e-8),
  })
  .strict();

export const augmentConfigSchema = z
  .object({
    flip: z.boolean().default(true),
    /** Random erasing as in the official code: probability and area range. */
    erasingProbability: z.number().min(0).max(1).default(0.5),
    erasingScale: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).default([0.02, 0.25]),
    /** Gaussian pixel noise variance (0-255 scale); 0 disables it. */
    noiseVariance: z.number().min(0).max(10_000).default(30),
    /**
     * `cached`: the frozen model sees only the original and flipped views, computed once and cached;
     * erasing and noise then apply only to the image-space mask net. `recompute`: every augmented
     * image goes through the frozen model each epoch (slow, exact).
     */
    frozenPath: z.enum(['cached', 'recompute']).default('cached'),
  })
  .strict()
  .refine((a) => a.erasingScale[0] <= a.erasingScale[1], {
    message: 'erasingScale must be [min, max] with min <= max',
    path: ['erasingScale'],
  });

export const trainingConfigSchema = z
  .object({
    method: z.enum(METHODS).default('cafe'),
    /** Frozen face model, a name from the backbone registry of libs/cafe. */
    backbone: z.string().min(1).max(100).default(DEFAULT_BACKBONE),
    /** Path to weights for backbones that need a user file (clip-vit-b32). */
    backboneWeights: z.string().max(4096).optional(),
    maskNet: z.enum(MASK_NETS).default('mlp'),
    maskNetHidden: z.number().int().min(1).max(8192).default(512),
    head: z.enum(HEADS).default('fc'),
    /** false = plain frozen features (the no-mask ablation). */
    useMask: z.boolean().default(true),
    lambdaDiverse: z.number().min(0).max(1000).default(5),
    lambdaSeparation: z.number().min(0).max(1000).default(1.5),
    /** Fraction of each class group's channels dropped by the separation loss (10 of 73 in the paper). */
    dropRatio: z.number().min(0).lt(1).default(10 / 73),
    numClasses: z.union([z.literal(7), z.literal(8)]).default(7),
    epochs: z.number().int().min(1).max(1000).default(60),
    batchSize: z.number().int().min(1).max(4096).default(32),
    imageSize: z.number().int().min(16).max(1024).default(224),
    /** Fraction of the source train split held out for source-validation model selection. */
    sourceValFraction: z.number().min(0).max(0.5).default(0.1),
    /** Cap on source training images (0 = all); handy for quick sweeps. */
    maxTrainSamples: z.number().int().min(0).default(0),
    optimizer: optimizerConfigSchema.default(optimizerConfigSchema.parse({})),
    augment: augmentConfigSchema.default(augmentConfigSchema.parse({})),
  })
  .strict();

export type TrainingConfigInput = z.input<typeof trainingConfigSchema>;
export type TrainingConfig = z.output<typeof trainingConfigSchema>;
export type OptimizerConfig = z.output<typeof optimizerConfigSchema>;
export type AugmentConfig = z.output<typeof augmentConfigSchema>;
export type Method = (typeof METHODS)[number];
export type MaskNetName = (typeof MASK_NETS)[number];
export type HeadName = (typeof HEADS)[number];
export type ModelSelection = (typeof MODEL_SELECTIONS)[number];

export function parseTrainingConfig(input: unknown): TrainingConfig {
  return trainingConfigSchema.parse(input ?? {});
}

/** The CPU config of the platform: cached frozen features + MLP mask net. */
export const CPU_DEFAULTS: TrainingConfigInput = { maskNet: 'mlp', augment: { frozenPath: 'cached' } };
