import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '@fer/contracts';
import { groupMax, maskFeatures } from './cafe-head';
import type { SeededRandom } from './random';

/**
 * The trainable part over frozen features. `cafe`: an MLP mask net m(f) (C→hidden→C), x = f·sigmoid(m), then the
 * FC or group-max head. `linear-probe`: FC on f. `finetune`: the MLP trunk alone as a feature transform, then FC.
 * (The image-space ResNet-18 mask net of the paper is a GPU config and is not implemented here yet.)
 */
export interface ModelShape {
  method: TrainingConfig['method'];
  head: TrainingConfig['head'];
  useMask: boolean;
  featureDim: number;
  hidden: number;
  numClasses: number;
}

export function modelShape(config: TrainingConfig, featureDim: number): ModelShape {
  if (config.maskNet !== 'mlp') {
    throw new Error(`maskNet "${config.maskNet}" (image-space) is not available in this build; use maskNet: mlp (cached features)`);
  }
  return { method: config.method, head: config.head, useMask: config.useMask, featureDim, hidden: config.maskNetHidden, numClasses: config.numClasses };
}

export interface ParameterSpec {
  name: string;
  shape: number[];
  fanIn: number;
}

/** Parameter names and shapes in a fixed order (the checkpoint and optimizer state follow it). */
export function parameterSpecs(shape: ModelShape): ParameterSpec[] {
  const { featureDim: c, hidden: h, numClasses: k } = shape;
  const specs: ParameterSpec[] = [];
  const usesTrunk = shape.method === 'finetune' || (shape.method === 'cafe' && shape.useMask);
  if (usesTrunk) {
    specs.push({ name: 'maskNet.w1', shape: [c, h], fanIn: c }, { name: 'maskNet.b1', shape: [h], fanIn: c });
    specs.push({ name: 'maskNet.w2', shape: [h, c], fanIn: h }, { name: 'maskNet.b2', shape: [c], fanIn: h });
  }
  if (!(shape.method === 'cafe' && shape.head === 'group-max')) {
    specs.push({ name: 'fc.weight', shape: [c, k], fanIn: c }, { name: 'fc.bias', shape: [k], fanIn: c });
  }
  return specs;
}

/** PyTorch's nn.Linear initialisation (kaiming-uniform a=√5 → U(±1/√fanIn), bias U(±1/√fanIn)), from a seeded PRNG. */
export function initialParameters(shape: ModelShape, random: SeededRandom): tf.Variable[] {
  return parameterSpecs(shape).map((spec) => {
    const bound = 1 / Math.sqrt(spec.fanIn);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: size }, () => random.uniform(-bound, bound));
    return tf.variable(tf.tensor(values, spec.shape), true, `${spec.name}.${tf.util.now()}.${Math.random()}`);
  });
}

export interface ForwardResult {
  /** The (masked) features the head sees: what the diverse and separation losses act on. */
  x: tf.Tensor2D;
  logits: tf.Tensor2D;
}

export function forward(shape: ModelShape, params: tf.Variable[], features: tf.Tensor2D): ForwardResult {
  const named = new Map(parameterSpecs(shape).map((spec, i) => [spec.name, params[i]]));
  const trunk = () => {
    const hidden = tf.relu(tf.add(tf.matMul(features, named.get('maskNet.w1')!), named.get('maskNet.b1')!));
    return tf.add(tf.matMul(hidden, named.get('maskNet.w2')!), named.get('maskNet.b2')!) as tf.Tensor2D;
  };
  let x: tf.Tensor2D;
  if (shape.method === 'finetune') x = tf.relu(trunk());
  else if (shape.method === 'cafe' && shape.useMask) x = maskFeatures(features, trunk());
  else x = features;
  const logits =
    shape.method === 'cafe' && shape.head === 'group-max'
      ? groupMax(x, shape.numClasses)
      : (tf.add(tf.matMul(x, named.get('fc.weight')!), named.get('fc.bias')!) as tf.Tensor2D);
  return { x, logits };
}
