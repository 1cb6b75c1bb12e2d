import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SafetensorsFile, SafetensorsFormatError } from './safetensors.reader';

// The tiny CLIP of libs/cafe's backbone tests is the real-world safetensors file (F32, F16 and BF16 tensors).
const FIXTURES = join(__dirname, '..', '..', 'cafe', 'fixtures', 'clip-tiny');

describe('safetensors reader', () => {
  let workDir: string;
  let original: Buffer;

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'safetensors-spec-'));
    original = await readFile(join(FIXTURES, 'model.safetensors'));
  });
  after(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  async function openBytes(name: string, bytes: Buffer): Promise<SafetensorsFile> {
    const path = join(workDir, name);
    await writeFile(path, bytes);
    return SafetensorsFile.open(path);
  }

  it('should report truncation naming a tensor when the data section is cut short', async () => {
    await assert.rejects(openBytes('cut.safetensors', original.subarray(0, original.length - 1000)), (error: Error) => {
      assert.ok(error instanceof SafetensorsFormatError);
      assert.match(error.message, /tensor '.+' ends at byte \d+ .*truncated/);
      return true;
    });
  });

  it('should report truncation when the file ends inside the header', async () => {
    await assert.rejects(openBytes('header-cut.safetensors', original.subarray(0, 100)), /header length \d+ does not fit .*truncated/);
  });

  it('should reject a file shorter than the 8-byte length prefix', async () => {
    await assert.rejects(openBytes('tiny.safetensors', Buffer.from([1, 2, 3])), /shorter than the 8-byte header length/);
  });

  it('should reject a header that is not JSON', async () => {
    const bytes = Buffer.from(original);
    bytes[8] = 0x7e; // '{' → '~'
    await assert.rejects(openBytes('garbage.safetensors', bytes), /header is not valid JSON/);
  });

  it('should reject a tensor whose byte span does not match dtype and shape', async () => {
    const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(header.length));
    await assert.rejects(openBytes('span.safetensors', Buffer.concat([length, header, Buffer.alloc(24)])), /tensor 'w' spans bytes 0\.\.20 .* needs 24/);
  });

  it('should decode F32, F16 and BF16 exactly when reading tensors', async () => {
    const expected = JSON.parse(await readFile(join(FIXTURES, 'expected.json'), 'utf8')) as { halfSamples: Record<string, number[]> };
    const file = await SafetensorsFile.open(join(FIXTURES, 'model-half.safetensors'));
    const dtypes = new Set<string>();
    for (const [name, values] of Object.entries(expected.halfSamples)) {
      const tensor = await file.readFloat32(name);
      dtypes.add(file.entries.get(name)!.dtype);
      assert.deepEqual(Array.from(tensor.values.subarray(0, values.length)), values);
    }
    assert.deepEqual([...dtypes].sort(), ['BF16', 'F16']);
    await file.close();
  });
});
