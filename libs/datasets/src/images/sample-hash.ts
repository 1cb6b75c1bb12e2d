import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Sample } from '../sample';

// Keyed by path + size + mtime, so a file changed in place is hashed again.
const fileHashCache = new Map<string, string>();

function cacheKey(path: string, size: number, mtimeMs: number): string {
  return `${path}\0${size}\0${mtimeMs}`;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Records the hash of bytes already read (by the validator), so hashing does not read the file twice. */
export async function rememberFileHash(path: string, bytes: Uint8Array): Promise<string> {
  const info = await stat(path);
  const hash = sha256(bytes);
  fileHashCache.set(cacheKey(path, info.size, info.mtimeMs), hash);
  return hash;
}

/** sha256 of the image file's bytes, or of the pixel data (prefixed with its shape) for in-memory samples. */
export async function sampleContentHash(sample: Sample): Promise<string> {
  const { image } = sample;
  if (image.kind === 'pixels') {
    return createHash('sha256')
      .update(`${image.width}x${image.height}x${image.channels}\n`)
      .update(image.data)
      .digest('hex');
  }
  const info = await stat(image.path);
  const key = cacheKey(image.path, info.size, info.mtimeMs);
  const cached = fileHashCache.get(key);
  if (cached) return cached;
  const hash = sha256(await readFile(image.path));
  fileHashCache.set(key, hash);
  return hash;
}

/**
 * Content checksum of a dataset: sha256 over the samples sorted by key, one line `key\tsplit\tlabel\tfilehash` each.
 * Any changed image, label, split, added or removed sample changes it; file paths outside the key do not.
 */
export async function datasetChecksum(samples: readonly Sample[]): Promise<string> {
  const sorted = [...samples].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const hash = createHash('sha256');
  for (const sample of sorted) {
    hash.update(`${sample.key}\t${sample.split}\t${sample.label}\t${await sampleContentHash(sample)}\n`);
  }
  return hash.digest('hex');
}
