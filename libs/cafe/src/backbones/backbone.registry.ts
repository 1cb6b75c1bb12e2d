import { BACKBONES, type BackboneInfo } from '@fer/contracts';
import type { Backbone, BackboneLoadOptions, BackboneRegistration } from './backbone';
import { clipVitB32Registration } from './clip-vit.backbone';
import { faceApiAgeGenderRegistration } from './face-api-age-gender.backbone';
import { faceApiExpressionRegistration } from './face-api-expression.backbone';
import { faceApiRecognitionRegistration } from './face-api-recognition.backbone';

const REGISTRY: readonly BackboneRegistration[] = [
  faceApiExpressionRegistration,
  faceApiRecognitionRegistration,
  faceApiAgeGenderRegistration,
  clipVitB32Registration,
];

/** The catalogue of @fer/contracts, in its order: every entry has a loader here (backbone.registry.spec.ts). */
export function listBackbones(): BackboneInfo[] {
  return BACKBONES.filter((info) => REGISTRY.some((r) => r.name === info.name));
}

export async function loadBackbone(name: string, options: BackboneLoadOptions = {}): Promise<Backbone> {
  const registration = REGISTRY.find((r) => r.name === name);
  if (!registration) throw new Error(`unknown backbone '${name}'; known: ${REGISTRY.map((r) => r.name).join(', ')}`);
  return registration.load(options);
}
