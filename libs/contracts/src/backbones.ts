/**
 * What every process may know about a frozen face model without loading it: its name, feature width, input size and
 * whether the user must supply weights. libs/cafe registers a loader for each entry; the API checks configs against
 * this catalogue and so never loads TF.js.
 */
export interface BackboneInfo {
  name: string;
  featureDim: number;
  /** Square side, in pixels, of the RGB images the model embeds. */
  inputSize: number;
  needsWeightsFile: boolean;
  description: string;
}

/** The offline default: ships in an npm package; chosen by measured throughput (libs/cafe/src/backbones/README.md). */
export const DEFAULT_BACKBONE = 'face-api-expression';

export const BACKBONES: readonly BackboneInfo[] = [
  {
    name: 'face-api-expression',
    featureDim: 256,
    inputSize: 112,
    needsWeightsFile: false,
    description:
      'face-api expression net trunk (dense depthwise-separable CNN), 112 px, 256-d; expression-trained; weights ship in @vladmandic/face-api',
  },
  {
    name: 'face-api-recognition',
    featureDim: 128,
    inputSize: 150,
    needsWeightsFile: false,
    description:
      'face-api (dlib) ResNet-34 face descriptor, 150 px, 128-d; identity-trained; weights ship in @vladmandic/face-api',
  },
  {
    name: 'face-api-age-gender',
    featureDim: 512,
    inputSize: 112,
    needsWeightsFile: false,
    description:
      'face-api age/gender trunk (TinyXception), 112 px, 512-d; age/gender-trained; weights ship in @vladmandic/face-api',
  },
  {
    name: 'clip-vit-b32',
    featureDim: 512,
    inputSize: 224,
    needsWeightsFile: true,
    description:
      "CLIP ViT-B/32 image tower (the paper's frozen model), 224 px, 512-d; loads a local Hugging Face openai/clip-vit-base-patch32 .safetensors (hyperparameters inferred from tensor shapes)",
  },
];

/** The catalogue entry of a backbone; throws naming the known ones when there is none. */
export function backboneInfo(name: string): BackboneInfo {
  const info = BACKBONES.find((backbone) => backbone.name === name);
  if (!info) throw new Error(`unknown backbone '${name}'; known: ${BACKBONES.map((b) => b.name).join(', ')}`);
  return info;
}
