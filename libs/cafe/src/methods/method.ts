import type * as tf from '@tensorflow/tfjs';
import type { Method, TrainingConfig } from '@fer/contracts';
import type { CafeLossTerms } from '../head/cafe-head';
import type { ForwardMode } from '../mask-nets/mask-net';
import type { NamedVariable } from '../model/model-parameters';
import type { SeededRandom } from '@fer/contracts';

/** One batch as tensors: frozen features always; normalised images only for image-space mask nets. */
export interface ModelBatch {
  features: tf.Tensor2D;
  images?: tf.Tensor4D;
}

export interface MethodOptions {
  config: TrainingConfig;
  featureDim: number;
  rng: SeededRandom;
}

/** A built model of one method: its parameters, its training loss and its prediction logits. */
export interface MethodModel {
  readonly parameters: NamedVariable[];
  /** Whether batches must carry images (image-space mask net). */
  readonly needsImages: boolean;
  /** Whether the loss uses a drop mask (separation loss on). */
  readonly needsDropMask: boolean;
  /** Training loss terms and the logits used for train accuracy. */
  loss(batch: ModelBatch, oneHotTargets: tf.Tensor2D, dropMask: tf.Tensor1D | null, mode: ForwardMode): { terms: CafeLossTerms; logits: tf.Tensor2D };
  /** Class scores for prediction. */
  logits(batch: ModelBatch, mode: ForwardMode): tf.Tensor2D;
}

export interface MethodDefinition {
  name: Method;
  build(options: MethodOptions): MethodModel;
}
