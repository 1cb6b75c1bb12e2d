import type * as tf from '@tensorflow/tfjs';
import { dense } from '../ops/dense.op';
import { NamedVariable, createVariable } from '../model/model-parameters';
import { initLinear } from '../model/parameter-init';
import type { SeededRandom } from '@fer/contracts';

/** The FC classifier (nn.Linear(C, K) of the official code), kernel in TF layout [C, K]. */
export function createFcHead(rng: SeededRandom, inputDim: number, numClasses: number): { parameters: NamedVariable[]; apply(x: tf.Tensor2D): tf.Tensor2D } {
  const init = initLinear(rng, inputDim, numClasses);
  const parameters = [createVariable('fc.kernel', [inputDim, numClasses], init.kernel), createVariable('fc.bias', [numClasses], init.bias)];
  const [kernel, bias] = parameters.map((p) => p.variable);
  return { parameters, apply: (x) => dense(x, kernel as tf.Tensor2D, bias as tf.Tensor1D) };
}
