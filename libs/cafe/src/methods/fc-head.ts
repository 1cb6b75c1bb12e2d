import type * as tf from '@tensorflow/tfjs';
import { dense } from '../ops/dense.op';
import { NamedVariable, createVariable } from '../model/model-parameters';
import { initLinear } from '../model/parameter-init';
import type { SeededRandom } from '@fer/contracts';

export interface FcHead {
  parameters: NamedVariable[];
  /** [inputDim, K], TF layout. */
  kernel: tf.Variable;
  bias: tf.Variable;
  apply(x: tf.Tensor2D): tf.Tensor2D;
}

/**
 * The FC classifier (nn.Linear(C, K) of the official code), kernel in TF layout [C, K]. `lrScale` trains it at a
 * multiple of the optimiser's learning rate (RUL: 10).
 */
export function createFcHead(rng: SeededRandom, inputDim: number, numClasses: number, lrScale = 1): FcHead {
  const init = initLinear(rng, inputDim, numClasses);
  const parameters = [createVariable('fc.kernel', [inputDim, numClasses], init.kernel), createVariable('fc.bias', [numClasses], init.bias)];
  if (lrScale !== 1) for (const p of parameters) p.lrScale = lrScale;
  const [kernel, bias] = parameters.map((p) => p.variable);
  return { parameters, kernel, bias, apply: (x) => dense(x, kernel as tf.Tensor2D, bias as tf.Tensor1D) };
}
