/**
 * Paper presets: `preset: <name>` in a training config (or a sweep's base) expands to each official implementation's
 * hyperparameters before validation, so the stored config (and its content hash) holds every value that ran. A field
 * given beside a preset must equal the preset's value: a conflicting one is a validation error naming the field.
 * Every preset starts its ResNet-18 from the user's pretrained trunk (MS-Celeb in the papers): `trunkWeights` is required.
 */
export const PRESET_NAMES = ['cafe-paper', 'erm-paper', 'scn-paper', 'rul-paper', 'eac-paper'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface TrainingPreset {
  name: PresetName;
  /** Where the values come from. */
  source: string;
  description: string;
  /** Config fields (nested objects are merged field by field). */
  values: Record<string, unknown>;
}

const COMMON = {
  imageSize: 224,
  numClasses: 7,
  selection: 'last',
  augment: { flip: true, erasingProbability: 0.5, erasingScale: [0.02, 0.25] },
} as const;

export const TRAINING_PRESETS: Record<PresetName, TrainingPreset> = {
  'cafe-paper': {
    name: 'cafe-paper',
    source: 'zyh-uaiaaaa/Generalizable-FER (ours_CAFE.py)',
    description: 'CAFE as published: CLIP ViT-B/32 frozen features masked by a ResNet-18 on the image, both fed one augmented batch per step (CLIP given the ImageNet-normalised, erased tensor), FC head, CE + 5·diverse + 1.5·separation, Adam 2e-4, 60 epochs, batch 32, last epoch',
    values: {
      ...COMMON,
      method: 'cafe',
      backbone: 'clip-vit-b32',
      maskNet: 'resnet18',
      head: 'fc',
      useMask: true,
      // One augmented batch feeds CLIP and the ResNet-18, CLIP given the ImageNet-normalised, erased tensor itself.
      augment: { ...COMMON.augment, frozenPath: 'shared', frozenNormalization: 'imagenet' },
      lambdaDiverse: 5,
      lambdaSeparation: 1.5,
      epochs: 60,
      batchSize: 32,
      optimizer: { lr: 2e-4, weightDecay: 1e-4, gamma: 0.9 },
    },
  },
  'erm-paper': {
    name: 'erm-paper',
    source: 'the baseline of the FER papers (ResNet-18 + CE), with the training schedule of zyh-uaiaaaa/Generalizable-FER',
    description: 'ERM: pretrained ResNet-18 + FC, cross-entropy, Adam 2e-4, 60 epochs, batch 32, last epoch',
    values: { ...COMMON, method: 'erm', epochs: 60, batchSize: 32, optimizer: { lr: 2e-4, weightDecay: 1e-4, gamma: 0.9 } },
  },
  'scn-paper': {
    name: 'scn-paper',
    source: 'kaiwang960112/Self-Cure-Network src/train.py (defaults: --optimizer adam, so torch.optim.Adam\'s lr 1e-3)',
    description: 'SCN: attention-weighted logits, rank regularisation (beta 0.7, margin1 0.15), relabelling from epoch 10 (margin2 0.2), Adam 1e-3, 70 epochs, batch 64',
    values: {
      ...COMMON,
      method: 'scn',
      epochs: 70,
      batchSize: 64,
      optimizer: { lr: 1e-3, weightDecay: 1e-4, gamma: 0.9 },
      scn: { beta: 0.7, margin1: 0.15, margin2: 0.2, relabelEpoch: 10 },
    },
  },
  'rul-paper': {
    name: 'rul-paper',
    source: 'zyh-uaiaaaa/Relative-Uncertainty-Learning src/main.py, rul.py',
    description: 'RUL: mu / log-variance heads (64-d, dropout 0.4) on layer4, uncertainty-weighted mixup, Adam 2e-4 with the FC at 2e-3, 60 epochs, batch 64',
    values: {
      ...COMMON,
      method: 'rul',
      epochs: 60,
      batchSize: 64,
      optimizer: { lr: 2e-4, weightDecay: 1e-4, gamma: 0.9 },
      fcLrMultiplier: 10,
      rul: { featureDim: 64, dropout: 0.4 },
    },
  },
  'eac-paper': {
    name: 'eac-paper',
    source: 'zyh-uaiaaaa/Erasing-Attention-Consistency src/main.py (ResNet-18 trunk here; the code ships ResNet-50)',
    description: 'EAC: CE + 5·MSE between the CAMs of the image and of its flipped, erased copy, Adam 1e-4, 60 epochs, batch 32',
    values: { ...COMMON, method: 'eac', epochs: 60, batchSize: 32, optimizer: { lr: 1e-4, weightDecay: 1e-4, gamma: 0.9 }, eac: { lambda: 5 } },
  },
};

/** A conflict between a preset and an explicit field: the field's path and what to do. */
export interface PresetIssue {
  path: (string | number)[];
  message: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The config a preset expands to: the preset's values under the explicit fields, and the conflicts (an explicit field
 * that differs from the preset's). Inputs without a known preset come back unchanged (the schema names an unknown one).
 */
export function expandPreset(input: unknown): { value: unknown; issues: PresetIssue[] } {
  if (!isRecord(input) || typeof input.preset !== 'string' || !(PRESET_NAMES as readonly string[]).includes(input.preset)) return { value: input, issues: [] };
  const preset = TRAINING_PRESETS[input.preset as PresetName];
  const issues: PresetIssue[] = [];
  const merge = (values: Record<string, unknown>, explicit: Record<string, unknown>, path: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...explicit };
    for (const [key, value] of Object.entries(values)) {
      const given = explicit[key];
      if (given === undefined) out[key] = value;
      else if (isRecord(value) && isRecord(given)) out[key] = merge(value, given, [...path, key]);
      else if (!sameValue(given, value))
        issues.push({
          path: [...path, key],
          message: `conflicts with preset "${preset.name}", which sets ${[...path, key].join('.')} to ${JSON.stringify(value)}: remove the field or the preset`,
        });
    }
    return out;
  };
  const value = merge(preset.values, input, []);
  if (typeof input.trunkWeights !== 'string' || input.trunkWeights.length === 0)
    issues.push({
      path: ['trunkWeights'],
      message: `preset "${preset.name}" starts its ResNet-18 from pretrained weights (MS-Celeb in the paper): give trunkWeights, the path of a .pth or .safetensors file inside the data roots`,
    });
  return { value, issues };
}
