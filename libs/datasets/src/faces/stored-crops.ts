import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Sample } from '../sample';

/**
 * Points samples at the face crops written at import (`<cropDir>/<key>.png`, see cropFaces); samples without a
 * crop (no face found, kept whole) keep their original image. Used when a registered dataset is read again.
 */
export function withStoredCrops(samples: readonly Sample[], cropDir: string): Sample[] {
  return samples.map((sample) => {
    const path = join(cropDir, `${sample.key}.png`);
    if (!existsSync(path)) return sample;
    const { faceBox: _box, ...rest } = sample;
    return { ...rest, image: { kind: 'file', path } };
  });
}
