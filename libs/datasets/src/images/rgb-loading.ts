import sharp from 'sharp';
import type { FaceBox, Sample } from '../sample';

export interface RgbImage {
  /** size*size*3, RGB, row-major. */
  data: Uint8Array;
  width: number;
  height: number;
}

export interface LoadRgbOptions {
  /** `fill` stretches (the default: aligned crops are near-square); `cover` centre-crops to keep the aspect. */
  fit?: 'fill' | 'cover';
  /** Crop to the sample's face box (AffectNet) before resizing; default true when the sample has one. */
  cropToFaceBox?: boolean;
}

/** A sharp pipeline over the sample's image, whatever its source. */
export function sampleToSharp(sample: Sample): sharp.Sharp {
  const { image } = sample;
  if (image.kind === 'file') return sharp(image.path, { failOn: 'warning' });
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
}

function clampBox(box: FaceBox, width: number, height: number): sharp.Region | undefined {
  const left = Math.max(0, Math.floor(box.x));
  const top = Math.max(0, Math.floor(box.y));
  const right = Math.min(width, Math.ceil(box.x + box.width));
  const bottom = Math.min(height, Math.ceil(box.y + box.height));
  if (right - left < 2 || bottom - top < 2) return undefined;
  return { left, top, width: right - left, height: bottom - top };
}

async function faceRegion(sample: Sample, box: FaceBox): Promise<sharp.Region | undefined> {
  const { image } = sample;
  if (image.kind === 'pixels') return clampBox(box, image.width, image.height);
  const meta = await sharp(image.path).metadata();
  return clampBox(box, meta.width ?? 0, meta.height ?? 0);
}

/** Decodes, (optionally) crops to the face box, resizes to size×size and returns RGB bytes; grayscale becomes RGB. */
export async function loadRgb(sample: Sample, size: number, options: LoadRgbOptions = {}): Promise<RgbImage> {
  let pipeline = sampleToSharp(sample);
  const region =
    sample.faceBox && options.cropToFaceBox !== false ? await faceRegion(sample, sample.faceBox) : undefined;
  // Face boxes are in stored pixel coordinates, so a cropped image is not EXIF-rotated first.
  pipeline = region ? pipeline.extract(region) : pipeline.rotate();
  const { data, info } = await pipeline
    .resize(size, size, { fit: options.fit ?? 'fill' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels === 3)
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: size, height: size };
  // Single-band input can come back with one channel; expand it by hand.
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = data[i * info.channels];
  return { data: rgb, width: size, height: size };
}
