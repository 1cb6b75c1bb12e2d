import { z } from 'zod';
import { DEFAULT_BACKBONE } from './backbones';
import { PRESET_NAMES, expandPreset } from './training-presets';

/**
 * One training configuration. Immutable once stored: its id is the hash of its canonical JSON
 * (after defaults are applied), so two equal configs are one row.
 */
/**
 * `cafe` (on cached features with the mlp mask net, or on images with resnet18); the probes on frozen features
 * (`linear-probe`, `mlp-probe`); the image-space baselines on a ResNet-18 trunk (`erm`, `scn`, `rul`, `eac`).
 * `finetune` was renamed: `mlp-probe` (with mlp) or `erm` (with resnet18); stored configs were migrated.
 */
export const METHODS = ['cafe', 'linear-probe', 'mlp-probe', 'erm', 'scn', 'rul', 'eac'] as const;
/** Methods that train a ResNet-18 on the image whatever `maskNet` says. */
export const IMAGE_TRUNK_METHODS = ['erm', 'scn', 'rul', 'eac'] as const;
export const MASK_NETS = ['mlp', 'resnet18'] as const;
export const HEADS = ['fc', 'group-max'] as const;
/**
 * DomainBed's model selections, read from a run's per-epoch evaluations: `last` epoch, `source-val` (training-domain
 * validation: the epoch best on the held-out source split) and `oracle` (test-domain oracle: the best epoch on each
 * target; it peeks at the test domains and is labelled so everywhere).
 */
export const MODEL_SELECTIONS = ['last', 'source-val', 'oracle'] as const;
/** The selections a run can be trained for: the oracle needs no hold-out, `last` none either. */
export const TRAINING_SELECTIONS = ['last', 'source-val'] as const;
/** Hold-out taken when a run is selected by training-domain validation and names no fraction. */
export const DEFAULT_SOURCE_VAL_FRACTION = 0.1;
/** Target evaluations every this many epochs on image-space runs (each costs a pass over every target's images). */
export const DEFAULT_IMAGE_EVAL_EVERY = 5;

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
     * image goes through the frozen model each epoch (slow, exact). `shared` (cafe with the resnet18 mask net, as the
     * official code): each step's one augmented batch feeds both branches, the frozen model run on it (slowest).
     */
    frozenPath: z.enum(['cached', 'recompute', 'shared']).default('cached'),
    /**
     * `shared` only: what the frozen model is given. `backbone`: the augmented image under the backbone's own
     * normalisation (CLIP's statistics); `imagenet`: the very tensor the mask net sees, ImageNet-normalised and erased
     * to 0, as the official code feeds CLIP. Default `backbone`.
     */
    frozenNormalization: z.enum(['backbone', 'imagenet']).optional(),
  })
  .strict()
  .refine((a) => a.erasingScale[0] <= a.erasingScale[1], {
    message: 'erasingScale must be [min, max] with min <= max',
    path: ['erasingScale'],
  });

/** Self-Cure Network (official defaults). */
export const scnConfigSchema = z
  .object({
    /** Share of the batch in the high-importance group. */
    beta: z.number().gt(0).lt(1).default(0.7),
    /** Rank-regularisation margin. */
    margin1: z.number().min(0).max(1).default(0.15),
    /** Relabelling margin (max softmax − softmax at the label). */
    margin2: z.number().min(0).max(1).default(0.2),
    /** Relabelling starts at this epoch (1-based, as the official `i >= relabel_epoch`). */
    relabelEpoch: z.number().int().min(1).max(1000).default(10),
  })
  .strict();
/** Relative Uncertainty Learning (official defaults). */
export const rulConfigSchema = z
  .object({
    /** Width of the mu / log-variance embeddings (`out_dimension`). */
    featureDim: z.number().int().min(1).max(4096).default(64),
    /** Dropout of the mu / log-variance heads. */
    dropout: z.number().min(0).lt(1).default(0.4),
  })
  .strict();
/** Erasing Attention Consistency (official defaults). */
export const eacConfigSchema = z.object({ lambda: z.number().min(0).max(1000).default(5) }).strict();

