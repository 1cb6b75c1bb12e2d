import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TfjsWeights {
  tensors: tf.NamedTensorMap;
  /** sha256 (hex) over the manifest and its shard files. */
  digest: string;
}

interface ManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** Reads a TF.js weights manifest (`<model>-weights_manifest.json` + shards) with our own tfjs, dequantising as tfjs does. */
export async function readTfjsWeights(folder: string, modelName: string): Promise<TfjsWeights> {
  const manifestPath = join(folder, `${modelName}-weights_manifest.json`);
  let manifestText: Buffer;
  try {
    manifestText = await readFile(manifestPath);
  } catch (error) {
    throw new Error(`cannot read TF.js weights manifest ${manifestPath}: ${(error as Error).message}`);
  }
  const groups = JSON.parse(manifestText.toString('utf8')) as ManifestGroup[];
  // The tensors land on TF.js's backend: wait for the one being set up (or the default), as the ONNX engine may be
  // the first thing a process loads.
  await tf.ready();
  const hash = createHash('sha256').update(manifestText);
  const tensors: tf.NamedTensorMap = {};
  for (const group of groups) {
    const shards = await Promise.all(group.paths.map((path) => readFile(join(folder, path))));
    for (const shard of shards) hash.update(shard);
    const joined = Buffer.concat(shards);
    const buffer = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer;
    Object.assign(tensors, tf.io.decodeWeights(buffer, group.weights));
  }
  return { tensors, digest: hash.digest('hex') };
}

export function takeTensor<R extends tf.Rank>(tensors: tf.NamedTensorMap, name: string, shape: number[], source: string): tf.Tensor<R> {
  const tensor = tensors[name];
  if (!tensor) throw new Error(`${source}: missing tensor '${name}'`);
  if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => shape[i] !== -1 && d !== shape[i])) {
    throw new Error(`${source}: tensor '${name}' has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return tensor as tf.Tensor<R>;
}

export function packagedFaceApiModelFolder(): string {
  // Resolve through package.json so this works from src, dist and any workspace layout.
  return join(require.resolve('@vladmandic/face-api/package.json'), '..', 'model');
}
