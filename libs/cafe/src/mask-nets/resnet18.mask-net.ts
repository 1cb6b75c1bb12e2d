import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '../ops/batch-norm.op';
import { conv2d, type Conv2dOptions } from '../ops/conv2d.op';
import { dense } from '../ops/dense.op';
import { NamedVariable, createVariable } from '../model/model-parameters';
import { initConvKaimingNormal, initLinear } from '../model/parameter-init';
import type { ForwardMode, MaskNet, MaskNetOptions } from './mask-net';

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

/**
 * The paper's image-space mask net: standard ResNet-18 (torchvision topology: 7x7/2 conv, 3x3/2 max pool,
 * four stages of two BasicBlocks with 64-128-256-512 channels, 1x1/2 conv + BN shortcuts, global average pool),
 * NHWC, symmetric PyTorch padding. Its 512 outputs are the mask m; a Linear(512→C) is added only when C ≠ 512.
 * Its convolutions go through conv2d.op.ts, so it trains on every backend, wasm included.
 */
export function createResnet18MaskNet({ rng, outputDim }: MaskNetOptions): MaskNet {
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
  let projection: [tf.Variable, tf.Variable] | null = null;
  if (outputDim !== RESNET18_WIDTH) {
    const init = initLinear(rng, RESNET18_WIDTH, outputDim);
    const kernel = createVariable('projection.kernel', [RESNET18_WIDTH, outputDim], init.kernel);
    const bias = createVariable('projection.bias', [outputDim], init.bias);
    parameters.push(kernel, bias);
    projection = [kernel.variable, bias.variable];
  }

  const applyConvBn = (x: tf.Tensor4D, layer: ConvBn, mode: ForwardMode, options?: Conv2dOptions): tf.Tensor4D => {
    const y = conv2d(x, layer.kernel as tf.Tensor4D, layer.stride, layer.pad, options);
    if (!mode.training) return tf.batchNorm(y, layer.runningMean, layer.runningVar, layer.beta, layer.gamma, BN_EPSILON) as tf.Tensor4D;
    return batchNormTraining(y, layer.gamma as tf.Tensor1D, layer.beta as tf.Tensor1D, BN_EPSILON, (mean, variance) => {
      if (!mode.stateUpdates) return;
      const count = y.size / y.shape[3];
      const unbiased = tf.mul(variance, count / Math.max(1, count - 1));
      mode.stateUpdates.push(
        { variable: layer.runningMean, value: tf.keep(tf.add(tf.mul(layer.runningMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM))) },
        { variable: layer.runningVar, value: tf.keep(tf.add(tf.mul(layer.runningVar, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM))) },
      );
    });
  };

  return {
    name: 'resnet18',
    input: 'image',
    parameters,
    apply: (images, mode) => {
      // The images train nothing: the stem skips its input gradient.
      let x = tf.relu(applyConvBn(images as tf.Tensor4D, stem, mode, { inputGradient: false }));
      x = tf.maxPool(x, 3, 2, 1);
      for (const block of blocks) {
        const identity = block.shortcut ? applyConvBn(x, block.shortcut, mode) : x;
        const y = applyConvBn(tf.relu(applyConvBn(x, block.conv1, mode)), block.conv2, mode);
        x = tf.relu(tf.add(y, identity)) as tf.Tensor4D;
      }
      const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
      return projection ? dense(pooled, projection[0] as tf.Tensor2D, projection[1] as tf.Tensor1D) : pooled;
    },
  };
}
