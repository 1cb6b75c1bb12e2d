import * as tf from '@tensorflow/tfjs';
import { dense } from '../ops/dense.op';
import { createVariable } from '../model/model-parameters';
import { initLinear } from '../model/parameter-init';
import type { MaskNet, MaskNetOptions } from './mask-net';

/**
 * The CPU config's mask net on frozen features: Linear(C→hidden) → ReLU → Linear(hidden→outputDim), and a final ReLU
 * with `finalRelu` (cafe's default: the official net's last layer is a ReLU, so m ≥ 0 and the mask sigmoid(m) lies in
 * [0.5, 1): a channel is kept at least half, never switched off).
 */
export function createMlpMaskNet({ rng, featureDim, outputDim, hidden, finalRelu = false }: MaskNetOptions): MaskNet {
  const first = initLinear(rng, featureDim, hidden);
  const second = initLinear(rng, hidden, outputDim);
  const parameters = [
    createVariable('maskNet.fc1.kernel', [featureDim, hidden], first.kernel),
    createVariable('maskNet.fc1.bias', [hidden], first.bias),
    createVariable('maskNet.fc2.kernel', [hidden, outputDim], second.kernel),
    createVariable('maskNet.fc2.bias', [outputDim], second.bias),
  ];
  const [k1, b1, k2, b2] = parameters.map((p) => p.variable);
  return {
    name: 'mlp',
    input: 'features',
    parameters,
    apply: (features) => {
      const m = dense(tf.relu(dense(features as tf.Tensor2D, k1 as tf.Tensor2D, b1 as tf.Tensor1D)), k2 as tf.Tensor2D, b2 as tf.Tensor1D);
      return finalRelu ? tf.relu(m) : m;
    },
  };
}
