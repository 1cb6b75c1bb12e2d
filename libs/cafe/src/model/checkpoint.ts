import { createHash } from 'node:crypto';
import type { EpochMetrics, TrainingConfig } from '@fer/contracts';
import type { AdamState } from '../optim/adam.optimizer';
import type { StoredTensor } from './model-parameters';
import type { MethodState } from '../methods/method';
import type { WeightsReport } from '@fer/weights';
import type { RandomState } from '@fer/contracts';

export const CHECKPOINT_FORMAT_VERSION = 1;
const MAGIC = 'CAFECKPT';
const CHECKSUM_BYTES = 32;

/** Everything a run needs to continue exactly where it stopped. */
export interface CafeCheckpoint {
  config: TrainingConfig;
  seed: number;
  /** Epochs completed. */
  epoch: number;
  featureDim: number;
  /** Weights and non-trainable state (BatchNorm running statistics). */
  parameters: StoredTensor[];
  optimizer: AdamState;
  /** The learning rate the next epoch uses (ExponentialLR state). */
  learningRate: number;
  randomState: RandomState;
  bestSourceValAccuracy: number | null;
  history: EpochMetrics[];
  /** The backend that produced it (results are reproducible on the same backend). */
  backend: string;
  /** What loading the config's trunkWeights did before the first epoch (strict=False report), carried across resumes. */
  trunkWeightsReport?: WeightsReport;
  /** The method's own training state (SCN: the relabelled samples), restored on resume. */
  methodState?: MethodState;
}

export class CorruptCheckpointError extends Error {
  override readonly name = 'CorruptCheckpointError';
}

/**
 * Layout: "CAFECKPT", format version (u32 LE), header length (u32 LE), JSON header, float32 payload,
 * sha256 of everything before it. A truncated or altered file fails the checksum.
 */
export function serializeCheckpoint(checkpoint: CafeCheckpoint): Uint8Array {
  const groups = [checkpoint.parameters, checkpoint.optimizer.m, checkpoint.optimizer.v];
  const tensors = groups.map((group) => group.map(({ name, shape }) => ({ name, shape })));
  const { parameters: _p, optimizer, ...rest } = checkpoint;
  const header = Buffer.from(JSON.stringify({ ...rest, adamStep: optimizer.step, tensors }), 'utf8');
  const prefix = Buffer.alloc(16);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(CHECKPOINT_FORMAT_VERSION, 8);
  prefix.writeUInt32LE(header.length, 12);
  const payload = groups.flat().map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  const body = Buffer.concat([prefix, header, ...payload]);
  return new Uint8Array(Buffer.concat([body, createHash('sha256').update(body).digest()]));
}

export function deserializeCheckpoint(bytes: Uint8Array): CafeCheckpoint {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 16 + CHECKSUM_BYTES || buffer.toString('latin1', 0, 8) !== MAGIC) throw new CorruptCheckpointError('not a CAFE checkpoint (bad magic)');
  const version = buffer.readUInt32LE(8);
  if (version !== CHECKPOINT_FORMAT_VERSION) throw new CorruptCheckpointError(`checkpoint format version ${version} is not supported (expected ${CHECKPOINT_FORMAT_VERSION})`);
  const body = buffer.subarray(0, buffer.length - CHECKSUM_BYTES);
  if (!createHash('sha256').update(body).digest().equals(buffer.subarray(buffer.length - CHECKSUM_BYTES))) {
    throw new CorruptCheckpointError('checkpoint checksum mismatch (truncated or corrupt)');
  }
  const headerLength = buffer.readUInt32LE(12);
  const header = JSON.parse(body.toString('utf8', 16, 16 + headerLength));
  let offset = 16 + headerLength;
  const [parameters, m, v] = (header.tensors as { name: string; shape: number[] }[][]).map((group) =>
    group.map(({ name, shape }): StoredTensor => {
      const length = shape.reduce((a, b) => a * b, 1);
      // copy: the Float32Array must be aligned and must not alias the caller's buffer
      const data = new Float32Array(length);
      Buffer.from(data.buffer).set(body.subarray(offset, offset + length * 4));
      offset += length * 4;
      return { name, shape, data };
    }),
  );
  if (offset !== body.length) throw new CorruptCheckpointError('checkpoint payload length does not match its header');
  const { tensors: _t, adamStep, ...rest } = header;
  return { ...rest, config: upgradeLegacyConfig(rest.config), parameters, optimizer: { step: adamStep, m, v } } as CafeCheckpoint;
}

/**
 * Checkpoints written before `finetune` was renamed name it in their config: with maskNet mlp it is today's
 * `mlp-probe`, with resnet18 `erm` (same parameters, same names), as the data migration rewrote stored configs.
 */
export function upgradeLegacyConfig(config: TrainingConfig): TrainingConfig {
  if ((config.method as string) !== 'finetune') return config;
  return { ...config, method: config.maskNet === 'resnet18' ? 'erm' : 'mlp-probe' };
}

/** Epochs completed by a serialized checkpoint. */
export function checkpointEpoch(bytes: Uint8Array): number {
  return deserializeCheckpoint(bytes).epoch;
}
