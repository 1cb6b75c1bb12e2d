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

/** What a training step tells the method beyond its tensors. */
export interface StepContext {
  /** 1-based epoch being trained. */
  epoch: number;
  /** The batch's rows in the training set (stable sample indices). */
  rows: Int32Array;
  /** The labels the loss uses (after `trainingLabels`). */
  labels: Int32Array;
  /** The run's generator (its state is checkpointed): draws inside a step must come from it. */
  rng: SeededRandom;
}

/** A method's own training state, kept in the checkpoint so a resumed run continues it (e.g. SCN's relabels). */
export type MethodState = Record<string, number[]>;

/** A built model of one method: its parameters, its training loss and its prediction logits. */
export interface MethodModel {
  readonly parameters: NamedVariable[];
  /** Whether batches must carry images (image-space mask net). */
  readonly needsImages: boolean;
  /** Whether the loss uses a drop mask (separation loss on). */
  readonly needsDropMask: boolean;
  /** Training loss terms and the logits used for train accuracy. */
  loss(
    batch: ModelBatch,
    oneHotTargets: tf.Tensor2D,
    dropMask: tf.Tensor1D | null,
    mode: ForwardMode,
    context: StepContext,
  ): { terms: CafeLossTerms; logits: tf.Tensor2D };
  /** The labels a step trains on, when the method changes them (SCN's relabelling); default: the dataset's. */
  trainingLabels?(rows: Int32Array, labels: Int32Array): Int32Array;
  /** After the optimiser step, with the step's training logits (row-major [B, K]): SCN relabels here. */
  afterStep?(context: StepContext, logits: Float32Array): void;
  getState?(): MethodState;
  setState?(state: MethodState): void;
  /** Class scores for prediction. */
  logits(batch: ModelBatch, mode: ForwardMode): tf.Tensor2D;
}

export interface MethodDefinition {
  name: Method;
  build(options: MethodOptions): MethodModel;
}
