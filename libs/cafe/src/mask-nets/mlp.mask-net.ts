import * as tf from '@tensorflow/tfjs';
import { dense } from '../ops/dense.op';
import { createVariable } from '../model/model-parameters';
import { initLinear } from '../model/parameter-init';
import type { MaskNet, MaskNetOptions } from './mask-net';

/** The CPU config's mask net on frozen features: Linear(C→hidden) → ReLU → Linear(hidden→outputDim). */
export function createMlpMaskNet({ rng, featureDim, outputDim, hidden }: MaskNetOptions): MaskNet {
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
    apply: (features) =>
      dense(tf.relu(dense(features as tf.Tensor2D, k1 as tf.Tensor2D, b1 as tf.Tensor1D)), k2 as tf.Tensor2D, b2 as tf.Tensor1D),
  };
}
