import { listBackbones } from '@fer/cafe';
import type { TrainingConfig } from '@fer/contracts';
import { isAbsolute, relative, resolve } from 'node:path';
import { ApiError } from '../common/api-error';

/**
 * What the schema cannot know: a backbone that is not registered, a weights file outside the data roots. Refused when a run is created, naming the field, instead of failing hours later.
 */
export function assertRunnable(config: TrainingConfig, field: string, dataRoots?: readonly string[]): void {
  const backbone = listBackbones().find((b) => b.name === config.backbone);
  if (!backbone) {
    throw ApiError.validation(`unknown backbone "${config.backbone}"`, [
      { field: `${field}.backbone`, message: `one of ${listBackbones().map((b) => b.name).join(', ')}` },
    ]);
  }
  if (backbone.needsWeightsFile && !config.backboneWeights) {
    throw ApiError.validation(`backbone "${config.backbone}" needs a weights file`, [
      { field: `${field}.backboneWeights`, message: 'path of the .safetensors file (inside the data roots)' },
    ]);
  }
  if (config.backboneWeights && dataRoots) {
    const path = resolve(config.backboneWeights);
    const inside = dataRoots.some((root) => {
      const rel = relative(resolve(root), path);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    });
    if (!inside) {
      throw ApiError.validation('backboneWeights is outside the data roots', [
        { field: `${field}.backboneWeights`, message: 'must be a file inside FER_DATA_ROOTS' },
      ]);
    }
  }
}