const trainingConfigObjectSchema = z
  .object({
    method: z.enum(METHODS).default('cafe'),
    /** A paper preset (see training-presets.ts): expanded into the other fields before validation, and kept. */
    preset: z.enum(PRESET_NAMES).optional(),
    /**
     * A pretrained ResNet-18 trunk for every image-space ResNet-18 (cafe's resnet18 mask net, erm, scn, rul, eac):
     * a zip-format PyTorch checkpoint or .safetensors with torchvision names, inside the data roots, loaded as
     * load_state_dict(strict=False); the report is stored with the run.
     */
    trunkWeights: z.string().min(1).max(4096).optional(),
    /** Frozen face model, a name from the backbone registry of libs/cafe. */
    backbone: z.string().min(1).max(100).default(DEFAULT_BACKBONE),
    /** Path to weights for backbones that need a user file (clip-vit-b32). */
    backboneWeights: z.string().max(4096).optional(),
    maskNet: z.enum(MASK_NETS).default('mlp'),
    maskNetHidden: z.number().int().min(1).max(8192).default(512),
    /**
     * cafe's `mlp` mask net ends in ReLU, so sigmoid(m) stays in [0.5, 1) as in the official net (resolved to true for
     * cafe + mlp; stored configs from before the switch were migrated to false, the net they trained).
     */
    maskNetFinalRelu: z.boolean().optional(),
    /** The FC head's learning rate as a multiple of optimizer.lr (RUL trains its FC at 10x; default 1, rul 10). */
    fcLrMultiplier: z.number().positive().max(1000).optional(),
    scn: scnConfigSchema.optional(),
    rul: rulConfigSchema.optional(),
    eac: eacConfigSchema.optional(),
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
    /**
     * How this run is meant to be selected: `source-val` holds out part of the source train split and scores it every
     * epoch; `last` trains on all of it (no hold-out, so `source-val` views show the run as not selectable).
     */
    selection: z.enum(TRAINING_SELECTIONS).optional(),
    /**
     * Fraction of the source train split held out (selection `source-val` only; default 0.1 there, 0 for `last`).
     * Without a selection, 0 means `last` and anything else `source-val`.
     */
    sourceValFraction: z.number().min(0).max(0.5).optional(),
    /**
     * Targets are scored every this many epochs and at the last one, every score stored, so `oracle` is the best stored
     * epoch. Default: every epoch on cached features, every 5 on images (the selections' epochs are always scored).
     */
    evalEvery: z.number().int().min(1).max(1000).optional(),
    /** Cap on source training images (0 = all); handy for quick sweeps. */
    maxTrainSamples: z.number().int().min(0).default(0),
    optimizer: optimizerConfigSchema.default(optimizerConfigSchema.parse({})),
    augment: augmentConfigSchema.default(augmentConfigSchema.parse({})),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.selection === 'last' && c.sourceValFraction !== undefined && c.sourceValFraction > 0)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['sourceValFraction'],
        message: 'selection "last" holds out no source data: remove sourceValFraction or use selection "source-val"',
      });
    if (c.selection === 'source-val' && c.sourceValFraction === 0)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['sourceValFraction'],
        message: 'selection "source-val" needs a held-out source split: give sourceValFraction > 0 or use selection "last"',
      });
  })
  // The resolved values are stored, so a config's hash covers the hold-out and evaluation schedule that ran.
  .transform((c) => {
    const selection: TrainingSelection = c.selection ?? (c.sourceValFraction === 0 ? 'last' : 'source-val');
    return {
      ...c,
      selection,
      sourceValFraction: selection === 'last' ? 0 : (c.sourceValFraction ?? DEFAULT_SOURCE_VAL_FRACTION),
      evalEvery: c.evalEvery ?? (trainsOnImages(c) ? DEFAULT_IMAGE_EVAL_EVERY : 1),
    };
  });

/**
 * The training config: a `preset` is expanded first (a field that conflicts with it is an issue at that field), then
 * validated; method-specific fields are resolved for the method that uses them (and refused on another), so a stored
 * config holds every value that ran and its hash changes only where the model does.
 */
