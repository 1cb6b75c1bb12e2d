import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTrainingConfig } from '@fer/contracts';
import { CafeCheckpoint, CorruptCheckpointError, checkpointEpoch, deserializeCheckpoint, serializeCheckpoint } from './checkpoint';

function sample(): CafeCheckpoint {
  const tensor = (name: string, n: number, offset: number) => ({ name, shape: [n], data: Float32Array.from({ length: n }, (_, i) => i * 0.5 + offset) });
  return {
    config: parseTrainingConfig({ epochs: 3 }),
    seed: 4,
    epoch: 2,
    featureDim: 8,
    parameters: [tensor('a', 5, 1), tensor('b', 3, -2)],
    optimizer: { step: 10, m: [tensor('a', 5, 0.1), tensor('b', 3, 0.2)], v: [tensor('a', 5, 0.3), tensor('b', 3, 0.4)] },
    learningRate: 1.62e-4,
    randomState: [1, 2, 3, 4],
    bestSourceValAccuracy: 0.5,
    history: [],
    backend: 'wasm',
  };
}

describe('checkpoint serialisation', () => {
  it('should restore every field and tensor exactly when round-tripped', () => {
    const original = sample();
    const bytes = serializeCheckpoint(original);
    assert.deepEqual(deserializeCheckpoint(bytes), original);
    assert.equal(checkpointEpoch(bytes), 2);
  });

  it('should reject the bytes when one payload byte is flipped', () => {
    const bytes = serializeCheckpoint(sample());
    bytes[bytes.length - 40] ^= 0xff;
    assert.throws(() => deserializeCheckpoint(bytes), CorruptCheckpointError);
  });

  it('should reject the bytes when the file is truncated', () => {
    const bytes = serializeCheckpoint(sample());
    assert.throws(() => deserializeCheckpoint(bytes.subarray(0, bytes.length - 7)), CorruptCheckpointError);
    assert.throws(() => deserializeCheckpoint(bytes.subarray(0, 10)), CorruptCheckpointError);
  });

  it('should reject an unknown format version when the header says so', () => {
    const bytes = serializeCheckpoint(sample());
    bytes[8] = 99;
    assert.throws(() => deserializeCheckpoint(bytes), /version 99/);
  });
});
