import { confinePath } from '@fer/datasets';
import type { ExpandedConfig } from '@fer/experiments';
import { CheckpointFormatError, inspectWeights, SafetensorsFormatError } from '@fer/weights';
import { stat } from 'node:fs/promises';
import { ApiError } from '../common/api-error';

/**
 * A config's weights files (`backboneWeights`, `trunkWeights`) must be files that exist now, inside the data roots by
 * their real path (a symlink inside a root that leads out of it is refused). The worker checks again when it opens
 * them. Lexical confinement is assertRunnable's (pure); this is the part that needs the file system.
 */
export async function assertWeightsFiles(
  configs: readonly Pick<ExpandedConfig, 'config'>[],
  field: string,
  dataRoots: readonly string[],
): Promise<void> {
  for (const key of ['backboneWeights', 'trunkWeights'] as const) {
    const paths = [...new Set(configs.map((c) => c.config[key]).filter((p): p is string => Boolean(p)))];
    for (const path of paths) {
      const confined = await confinePath(dataRoots, path);
      if (!confined.ok) {
        throw ApiError.validation(`${key} refused: ${confined.message}`, [{ field: `${field}.${key}`, message: confined.message }]);
      }
      if (!(await stat(confined.realPath)).isFile()) {
        throw ApiError.validation(`${key} refused: ${path} is not a file`, [
          { field: `${field}.${key}`, message: 'must be a weights file, not a folder' },
        ]);
      }
      if (key === 'trunkWeights') await assertTrunkWeights(confined.realPath, `${field}.${key}`);
    }
  }
}

/**
 * A trunk's weights must read as a ResNet-18 state dict (zip-format torch checkpoint or safetensors, torchvision
 * names, at least one trunk key, no key of another shape), so a wrong file is a 400 before anything is stored rather
 * than a failed run later. The worker reads it again when it loads it.
 */
async function assertTrunkWeights(realPath: string, field: string): Promise<void> {
  try {
    await inspectWeights(realPath, 'resnet18');
  } catch (error) {
    if (!(error instanceof CheckpointFormatError) && !(error instanceof SafetensorsFormatError)) throw error;
    throw ApiError.validation(`trunkWeights refused: ${error.message}`, [{ field, message: error.message }]);
  }
}