export const trainingConfigSchema = z.preprocess(
  (input, ctx) => {
    const { value, issues } = expandPreset(input);
    for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input });
    return value;
  },
  trainingConfigObjectSchema.transform((c, ctx) => {
    const misplaced = (field: 'scn' | 'rul' | 'eac' | 'maskNetFinalRelu' | 'fcLrMultiplier' | 'trunkWeights', message: string) =>
      ctx.addIssue({ code: 'custom', path: [field], message, input: c[field] });
    for (const method of ['scn', 'rul', 'eac'] as const)
      if (c[method] !== undefined && c.method !== method) misplaced(method, `${method} settings apply to method "${method}" only (method is "${c.method}")`);
    const cafeMlp = c.method === 'cafe' && c.useMask && c.maskNet === 'mlp';
    if (c.maskNetFinalRelu !== undefined && !cafeMlp) misplaced('maskNetFinalRelu', 'applies to method cafe with maskNet mlp only');
    if (c.method === 'mlp-probe' && c.maskNet !== 'mlp')
      ctx.addIssue({ code: 'custom', path: ['maskNet'], message: 'mlp-probe is an MLP on frozen features: maskNet must be mlp (a ResNet-18 on the image is method erm)', input: c.maskNet });
    if (c.fcLrMultiplier !== undefined && !hasFcHead(c)) misplaced('fcLrMultiplier', 'this config has no FC head');
    if (c.trunkWeights !== undefined && !trainsOnImages(c)) misplaced('trunkWeights', 'this config has no ResNet-18 trunk (an image-space method, or cafe with maskNet resnet18)');
    const shared = c.augment.frozenPath === 'shared';
    if (shared && !(c.method === 'cafe' && trainsOnImages(c)))
      ctx.addIssue({ code: 'custom', path: ['augment', 'frozenPath'], message: '"shared" feeds one augmented batch to the frozen model and the image mask net: it needs method cafe with maskNet resnet18', input: c.augment.frozenPath });
    if (c.augment.frozenNormalization !== undefined && !shared)
      ctx.addIssue({ code: 'custom', path: ['augment', 'frozenNormalization'], message: 'applies to augment.frozenPath "shared" only', input: c.augment.frozenNormalization });
    return {
      ...c,
      ...(shared ? { augment: { ...c.augment, frozenNormalization: c.augment.frozenNormalization ?? 'backbone' } } : {}),
      ...(cafeMlp ? { maskNetFinalRelu: c.maskNetFinalRelu ?? true } : {}),
      ...(c.method === 'rul' ? { fcLrMultiplier: c.fcLrMultiplier ?? 10 } : {}),
      ...(c.method === 'scn' ? { scn: scnConfigSchema.parse(c.scn ?? {}) } : {}),
      ...(c.method === 'rul' ? { rul: rulConfigSchema.parse(c.rul ?? {}) } : {}),
      ...(c.method === 'eac' ? { eac: eacConfigSchema.parse(c.eac ?? {}) } : {}),
    };
  }),
);

function hasFcHead(c: { method: string; head: string }): boolean {
  return c.method !== 'cafe' || c.head === 'fc';
}

/**
 * Whether a config reads the frozen backbone's features. The image-space baselines (erm, scn, rul, eac) train a
 * ResNet-18 on the pixels alone, so no frozen model is run for them (with CLIP that would be hours of CPU for nothing).
 */
export function usesFrozenFeatures(c: { method: string }): boolean {
  return !(IMAGE_TRUNK_METHODS as readonly string[]).includes(c.method);
}

/** Whether training reads frozen features computed ahead (cached or recomputed per epoch) rather than none or per step. */
export function readsPrecomputedFeatures(c: { method: string; augment: { frozenPath: string } }): boolean {
  return usesFrozenFeatures(c) && c.augment.frozenPath !== 'shared';
}

/** Whether a config trains a network on images (conv trunk), rather than on frozen features. */
export function trainsOnImages(c: { method: string; maskNet: string; useMask: boolean }): boolean {
  if (c.method === 'cafe') return c.useMask && c.maskNet === 'resnet18';
  return (IMAGE_TRUNK_METHODS as readonly string[]).includes(c.method);
}

// The input before preset expansion is any object; this is the shape a config is written in.
export type TrainingConfigInput = z.input<typeof trainingConfigObjectSchema>;
export type TrainingConfig = z.output<typeof trainingConfigSchema>;
export type OptimizerConfig = z.output<typeof optimizerConfigSchema>;
export type AugmentConfig = z.output<typeof augmentConfigSchema>;
export type Method = (typeof METHODS)[number];
export type MaskNetName = (typeof MASK_NETS)[number];
export type HeadName = (typeof HEADS)[number];
export type ModelSelection = (typeof MODEL_SELECTIONS)[number];
export type TrainingSelection = (typeof TRAINING_SELECTIONS)[number];

export function parseTrainingConfig(input: unknown): TrainingConfig {
  return trainingConfigSchema.parse(input ?? {});
}

/** The CPU config of the platform: cached frozen features + MLP mask net. */
export const CPU_DEFAULTS: TrainingConfigInput = { maskNet: 'mlp', augment: { frozenPath: 'cached' } };
