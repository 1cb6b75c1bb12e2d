import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Sample } from '../sample';
import type { DetectedFace, FaceDetector } from './face-detector';

export type FaceCropAction = 'cropped' | 'kept-whole' | 'dropped';

/** What the face step did to one image; goes into the import report. */
export interface FaceCropRecord {
  key: string;
  action: FaceCropAction;
  /** The detected box (pixels of the original image) and its score, when a face was found. */
  box?: DetectedFace;
  /** The region written out, after margin and squaring. */
  crop?: { left: number; top: number; width: number; height: number };
  facesFound: number;
}

export interface CropFacesOptions {
  detector: FaceDetector;
  /** Cropped images are written to `<outDir>/<key>.png`; keys stay the same. */
  outDir: string;
  /** What to do with an image where no face is found: keep it uncropped (default) or leave it out. */
  onNoFace?: 'keep' | 'drop';
  /** Extra context around the box on each side, as a fraction of its larger side; default 0.2. */
  margin?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface CropFacesResult {
  samples: Sample[];
  records: FaceCropRecord[];
  counts: Record<FaceCropAction, number>;
}

/** A square around the box, grown by the margin, shifted (then shrunk) to stay inside the image. */
export function squareCrop(
  box: DetectedFace,
  width: number,
  height: number,
  margin: number,
): { left: number; top: number; width: number; height: number } {
  const side = Math.min(Math.round(Math.max(box.width, box.height) * (1 + 2 * margin)), width, height);
  const centerX = box.x + box.width / 2;
  const centerY = box.y + box.height / 2;
  const left = Math.round(Math.max(0, Math.min(width - side, centerX - side / 2)));
  const top = Math.round(Math.max(0, Math.min(height - side, centerY - side / 2)));
  return { left, top, width: side, height: side };
}

/**
 * Face preprocessing for datasets that are not aligned crops: detect faces, crop the largest, and record per image
 * what happened. Samples that already carry a face box (AffectNet) use it instead of the detector.
 */
export async function cropFaces(samples: readonly Sample[], options: CropFacesOptions): Promise<CropFacesResult> {
  const margin = options.margin ?? 0.2;
  const records: FaceCropRecord[] = [];
  const kept: Sample[] = [];
  const counts: Record<FaceCropAction, number> = { cropped: 0, 'kept-whole': 0, dropped: 0 };
  let done = 0;
  for (const sample of samples) {
    const decoded =
      sample.image.kind === 'file'
        ? await sharp(sample.image.path)
            .rotate()
            .removeAlpha()
            .toColourspace('srgb')
            .raw()
            .toBuffer({ resolveWithObject: true })
        : await sharp(sample.image.data, {
            raw: { width: sample.image.width, height: sample.image.height, channels: sample.image.channels },
          })
            .toColourspace('srgb')
            .raw()
            .toBuffer({ resolveWithObject: true });
    const { width, height } = decoded.info;
    const faces = sample.faceBox
      ? [{ ...sample.faceBox, score: 1 }]
      : await options.detector.detect({
          data: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length),
          width,
          height,
        });
    const largest = faces[0];
    if (!largest) {
      const action: FaceCropAction = options.onNoFace === 'drop' ? 'dropped' : 'kept-whole';
      records.push({ key: sample.key, action, facesFound: 0 });
      counts[action] += 1;
      if (action === 'kept-whole') kept.push(sample);
    } else {
      const crop = squareCrop(largest, width, height, margin);
      const path = join(options.outDir, `${sample.key}.png`);
      await mkdir(dirname(path), { recursive: true });
      await sharp(decoded.data, { raw: { width, height, channels: decoded.info.channels } })
        .extract(crop)
        .png()
        .toFile(path);
      records.push({ key: sample.key, action: 'cropped', box: largest, crop, facesFound: faces.length });
      counts.cropped += 1;
      const { faceBox: _dropBox, ...rest } = sample;
      kept.push({ ...rest, image: { kind: 'file', path } });
    }
    options.onProgress?.(++done, samples.length);
  }
  return { samples: kept, records, counts };
}
