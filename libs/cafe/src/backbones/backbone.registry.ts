import type { Backbone, BackboneInfo, BackboneLoadOptions, BackboneRegistration } from './backbone';
import { clipVitB32Registration } from './clip-vit.backbone';
import { faceApiAgeGenderRegistration } from './face-api-age-gender.backbone';
import { faceApiExpressionRegistration } from './face-api-expression.backbone';
import { faceApiRecognitionRegistration } from './face-api-recognition.backbone';

/** The offline default: ships in an npm package; chosen by measured throughput (see README.md). */
export const DEFAULT_BACKBONE = 'face-api-expression';

const REGISTRY: readonly BackboneRegistration[] = [
  faceApiExpressionRegistration,
  faceApiRecognitionRegistration,
  faceApiAgeGenderRegistration,
  clipVitB32Registration,
];

export function listBackbones(): BackboneInfo[] {
  return REGISTRY.map(({ name, featureDim, inputSize, needsWeightsFile, description }) => ({ name, featureDim, inputSize, needsWeightsFile, description }));
}

export async function loadBackbone(name: string, options: BackboneLoadOptions = {}): Promise<Backbone> {
  const registration = REGISTRY.find((r) => r.name === name);
  if (!registration) throw new Error(`unknown backbone '${name}'; known: ${REGISTRY.map((r) => r.name).join(', ')}`);
  return registration.load(options);
}
