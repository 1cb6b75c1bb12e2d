import * as tf from '@tensorflow/tfjs';
import { eacLoss, EAC_DEFAULTS } from '../methods/losses/eac.loss';
import { rulLoss } from '../methods/losses/rul.loss';
import { SCN_DEFAULTS, scnForward, scnLoss, scnRelabel } from '../methods/losses/scn.loss';

/** `fer methods loss`: one loss evaluation of a baseline method on given tensors, with its gradients. */
export interface MethodLossResult {
  method: string;
  loss: number;
  grads: Record<string, unknown>;
  relabeled?: number[];
}

type Json = Record<string, unknown>;

/** The methods whose loss can be checked on its own, and the inputs each needs. */
export const METHOD_LOSS_INPUTS: Record<string, readonly string[]> = {
  scn: ['features', 'fcWeight', 'fcBias', 'alphaWeight', 'alphaBias', 'labels'],
  rul: ['mu', 'logvar', 'fcWeight', 'fcBias', 'labels', 'permutation'],
  eac: ['logits', 'labels', 'heatmap', 'heatmapFlipped'],
};

/**
 * Reads `{"method", "config", "inputs"}` and computes the loss and the gradients of each float input, as the official
 * code's autograd would. `config` may carry extra informational keys (batch, numClasses, seed): they are ignored.
 * Errors name the field that is missing or malformed.
 */
export function runMethodLoss(document: unknown): MethodLossResult {
  if (typeof document !== 'object' || document === null)
    throw new Error('expected a JSON object {"method", "config", "inputs"}');
  const { method, config = {}, inputs } = document as { method?: unknown; config?: Json; inputs?: Json };
  if (typeof method !== 'string' || !(method in METHOD_LOSS_INPUTS)) {
    throw new Error(
      `field "method": one of ${Object.keys(METHOD_LOSS_INPUTS).join(', ')} (got ${JSON.stringify(method)})`,
    );
  }
  if (typeof inputs !== 'object' || inputs === null)
    throw new Error('field "inputs": expected an object of named tensors');
  for (const name of METHOD_LOSS_INPUTS[method])
    if (!(name in inputs)) throw new Error(`field "inputs.${name}" is missing`);
  const number = (name: string, fallback: number): number => {
    const value = config[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new Error(`field "config.${name}": expected a number`);
    return value;
  };
  const float = (name: string) => tensorOf(inputs[name], name, 'float32');
  const int = (name: string) => tensorOf(inputs[name], name, 'int32') as tf.Tensor1D;

  tf.engine().startScope();
  try {
    if (method === 'scn') {
      const h = {
        beta: number('beta', SCN_DEFAULTS.beta),
        margin1: number('margin1', SCN_DEFAULTS.margin1),
        margin2: number('margin2', SCN_DEFAULTS.margin2),
      };
      const labels = int('labels');
      const names = ['features', 'fcWeight', 'fcBias', 'alphaWeight', 'alphaBias'] as const;
      const values = names.map(float);
      const loss = (...t: tf.Tensor[]) =>
        scnLoss(
          t[0] as tf.Tensor2D,
          labels,
          {
            fcWeight: t[1] as tf.Tensor2D,
            fcBias: t[2] as tf.Tensor1D,
            alphaWeight: t[3] as tf.Tensor2D,
            alphaBias: t[4] as tf.Tensor1D,
          },
          h,
        );
      const result = gradients(method, names, values, loss);
      const { logits } = scnForward(values[0] as tf.Tensor2D, {
        fcWeight: values[1] as tf.Tensor2D,
        fcBias: values[2] as tf.Tensor1D,
        alphaWeight: values[3] as tf.Tensor2D,
        alphaBias: values[4] as tf.Tensor1D,
      });
      return { ...result, relabeled: Array.from(scnRelabel(logits, labels.dataSync() as Int32Array, h.margin2)) };
    }
    if (method === 'rul') {
      const labels = int('labels');
      const permutation = int('permutation');
      checkPermutation(permutation, labels.shape[0]);
      const names = ['mu', 'logvar', 'fcWeight', 'fcBias'] as const;
      return gradients(method, names, names.map(float), (mu, logvar, w, b) =>
        rulLoss(mu as tf.Tensor2D, logvar as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, labels, permutation),
      );
    }
    const lambda = number('lambda', EAC_DEFAULTS.lambda);
    const labels = int('labels');
    const names = ['logits', 'heatmap', 'heatmapFlipped'] as const;
    return gradients(method, names, names.map(float), (logits, heatmap, flipped) =>
      eacLoss(logits as tf.Tensor2D, labels, heatmap as tf.Tensor4D, flipped as tf.Tensor4D, lambda),
    );
  } finally {
    tf.engine().endScope();
  }
}

function gradients(
  method: string,
  names: readonly string[],
  values: tf.Tensor[],
  loss: (...inputs: tf.Tensor[]) => tf.Scalar,
): MethodLossResult {
  const { value, grads } = tf.valueAndGrads((...inputs: tf.Tensor[]) => loss(...inputs))(values);
  return {
    method,
    loss: value.dataSync()[0],
    grads: Object.fromEntries(names.map((name, i) => [name, grads[i].arraySync()])),
  };
}

/** A nested array of numbers (row-major) as a tensor; its shape is read from the nesting and must be rectangular. */
function tensorOf(value: unknown, name: string, dtype: 'float32' | 'int32'): tf.Tensor {
  const shape: number[] = [];
  for (let level: unknown = value; Array.isArray(level); level = level[0]) shape.push(level.length);
  const flat = (Array.isArray(value) ? value : [value]).flat(Infinity) as unknown[];
  if (
    shape.length === 0 ||
    flat.length !== shape.reduce((a, b) => a * b, 1) ||
    flat.some((v) => typeof v !== 'number' || !Number.isFinite(v))
  ) {
    throw new Error(`field "inputs.${name}": expected a rectangular nested array of finite numbers`);
  }
  if (dtype === 'int32' && flat.some((v) => !Number.isInteger(v)))
    throw new Error(`field "inputs.${name}": expected integers`);
  return tf.tensor(flat as number[], shape, dtype);
}

function checkPermutation(permutation: tf.Tensor1D, batch: number): void {
  const values = Array.from(permutation.dataSync()).sort((a, b) => a - b);
  if (values.length !== batch || values.some((v, i) => v !== i))
    throw new Error(`field "inputs.permutation": expected a permutation of 0..${batch - 1}`);
}
