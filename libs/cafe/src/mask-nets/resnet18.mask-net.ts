import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '../ops/batch-norm.op';
import { conv2d, type Conv2dOptions } from '../ops/conv2d.op';
import { dense } from '../ops/dense.op';
import { NamedVariable, createVariable } from '../model/model-parameters';
import { initConvKaimingNormal, initLinear } from '../model/parameter-init';
import type { ForwardMode, MaskNet, MaskNetOptions } from './mask-net';
import type { SeededRandom } from '@fer/contracts';

const BN_EPSILON = 1e-5;
/** PyTorch BatchNorm momentum: running = (1 - 0.1)·running + 0.1·batch. */
const BN_MOMENTUM = 0.1;
export const RESNET18_WIDTH = 512;

interface ConvBn {
  kernel: tf.Variable;
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
  stride: number;
  pad: number;
}

/** A ResNet-18 without its head: the last feature map and its global average pool. */
export interface Resnet18Trunk {
  readonly parameters: NamedVariable[];
  /** Normalised images [B, S, S, 3] → layer4's output [B, h, w, 512] (NHWC). */
  featureMap(images: tf.Tensor4D, mode: ForwardMode): tf.Tensor4D;
  /** featureMap averaged over h, w: [B, 512]. */
  pooled(images: tf.Tensor4D, mode: ForwardMode): tf.Tensor2D;
}

/**
 * Standard ResNet-18 (torchvision topology: 7x7/2 conv, 3x3/2 max pool, four stages of two BasicBlocks with
 * 64-128-256-512 channels, 1x1/2 conv + BN shortcuts, global average pool), NHWC, symmetric PyTorch padding, without
 * its fc. Parameter names map one to one onto torchvision's (`weights/load-trunk-weights.ts`), so a user's PyTorch
 * checkpoint loads into it. Its convolutions go through conv2d.op.ts, so it trains on every backend, wasm included.
 */
export function createResnet18Trunk(rng: SeededRandom): Resnet18Trunk {
  const parameters: NamedVariable[] = [];
  const convBn = (name: string, size: number, inChannels: number, outChannels: number, stride: number): ConvBn => {
    const add = (suffix: string, shape: number[], data: Float32Array, trainable = true) => {
      const p = createVariable(`${name}.${suffix}`, shape, data, trainable);
      parameters.push(p);
      return p.variable;
    };
    return {
      kernel: add('kernel', [size, size, inChannels, outChannels], initConvKaimingNormal(rng, size, inChannels, outChannels)),
      gamma: add('bn.gamma', [outChannels], new Float32Array(outChannels).fill(1)),
      beta: add('bn.beta', [outChannels], new Float32Array(outChannels)),
      runningMean: add('bn.runningMean', [outChannels], new Float32Array(outChannels), false),
      runningVar: add('bn.runningVar', [outChannels], new Float32Array(outChannels).fill(1), false),
      stride,
      pad: Math.floor(size / 2),
    };
  };
  const stem = convBn('stem', 7, 3, 64, 2);
  const blocks: { conv1: ConvBn; conv2: ConvBn; shortcut: ConvBn | null }[] = [];
  let inChannels = 64;
  [64, 128, 256, 512].forEach((channels, stage) => {
    for (let b = 0; b < 2; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const name = `layer${stage + 1}.${b}`;
      blocks.push({
        conv1: convBn(`${name}.conv1`, 3, inChannels, channels, stride),
        conv2: convBn(`${name}.conv2`, 3, channels, channels, 1),
        shortcut: stride !== 1 || inChannels !== channels ? convBn(`${name}.downsample`, 1, inChannels, channels, stride) : null,
      });
      inChannels = channels;
    }
  });

  const applyConvBn = (x: tf.Tensor4D, layer: ConvBn, mode: ForwardMode, options?: Conv2dOptions): tf.Tensor4D =>
    batchNorm(conv2d(x, layer.kernel as tf.Tensor4D, layer.stride, layer.pad, options), layer, mode, BN_EPSILON);
  const featureMap = (images: tf.Tensor4D, mode: ForwardMode): tf.Tensor4D => {
    // The images train nothing: the stem skips its input gradient.
    let x = tf.relu(applyConvBn(images, stem, mode, { inputGradient: false }));
    x = tf.maxPool(x, 3, 2, 1);
    for (const block of blocks) {
      const identity = block.shortcut ? applyConvBn(x, block.shortcut, mode) : x;
      const y = applyConvBn(tf.relu(applyConvBn(x, block.conv1, mode)), block.conv2, mode);
      x = tf.relu(tf.add(y, identity)) as tf.Tensor4D;
    }
    return x;
  };
  return { parameters, featureMap, pooled: (images, mode) => tf.mean(featureMap(images, mode), [1, 2]) as tf.Tensor2D };
}

