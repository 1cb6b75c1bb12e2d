import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';

export type FeatureView = 'original' | 'flipped';
export const FEATURE_VIEWS: readonly FeatureView[] = ['original', 'flipped'];

// Entry file: a 32-byte header, then `dim` float32 little-endian values. See README.md.
const MAGIC = 0x46524546; // "FERF" read as a little-endian u32
const FORMAT_VERSION = 1;
const HEADER_BYTES = 32;
const VIEW_CODES: Record<FeatureView, number> = { original: 0, flipped: 1 };
const SAFE_NAME = /^[A-Za-z0-9._@-]{1,160}$/;
if (endianness() !== 'LE') throw new Error('feature cache: entries are stored little-endian; this platform is big-endian');

export interface FeatureCacheStats {
  hits: number;
  misses: number;
  /** Entries found but rejected (truncated, bit-flipped, wrong key or size); they are deleted and recomputed. */
  corrupt: number;
  writes: number;
}

function digest8(...parts: (string | Uint8Array)[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest().subarray(0, 8);
}

/**
 * Frozen features on disk, one small file per (backbone identity, image content hash, view):
 * `<root>/<backbone identity>/<first two characters of the hash>/<hash>.<view>.f32`.
 */
export class FeatureCache {
  readonly stats: FeatureCacheStats = { hits: 0, misses: 0, corrupt: 0, writes: 0 };

  constructor(readonly root: string) {}

  entryPath(backboneIdentity: string, contentHash: string, view: FeatureView): string {
    if (!SAFE_NAME.test(backboneIdentity)) throw new Error(`feature cache: backbone identity '${backboneIdentity}' is not a safe directory name`);
    if (!SAFE_NAME.test(contentHash) || contentHash.startsWith('.')) {
      throw new Error(`feature cache: content hash '${contentHash}' must be 1-160 characters of [A-Za-z0-9._@-] (e.g. hex sha256)`);
    }
    if (!(view in VIEW_CODES)) throw new Error(`feature cache: unknown view '${view}'`);
    return join(this.root, backboneIdentity, contentHash.slice(0, 2).toLowerCase(), `${contentHash}.${view}.f32`);
  }

  /** The cached features, or null when absent or invalid (an invalid entry is deleted so the caller recomputes it). */
  async read(backboneIdentity: string, contentHash: string, view: FeatureView, dim: number): Promise<Float32Array | null> {
    const path = this.entryPath(backboneIdentity, contentHash, view);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.stats.misses++;
        return null;
      }
      throw error;
    }
    const features = decodeEntry(bytes, digest8(backboneIdentity, contentHash, view), VIEW_CODES[view], dim);
    if (!features) {
      this.stats.corrupt++;
      this.stats.misses++;
      await unlink(path).catch(() => undefined);
      return null;
    }
    this.stats.hits++;
    return features;
  }

  /** Writes atomically: a temporary file in the same folder, then rename, so readers never see half an entry. */
  async write(backboneIdentity: string, contentHash: string, view: FeatureView, features: Float32Array): Promise<void> {
    const path = this.entryPath(backboneIdentity, contentHash, view);
    const bytes = encodeEntry(features, digest8(backboneIdentity, contentHash, view), VIEW_CODES[view]);
    await mkdir(join(path, '..'), { recursive: true });
    const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(bytes);
    } catch (error) {
      await handle.close();
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    await handle.close();
    try {
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    this.stats.writes++;
  }
}

function encodeEntry(features: Float32Array, key: Buffer, viewCode: number): Buffer {
  const payload = Buffer.from(Float32Array.from(features).buffer); // platform order; little-endian is asserted at load
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt16LE(FORMAT_VERSION, 4);
  header.writeUInt16LE(viewCode, 6);
  header.writeUInt32LE(features.length, 8);
  header.writeUInt32LE(0, 12);
  key.copy(header, 16);
  digest8(payload).copy(header, 24);
  return Buffer.concat([header, payload]);
}

function decodeEntry(bytes: Buffer, key: Buffer, viewCode: number, dim: number): Float32Array | null {
  if (bytes.length !== HEADER_BYTES + dim * 4) return null;
  if (bytes.readUInt32LE(0) !== MAGIC || bytes.readUInt16LE(4) !== FORMAT_VERSION || bytes.readUInt16LE(6) !== viewCode) return null;
  if (bytes.readUInt32LE(8) !== dim || !bytes.subarray(16, 24).equals(key)) return null;
  const payload = bytes.subarray(HEADER_BYTES);
  if (!bytes.subarray(24, 32).equals(digest8(payload))) return null;
  return new Float32Array(Uint8Array.from(payload).buffer);
}
