import { BACKBONES, type TrainingConfig } from '@fer/contracts';
import { isAbsolute, relative, resolve } from 'node:path';
import { ExperimentError } from '../experiment.errors';

/**
 * What the schema cannot know: a backbone that is not in the catalogue, a weights file outside the data roots.
 * Refused when a run is created, naming the field (`<field>.backbone`), instead of failing hours later.
 */
export function assertRunnable(config: TrainingConfig, field: string, dataRoots?: readonly string[]): void {
  const backbone = BACKBONES.find((b) => b.name === config.backbone);
  if (!backbone) {
    throw ExperimentError.invalid(`unknown backbone "${config.backbone}"`, [
      { field: `${field}.backbone`, message: `one of ${BACKBONES.map((b) => b.name).join(', ')}` },
    ]);
  }
  if (backbone.needsWeightsFile && !config.backboneWeights) {
    throw ExperimentError.invalid(`backbone "${config.backbone}" needs a weights file`, [
      { field: `${field}.backboneWeights`, message: 'path of the .safetensors file (inside the data roots)' },
    ]);
  }
  for (const key of ['backboneWeights', 'trunkWeights'] as const) assertInsideRoots(config[key], `${field}.${key}`, dataRoots);
}

/** A weights path lexically inside one of the data roots (the API then checks it by real path). */
function assertInsideRoots(weights: string | undefined, field: string, dataRoots?: readonly string[]): void {
  if (weights && dataRoots) {
    const key = field.slice(field.lastIndexOf('.') + 1);
    const path = resolve(weights);
    const inside = dataRoots.some((root) => {
      const rel = relative(resolve(root), path);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    });
    if (!inside) {
      throw ExperimentError.invalid(`${key} is outside the data roots`, [{ field, message: 'must be a file inside FER_DATA_ROOTS' }]);
    }
  }
}
