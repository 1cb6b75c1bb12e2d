import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { SeededRandom, parseTrainingConfig } from '@fer/contracts';
import { selectBackend } from '../backends/backend';
import { buildModel } from '../model/cafe-model';
import { disposeVariables } from '../model/model-parameters';
import { createMlpMaskNet } from './mlp.mask-net';

describe('mlp mask net', () => {
  before(async () => {
    await selectBackend({ override: 'cpu' });
  });

  it('should keep sigmoid(m) in [0.5, 1) with the final ReLU and reach below 0.5 without it', () => {
    const input = tf.randomNormal([64, 16], 0, 3, 'float32', 1) as tf.Tensor2D;
    const range = (finalRelu: boolean) => {
      const net = createMlpMaskNet({ rng: new SeededRandom(1), featureDim: 16, outputDim: 16, hidden: 8, finalRelu });
      const mask = tf.tidy(() => tf.sigmoid(net.apply(input, { training: false })));
      const values = mask.dataSync();
      mask.dispose();
      disposeVariables(net.parameters);
      return [Math.min(...values), Math.max(...values)];
    };
    const [low, high] = range(true);
    assert.ok(low >= 0.5 && high < 1, `[${low}, ${high}]`);
    assert.ok(range(false)[0] < 0.5);
    input.dispose();
  });

  it("should end cafe's mlp in ReLU by default and not for a stored config from before the switch", () => {
    const masks = (config: ReturnType<typeof parseTrainingConfig>) => {
      const model = buildModel(config, 8, new SeededRandom(2));
      const x = tf.randomNormal([32, 8], 0, 3, 'float32', 3) as tf.Tensor2D;
      const logits = tf.tidy(() => model.method.logits({ features: x }, { training: false }));
      const values = Array.from(logits.dataSync());
      tf.dispose([x, logits]);
      model.dispose();
      return values;
    };
    const current = parseTrainingConfig({ maskNetHidden: 8 });
    assert.equal(current.maskNetFinalRelu, true);
    const { maskNetFinalRelu: _r, ...legacy } = current;
    assert.notDeepEqual(masks(current), masks(legacy as typeof current));
  });
});
