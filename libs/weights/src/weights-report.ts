import { readFile } from 'node:fs/promises';
import { SafetensorsFile } from './safetensors.reader';
import { resnet18TrunkShapes } from './resnet18-state-dict';
import { CheckpointFormatError, readTorchCheckpoint, type CheckpointTensor } from './torch-checkpoint.reader';

export const WEIGHT_ARCHITECTURES = ['resnet18'] as const;
export type WeightArchitecture = (typeof WEIGHT_ARCHITECTURES)[number];

/** What loading a checkpoint into a trunk does, as PyTorch's `load_state_dict(strict=False)` reports it. */
export interface WeightsReport {
  loaded: number;
  missing: string[];
  unexpected: string[];
}

/** Every tensor of a user's weights file: `.safetensors`, else a zip-format PyTorch checkpoint. */
export async function readStateDict(path: string): Promise<Map<string, CheckpointTensor>> {
  if (path.endsWith('.safetensors')) {
    const file = await SafetensorsFile.open(path);
    try {
      const tensors = new Map<string, CheckpointTensor>();
      for (const [name, entry] of file.entries) {
        if (!['F32', 'F16', 'BF16'].includes(entry.dtype)) continue;
        const data = await file.readFloat32(name);
        tensors.set(name.startsWith('module.') ? name.slice('module.'.length) : name, {
          shape: data.shape,
          dtype: entry.dtype,
          values: data.values,
        });
      }
      return tensors;
    } finally {
      await file.close();
    }
  }
  return readTorchCheckpoint(new Uint8Array(await readFile(path)), path);
}

/**
 * Matches a state dict against an architecture's trunk as `strict=False` does: keys of both are loaded, the trunk's
 * others are missing, the file's others unexpected. A key present in both with another shape is an error (PyTorch
 * refuses it too), and so is a file where no trunk key matches: it is not weights of this architecture.
 */
export function matchTrunk(
  tensors: ReadonlyMap<string, CheckpointTensor>,
  arch: WeightArchitecture,
  file: string,
): WeightsReport {
  const expected = resnet18TrunkShapes();
  const mismatched = [...tensors].filter(
    ([name, t]) => expected.has(name) && expected.get(name)!.join('x') !== t.shape.join('x'),
  );
  if (mismatched.length > 0) {
    const [name, tensor] = mismatched[0];
    throw new CheckpointFormatError(
      `${file}: ${mismatched.length} tensor(s) have another shape than ${arch} expects, e.g. ${name} is [${tensor.shape.join(', ')}], expected [${expected.get(name)!.join(', ')}]`,
    );
  }
  const loaded = [...expected.keys()].filter((name) => tensors.has(name));
  if (loaded.length === 0) {
    throw new CheckpointFormatError(
      `${file}: no ${arch} trunk key matches (expected torchvision names such as conv1.weight, layer1.0.bn1.weight): weights of another architecture?`,
    );
  }
  return {
    loaded: loaded.length,
    missing: [...expected.keys()].filter((name) => !tensors.has(name)),
    unexpected: [...tensors.keys()].filter((name) => !expected.has(name)).sort(),
  };
}

/** `fer weights inspect`: the report of loading a file into an architecture's trunk, without a server. */
export async function inspectWeights(path: string, arch: WeightArchitecture): Promise<WeightsReport> {
  return matchTrunk(await readStateDict(path), arch, path);
}
