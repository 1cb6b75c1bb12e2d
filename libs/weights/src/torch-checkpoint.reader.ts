import { unzipSync } from 'fflate';
import { Parser } from 'pickleparser';

/** One tensor of a checkpoint, materialised in row-major order (float tensors as float32, integer ones as numbers). */
export interface CheckpointTensor {
  shape: number[];
  dtype: string;
  values: Float32Array;
}

export class CheckpointFormatError extends Error {
  override readonly name = 'CheckpointFormatError';
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
/** torch storage class -> bytes per element and how to read one element. */
const STORAGES: Record<string, { bytes: number; read: (view: DataView, offset: number) => number }> = {
  FloatStorage: { bytes: 4, read: (v, o) => v.getFloat32(o, true) },
  DoubleStorage: { bytes: 8, read: (v, o) => v.getFloat64(o, true) },
  HalfStorage: { bytes: 2, read: (v, o) => halfToFloat(v.getUint16(o, true)) },
  BFloat16Storage: {
    bytes: 2,
    read: (v, o) => new Float32Array(new Uint32Array([v.getUint16(o, true) << 16]).buffer)[0],
  },
  LongStorage: { bytes: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  IntStorage: { bytes: 4, read: (v, o) => v.getInt32(o, true) },
  ShortStorage: { bytes: 2, read: (v, o) => v.getInt16(o, true) },
  CharStorage: { bytes: 1, read: (v, o) => v.getInt8(o) },
  ByteStorage: { bytes: 1, read: (v, o) => v.getUint8(o) },
  BoolStorage: { bytes: 1, read: (v, o) => v.getUint8(o) },
};

interface StorageRef {
  storageType: string;
  key: string;
}

interface TensorRef {
  __tensor: true;
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}

/**
 * The tensors of a PyTorch checkpoint in the zip format (`torch.save` since 1.6: `<name>/data.pkl` + one file per
 * storage under `<name>/data/`), without Python: the pickle is read by `pickleparser`, admitting only the globals a
 * saved state dict uses (OrderedDict, torch's tensor rebuild and storage classes), so no code in the file ever runs.
 * Accepts a bare state dict or `{'state_dict': ...}`; strips `module.` prefixes (nn.DataParallel).
 */
export function readTorchCheckpoint(bytes: Uint8Array, file = 'checkpoint'): Map<string, CheckpointTensor> {
  if (!ZIP_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new CheckpointFormatError(
      `${file} is not a zip-format PyTorch checkpoint: a legacy (pre-1.6) one? Convert it with PyTorch: ` +
        `python -c "import torch; torch.save(torch.load('${file}', map_location='cpu'), 'converted.pth')" (or save it as .safetensors)`,
    );
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw new CheckpointFormatError(`${file} is not a readable zip archive (${(error as Error).message})`);
  }
  const picklePath = Object.keys(entries).find((name) => name.endsWith('/data.pkl') || name === 'data.pkl');
  if (!picklePath) throw new CheckpointFormatError(`${file} has no data.pkl: not a torch.save checkpoint`);
  const prefix = picklePath.slice(0, -'data.pkl'.length);
  const parser = new Parser({
    unpicklingTypeOfDictionary: 'object',
    nameResolver: { resolve: (module, name) => allowedGlobal(`${module}.${name}`, file) },
    persistentResolver: {
      resolve: (pid) => {
        const [kind, storageType, key] = pid as unknown as [string, { storageType?: string }, string];
        if (kind !== 'storage' || !storageType?.storageType)
          throw new CheckpointFormatError(`${file}: unsupported persistent id ${JSON.stringify(kind)}`);
        return { storageType: storageType.storageType, key: String(key) } satisfies StorageRef;
      },
    },
  });
  let root: unknown;
  try {
    root = parser.parse(entries[picklePath]);
  } catch (error) {
    if (error instanceof CheckpointFormatError) throw error;
    throw new CheckpointFormatError(`${file}: cannot read its pickle (${(error as Error).message})`);
  }
  const stateDict = stateDictOf(root, file);
  const tensors = new Map<string, CheckpointTensor>();
  for (const [rawName, value] of Object.entries(stateDict)) {
    if (!isTensorRef(value)) continue;
    const name = rawName.startsWith('module.') ? rawName.slice('module.'.length) : rawName;
    tensors.set(name, materialise(value, entries[`${prefix}data/${value.storage.key}`], `${file}: ${rawName}`));
  }
  return tensors;
}

/** The only globals a state dict needs; anything else is refused instead of being called. */
function allowedGlobal(name: string, file: string): (...args: unknown[]) => unknown {
  if (name === 'collections.OrderedDict') return () => ({});
  if (name === 'torch._utils._rebuild_tensor_v2' || name === 'torch._utils._rebuild_tensor') {
    return (storage, offset, size, stride) => ({ __tensor: true, storage, offset, size, stride }) as TensorRef;
  }
  if (name === 'torch._utils._rebuild_parameter') return (tensor) => tensor;
  const storage = /^torch\.(\w+Storage)$/.exec(name)?.[1];
  if (storage && storage in STORAGES) return Object.assign(() => undefined, { storageType: storage });
  throw new CheckpointFormatError(
    `${file}: refuses the Python global ${name} (a state dict needs only tensors; save model.state_dict())`,
  );
}

function stateDictOf(root: unknown, file: string): Record<string, unknown> {
  if (root && typeof root === 'object') {
    const candidate = (root as Record<string, unknown>).state_dict;
    if (candidate && typeof candidate === 'object') return candidate as Record<string, unknown>;
    if (Object.values(root).some(isTensorRef)) return root as Record<string, unknown>;
  }
  throw new CheckpointFormatError(`${file} holds neither a state dict nor {'state_dict': ...}`);
}

function isTensorRef(value: unknown): value is TensorRef {
  return typeof value === 'object' && value !== null && (value as TensorRef).__tensor === true;
}

function materialise(ref: TensorRef, data: Uint8Array | undefined, where: string): CheckpointTensor {
  const storage = STORAGES[ref.storage.storageType];
  if (!data) throw new CheckpointFormatError(`${where}: storage ${ref.storage.key} is missing from the archive`);
  const count = ref.size.reduce((a, b) => a * b, 1);
  const values = new Float32Array(count);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const index = new Array<number>(ref.size.length).fill(0);
  for (let i = 0; i < count; i++) {
    let element = ref.offset;
    for (let d = 0; d < index.length; d++) element += index[d] * ref.stride[d];
    if ((element + 1) * storage.bytes > data.byteLength)
      throw new CheckpointFormatError(`${where}: reads past the end of its storage`);
    values[i] = storage.read(view, element * storage.bytes);
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d] < ref.size[d]) break;
      index[d] = 0;
    }
  }
  return { shape: [...ref.size], dtype: ref.storage.storageType.replace(/Storage$/, ''), values };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
