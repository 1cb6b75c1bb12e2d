import { zipSync } from 'fflate';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resnet18TrunkShapes } from './resnet18-state-dict';
import { CheckpointFormatError, readTorchCheckpoint } from './torch-checkpoint.reader';
import { inspectWeights, matchTrunk, readStateDict } from './weights-report';

const FIXTURES = join(__dirname, '..', 'fixtures');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));

describe('user weights files (PyTorch zip checkpoints and safetensors, written by PyTorch)', () => {
  it('should list the 120 state-dict keys of a torchvision ResNet-18 trunk', () => {
    assert.equal(resnet18TrunkShapes().size, expected.trunkKeys);
  });

  for (const file of ['resnet18-partial.pth', 'resnet18-partial.safetensors']) {
    it(`should report loaded, missing and unexpected keys as strict=False does, and read every tensor exactly, for ${file}`, async () => {
      const path = join(FIXTURES, file);
      const report = await inspectWeights(path, 'resnet18');
      const { sums, ...reported } = expected[file];
      assert.deepEqual(report, reported);
      const tensors = await readStateDict(path);
      assert.deepEqual([...tensors.keys()].sort(), Object.keys(sums).sort(), '`module.` prefixes stripped');
      for (const [name, sum] of Object.entries(sums as Record<string, number>)) {
        const actual = tensors.get(name)!.values.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(actual - sum) <= 1e-4 * Math.max(1, Math.abs(sum)), `${name}: ${actual} vs ${sum}`);
      }
    });
  }

  it('should keep the element order of a tensor stored with non-contiguous strides', async () => {
    const fromZip = (await readStateDict(join(FIXTURES, 'resnet18-partial.pth'))).get('layer1.0.conv1.weight')!;
    const fromSafetensors = (await readStateDict(join(FIXTURES, 'resnet18-partial.safetensors'))).get(
      'layer1.0.conv1.weight',
    )!;
    assert.deepEqual(fromZip.shape, [64, 64, 3, 3]);
    assert.deepEqual(fromZip.values, fromSafetensors.values);
  });

  it('should refuse a legacy checkpoint saying how to convert it, and weights of another architecture', async () => {
    assert.throws(
      () => readTorchCheckpoint(readFileSync(join(FIXTURES, 'legacy.pth')), 'legacy.pth'),
      /legacy \(pre-1\.6\).*torch\.save\(torch\.load/,
    );
    await assert.rejects(inspectWeights(join(FIXTURES, 'other-arch.pth'), 'resnet18'), /no resnet18 trunk key matches/);
  });

  it('should refuse a tensor whose shape is not the trunk one, naming it', () => {
    const tensors = new Map([
      ['conv1.weight', { shape: [64, 3, 3, 3], dtype: 'Float', values: new Float32Array(576) }],
    ]);
    assert.throws(
      () => matchTrunk(tensors, 'resnet18', 'f.pth'),
      (error: Error) =>
        error instanceof CheckpointFormatError &&
        /conv1\.weight is \[64, 3, 3, 3\], expected \[64, 3, 7, 7\]/.test(error.message),
    );
  });

  it('should refuse a pickle that calls anything but tensor rebuilding', () => {
    // A zip whose data.pkl calls os.system: the global is refused before anything runs.
    const evil = Buffer.concat([
      Buffer.from([0x80, 0x02]),
      Buffer.from('cos\nsystem\nq\x00X\x04\x00\x00\x00truet\x85R.', 'latin1'),
    ]);
    const bytes = zipSync({ 'x/data.pkl': new Uint8Array(evil) }, { level: 0 });
    assert.throws(() => readTorchCheckpoint(bytes, 'evil.pth'), /refuses the Python global os\.system/);
  });
});
