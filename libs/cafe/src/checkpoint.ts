import { createHash } from 'node:crypto';
import type { TrainingConfig } from '@fer/contracts';
import type { AdamState } from './adam.optimizer';
import type { ModelShape } from './cafe-model';

/** Everything a run needs to continue exactly where it stopped. */
export interface Checkpoint {
  config: TrainingConfig;
  shape: ModelShape;
  seed: number;
  /** Epochs completed. */
  epoch: number;
  randomState: number;
  bestSourceValAccuracy: number | null;
  params: Float32Array[];
  adam: AdamState;
}

const MAGIC = 'FERCKPT1';

/** Layout: magic, header length (u32 LE), JSON header (with a sha256 of the payload), float32 payload. */
export function serializeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const arrays = [...checkpoint.params, ...checkpoint.adam.m, ...checkpoint.adam.v];
  const payload = Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
  const header = Buffer.from(
    JSON.stringify({
      config: checkpoint.config,
      shape: checkpoint.shape,
      seed: checkpoint.seed,
      epoch: checkpoint.epoch,
      randomState: checkpoint.randomState,
      bestSourceValAccuracy: checkpoint.bestSourceValAccuracy,
      adamStep: checkpoint.adam.step,
      lengths: arrays.map((a) => a.length),
      groups: [checkpoint.params.length, checkpoint.adam.m.length, checkpoint.adam.v.length],
      sha256: createHash('sha256').update(payload).digest('hex'),
    }),
  );
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  return new Uint8Array(Buffer.concat([Buffer.from(MAGIC), length, header, payload]));
}

export class CorruptCheckpointError extends Error {
  override readonly name = 'CorruptCheckpointError';
}

export function deserializeCheckpoint(bytes: Uint8Array): Checkpoint {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 12 || buffer.toString('latin1', 0, 8) !== MAGIC) throw new CorruptCheckpointError('not a CAFE checkpoint (bad magic)');
  const headerLength = buffer.readUInt32LE(8);
  if (12 + headerLength > buffer.length) throw new CorruptCheckpointError('checkpoint truncated inside its header');
  const header = JSON.parse(buffer.toString('utf8', 12, 12 + headerLength));
  const payload = buffer.subarray(12 + headerLength);
  if (createHash('sha256').update(payload).digest('hex') !== header.sha256) throw new CorruptCheckpointError('checkpoint payload checksum mismatch (truncated or corrupt)');
  const arrays: Float32Array[] = [];
  let offset = 0;
  for (const length of header.lengths as number[]) {
    arrays.push(new Float32Array(payload.buffer.slice(payload.byteOffset + offset, payload.byteOffset + offset + length * 4)));
    offset += length * 4;
  }
  const [p, m] = header.groups as number[];
  return {
    config: header.config,
    shape: header.shape,
    seed: header.seed,
    epoch: header.epoch,
    randomState: header.randomState,
    bestSourceValAccuracy: header.bestSourceValAccuracy,
    params: arrays.slice(0, p),
    adam: { step: header.adamStep, m: arrays.slice(p, p + m), v: arrays.slice(p + m) },
  };
}
