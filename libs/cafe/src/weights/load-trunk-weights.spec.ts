import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { SeededRandom } from '@fer/contracts';
import { selectBackend } from '../backends/backend';
import { readStateDict, resnet18TrunkShapes, SafetensorsFile } from '@fer/weights';
import type { ForwardMode } from '../mask-nets/mask-net';
import { createResnet18Trunk } from '../mask-nets/resnet18.mask-net';
import { disposeVariables } from '../model/model-parameters';
import { maxRelativeError } from '../parity/golden-compare';
import { loadTrunkWeights, torchToTfLayout, trunkVariableName } from './load-trunk-weights';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'weights');
/** The reader's fixtures (libs/weights): part of a ResNet-18 and a file of another architecture. */
const READER_FIXTURES = join(dirname(require.resolve('@fer/weights/package.json')), 'fixtures');

describe('PyTorch weights in the TF.js ResNet-18 trunk (fixtures written by PyTorch)', () => {
  let outputs: Map<string, { shape: number[]; values: Float32Array }>;
  before(async () => {
    await selectBackend({ needsConvGradients: true, override: 'wasm' });
    const file = await SafetensorsFile.open(join(FIXTURES, 'resnet18-forward.safetensors'));
    outputs = new Map();
    for (const name of file.entries.keys()) outputs.set(name, await file.readFloat32(name));
    await file.close();
  });

  it('should map every torchvision trunk key onto a trunk variable of the same size', () => {
    const trunk = createResnet18Trunk(new SeededRandom(1));
    const byName = new Map(trunk.parameters.map((p) => [p.name, p]));
    const mapped = new Set<string>();
    for (const [key, shape] of resnet18TrunkShapes()) {
      const name = trunkVariableName(key);
      if (name === null) continue;
      assert.ok(byName.has(name), `${key} → ${name}`);
      assert.equal(byName.get(name)!.variable.size, shape.reduce((a, b) => a * b, 1), key);
      mapped.add(name);
    }
    assert.equal(mapped.size, trunk.parameters.length, 'every trunk variable has a torchvision key');
    disposeVariables(trunk.parameters);
  });

  it('should transpose conv kernels OIHW → HWIO and linear weights [out, in] → [in, out]', () => {
    const conv = torchToTfLayout({ shape: [2, 3, 1, 2], dtype: 'Float', values: Float32Array.from({ length: 12 }, (_, i) => i) });
    assert.deepEqual(conv.shape, [1, 2, 3, 2]);
    // HWIO[0][1][2][1] = OIHW[1][2][0][1] = 1*6 + 2*2 + 0 + 1
    assert.equal(conv.values[((0 * 2 + 1) * 3 + 2) * 2 + 1], 11);
    const linear = torchToTfLayout({ shape: [2, 3], dtype: 'Float', values: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    assert.deepEqual([linear.shape, Array.from(linear.values)], [[3, 2], [1, 4, 2, 5, 3, 6]]);
  });

  for (const phase of ['eval', 'train'] as const) {
    it(`should equal PyTorch's pooled features to 1e-4 in ${phase} mode when loaded with the same weights`, async () => {
      const tensors = await readStateDict(join(FIXTURES, 'resnet18-forward.pth'));
      const trunk = createResnet18Trunk(new SeededRandom(1));
      const report = loadTrunkWeights(trunk.parameters, tensors, 'resnet18-forward.pth');
      assert.deepEqual(report, { loaded: 122 - 2, missing: [], unexpected: ['fc.bias', 'fc.weight'] });
      const input = outputs.get('input')!;
      const mode: ForwardMode = { training: phase === 'train', stateUpdates: [] };
      const pooled = tf.tidy(() => {
        const images = tf.transpose(tf.tensor4d(input.values, input.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D;
        return trunk.pooled(images, mode);
      });
      const expected = outputs.get(`${phase}.pooled`)!;
      assert.deepEqual(pooled.shape, expected.shape);
      const error = maxRelativeError(pooled.dataSync(), expected.values);
      assert.ok(error <= 1e-4, `pooled features differ by ${error}`);
      if (phase === 'train') {
        // The running statistics after one train-mode forward: momentum 0.1, unbiased batch variance.
        const updated = new Map(mode.stateUpdates!.map((u) => [u.variable, u.value]));
        let compared = 0;
        for (const [key] of resnet18TrunkShapes()) {
          if (!/running_(mean|var)$/.test(key)) continue;
          const variable = trunk.parameters.find((p) => p.name === trunkVariableName(key))!.variable;
          const statError = maxRelativeError(updated.get(variable)!.dataSync(), outputs.get(`train.${key}`)!.values);
          assert.ok(statError <= 1e-4, `${key} differs by ${statError}`);
          compared++;
        }
        assert.equal(compared, 40);
      }
      tf.dispose([pooled, ...mode.stateUpdates!.map((u) => u.value)]);
      disposeVariables(trunk.parameters);
    });
  }

  it('should refuse weights of another architecture and a model without a trunk, assigning nothing', async () => {
    const trunk = createResnet18Trunk(new SeededRandom(1));
    const before = Array.from(trunk.parameters[0].variable.dataSync());
    const other = await readStateDict(join(READER_FIXTURES, 'other-arch.pth'));
    assert.throws(() => loadTrunkWeights(trunk.parameters, other, 'other-arch.pth'), /no resnet18 trunk key matches/);
    const partial = await readStateDict(join(READER_FIXTURES, 'resnet18-partial.pth'));
    assert.throws(() => loadTrunkWeights(trunk.parameters.slice(5), partial, 'resnet18-partial.pth'), /no ResNet-18 trunk to load conv1\.weight/);
    assert.deepEqual(Array.from(trunk.parameters[0].variable.dataSync()), before);
    disposeVariables(trunk.parameters);
  });
});
