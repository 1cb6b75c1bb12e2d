import { open, type FileHandle } from 'node:fs/promises';

// Format: 8-byte little-endian header length N, N bytes of JSON header
// ({ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }), then the tensor bytes (offsets relative to 8 + N).
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const READABLE_DTYPES = new Set(['F32', 'F16', 'BF16']);

export class SafetensorsFormatError extends Error {
  override readonly name = 'SafetensorsFormatError';
}

export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute byte offset in the file. */
  offset: number;
  byteLength: number;
}

export interface Float32TensorData {
  shape: number[];
  values: Float32Array;
  /** The raw bytes as stored, for content digests. */
  raw: Uint8Array;
}

export class SafetensorsFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly entries: ReadonlyMap<string, SafetensorsEntry>,
    readonly metadata: Readonly<Record<string, string>>,
    /** The JSON header bytes, for content digests. */
    readonly headerBytes: Buffer,
  ) {}

  static async open(path: string): Promise<SafetensorsFile> {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const fail = (why: string): never => {
        throw new SafetensorsFormatError(`${path} is not a valid .safetensors file: ${why}`);
      };
      if (size < 8) fail(`file is ${size} bytes, shorter than the 8-byte header length`);
      const lengthBytes = Buffer.alloc(8);
      await handle.read(lengthBytes, 0, 8, 0);
      const headerLength = Number(lengthBytes.readBigUInt64LE(0));
      if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
        fail(`header length ${headerLength} does not fit in the ${size}-byte file (truncated or not safetensors)`);
      }
      const headerBytes = Buffer.alloc(headerLength);
      await handle.read(headerBytes, 0, headerLength, 8);
      let header: unknown;
      try {
        header = JSON.parse(headerBytes.toString('utf8'));
      } catch (error) {
        fail(`header is not valid JSON (${(error as Error).message})`);
      }
      if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
      const dataStart = 8 + headerLength;
      const dataSize = size - dataStart;
      const entries = new Map<string, SafetensorsEntry>();
      let metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
        if (name === '__metadata__') {
          metadata = (value ?? {}) as Record<string, string>;
          continue;
        }
        const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
        const bytesPerElement = typeof entry?.dtype === 'string' ? DTYPE_BYTES[entry.dtype] : undefined;
        if (bytesPerElement === undefined) fail(`tensor '${name}' has unknown dtype ${JSON.stringify(entry?.dtype)}`);
        const shape = entry.shape;
        if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`tensor '${name}' has an invalid shape`);
        const offsets = entry.data_offsets;
        if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o))) fail(`tensor '${name}' has invalid data_offsets`);
        const [begin, end] = offsets as [number, number];
        const expected = (shape as number[]).reduce((a, b) => a * b, 1) * bytesPerElement!;
        if (begin < 0 || end < begin || end - begin !== expected) {
          fail(`tensor '${name}' spans bytes ${begin}..${end} but dtype ${entry.dtype} x shape [${(shape as number[]).join(', ')}] needs ${expected}`);
        }
        if (end > dataSize) fail(`tensor '${name}' ends at byte ${end} of the data section but the file holds only ${dataSize} (truncated)`);
        entries.set(name, { name, dtype: entry.dtype as string, shape: shape as number[], offset: dataStart + begin, byteLength: end - begin });
      }
      return new SafetensorsFile(path, handle, entries, metadata, headerBytes);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Reads one tensor as float32 (F32, F16 and BF16 are supported). */
  async readFloat32(name: string): Promise<Float32TensorData> {
    const entry = this.entries.get(name);
    if (!entry) throw new SafetensorsFormatError(`${this.path}: missing tensor '${name}'`);
    if (!READABLE_DTYPES.has(entry.dtype)) {
      throw new SafetensorsFormatError(`${this.path}: tensor '${name}' has dtype ${entry.dtype}; only F32, F16 and BF16 are supported`);
    }
    const raw = Buffer.alloc(entry.byteLength);
    const { bytesRead } = await this.handle.read(raw, 0, entry.byteLength, entry.offset);
    if (bytesRead !== entry.byteLength) throw new SafetensorsFormatError(`${this.path}: tensor '${name}' is truncated`);
    return { shape: entry.shape, values: toFloat32(raw, entry.dtype), raw };
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

function toFloat32(raw: Buffer, dtype: string): Float32Array {
  const count = raw.byteLength / DTYPE_BYTES[dtype];
  const out = new Float32Array(count);
  if (dtype === 'F32') {
    out.set(new Float32Array(raw.buffer, raw.byteOffset, count)); // Buffer.alloc is never pooled, so byteOffset is 0 (aligned); x86/ARM are little-endian
  } else if (dtype === 'BF16') {
    // bfloat16 is the top half of a float32.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = raw.readUInt16LE(i * 2) << 16;
  } else {
    for (let i = 0; i < count; i++) out[i] = halfToFloat(raw.readUInt16LE(i * 2));
  }
  return out;
}

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
