import type * as tf from '@tensorflow/tfjs';
import type { MaskNetName } from '@fer/contracts';
import type { NamedVariable } from '../model/model-parameters';
import type { SeededRandom } from '@fer/contracts';

/** What a forward pass needs to know: train mode (BatchNorm batch statistics) and where to put state updates. */
export interface ForwardMode {
  training: boolean;
  /** BatchNorm running-statistics updates, applied by the trainer after the gradient step (kept tensors). */
  stateUpdates?: { variable: tf.Variable; value: tf.Tensor }[];
}

export interface MaskNetOptions {
  rng: SeededRandom;
  /** Width of the frozen features (the input of feature-space nets). */
  featureDim: number;
  /** Width of the output m (C for a CAFE mask). */
  outputDim: number;
  hidden: number;
  /** mlp only: end in ReLU so sigmoid(m) stays in [0.5, 1) as in the official CAFE net. */
  finalRelu?: boolean;
}

/** The trainable FER model: maps its input (frozen features or the image) to C channels. */
export interface MaskNet {
  readonly name: MaskNetName;
  readonly input: 'features' | 'image';
  readonly parameters: NamedVariable[];
  /** features [B, featureDim] or normalised images [B, S, S, 3] → [B, outputDim]. */
  apply(input: tf.Tensor, mode: ForwardMode): tf.Tensor2D;
}
