import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

/** A fresh temp folder; call the returned cleanup in `after`. */
export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `fer-datasets-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes a real, small image (a solid colour with a gradient, so encoders do real work). */
export async function writeImage(
  path: string,
  options: { size?: number; shade?: number; format?: 'jpeg' | 'png'; gray?: boolean } = {},
): Promise<Buffer> {
  const size = options.size ?? 16;
  const shade = options.shade ?? 128;
  const channels = options.gray ? 1 : 3;
  const pixels = Buffer.alloc(size * size * channels);
  for (let i = 0; i < size * size; i++) {
    for (let c = 0; c < channels; c++) pixels[i * channels + c] = (shade + (i % size) * 4 + c * 30) % 256;
  }
  const image = sharp(pixels, { raw: { width: size, height: size, channels } });
  const format = options.format ?? (path.endsWith('.png') ? 'png' : 'jpeg');
  const bytes = format === 'png' ? await image.png().toBuffer() : await image.jpeg({ quality: 90 }).toBuffer();
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return bytes;
}

export async function writeText(path: string, text: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}