/** A BatchNorm's tensors: affine scale and shift (variables, or constants when affine=False) and running statistics. */
export interface BatchNormState {
  gamma: tf.Tensor;
  beta: tf.Tensor;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

/**
 * PyTorch's BatchNorm over the last axis of [B, H, W, C]: batch statistics in training (and the running statistics'
 * update, momentum 0.1 with the unbiased variance, pushed to `mode.stateUpdates`), running statistics in eval.
 */
export function batchNorm(x: tf.Tensor4D, layer: BatchNormState, mode: ForwardMode, epsilon = BN_EPSILON): tf.Tensor4D {
  if (!mode.training) return tf.batchNorm(x, layer.runningMean, layer.runningVar, layer.beta, layer.gamma, epsilon) as tf.Tensor4D;
  return batchNormTraining(x, layer.gamma as tf.Tensor1D, layer.beta as tf.Tensor1D, epsilon, (mean, variance) => {
    if (!mode.stateUpdates) return;
    const count = x.size / x.shape[3];
    const unbiased = tf.mul(variance, count / Math.max(1, count - 1));
    mode.stateUpdates.push(
      { variable: layer.runningMean, value: tf.keep(runningUpdate(mode, layer.runningMean, mean)) },
      { variable: layer.runningVar, value: tf.keep(runningUpdate(mode, layer.runningVar, unbiased)) },
    );
  });
}

/**
 * PyTorch's running-statistics update. A model that runs two training forwards in one step (EAC's second view) updates
 * each BatchNorm twice, as PyTorch does: the second update starts from the first's result.
 */
function runningUpdate(mode: ForwardMode, variable: tf.Variable, batchValue: tf.Tensor): tf.Tensor {
  const pending = mode.stateUpdates?.filter((u) => u.variable === variable).at(-1)?.value;
  return tf.add(tf.mul(pending ?? variable, 1 - BN_MOMENTUM), tf.mul(batchValue, BN_MOMENTUM));
}

/** Spatial size of layer4's output for square inputs of `imageSize` (7 at 224). */
export function resnet18FeatureMapSize(imageSize: number): number {
  const down = (size: number, kernel: number, stride: number, pad: number) => Math.floor((size + 2 * pad - kernel) / stride) + 1;
  let size = down(down(imageSize, 7, 2, 3), 3, 2, 1);
  for (let stage = 1; stage < 4; stage++) size = down(size, 3, 2, 1);
  return size;
}

/**
 * The paper's image-space mask net: the ResNet-18 trunk's 512 pooled outputs are the mask m; a Linear(512→C) is added
 * only when C ≠ 512.
 */
export function createResnet18MaskNet({ rng, outputDim }: MaskNetOptions): MaskNet {
  const trunk = createResnet18Trunk(rng);
  const parameters = [...trunk.parameters];
  let projection: [tf.Variable, tf.Variable] | null = null;
  if (outputDim !== RESNET18_WIDTH) {
    const init = initLinear(rng, RESNET18_WIDTH, outputDim);
    const kernel = createVariable('projection.kernel', [RESNET18_WIDTH, outputDim], init.kernel);
    const bias = createVariable('projection.bias', [outputDim], init.bias);
    parameters.push(kernel, bias);
    projection = [kernel.variable, bias.variable];
  }
  return {
    name: 'resnet18',
    input: 'image',
    parameters,
    apply: (images, mode) => {
      const pooled = trunk.pooled(images as tf.Tensor4D, mode);
      return projection ? dense(pooled, projection[0] as tf.Tensor2D, projection[1] as tf.Tensor1D) : pooled;
    },
  };
}
