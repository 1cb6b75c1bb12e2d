import * as tf from '@tensorflow/tfjs';
import { AdamExecution, AdamOptimizer } from '../optim/adam.optimizer';
import { applySigmoidMask, cafeLoss, crossEntropy, diverseLoss, groupMax, groupSizeOf } from '../head/cafe-head';
import { dense } from '../ops/dense.op';
import { ExponentialLrScheduler } from '../optim/exponential-lr.scheduler';
import { GoldenInputError, readLabels, readMatrix, readNumber, readVector } from './golden-input';
import { NamedVariable, createVariable, disposeVariables } from '../model/model-parameters';

/**
 * Golden-vector parity with the official PyTorch code (fixtures/golden/README.md). Shapes come from the inputs,
 * so any C, K and batch size work. fcWeight and maskNetWeight use the PyTorch layout [out, in].
 */
export interface HeadFixtureOutputs {
  masked: number[][];
  fcLogits: number[][];
  groupLogits: number[][];
  droppedGroupLogits: number[][];
  lossCE: number;
  lossDiverse: number;
  lossSeparation: number;
  lossTotal: number;
  grad: { maskLogits: number[][]; fcWeight: number[][]; fcBias: number[] };
}

export interface AdamTraceEntry {
  lossTotal: number;
  maskNetWeight: number[][];
  maskNetBias: number[];
  fcWeight: number[][];
  fcBias: number[];
}

/** `fcPath`: where the FC parameters live (inputs.* for head files, inputs.init.* for Adam traces). */
function readHeadInputs(json: unknown, fcPath = 'inputs') {
  if (json === null || typeof json !== 'object') throw new GoldenInputError('the file must hold a JSON object with "inputs"');
  const features = readMatrix(json, 'inputs.features');
  const batch = features.rows;
  const channels = features.cols;
  const fcWeight = readMatrix(json, `${fcPath}.fcWeight`, undefined, channels);
  const numClasses = fcWeight.rows;
  groupSizeOf(channels, numClasses);
  return {
    batch,
    channels,
    numClasses,
    features,
    fcWeight,
    fcBias: readVector(json, `${fcPath}.fcBias`, numClasses),
    targets: readLabels(json, 'inputs.targets', batch, numClasses),
    dropMask: readVector(json, 'inputs.dropMask', channels),
    lambdaDiverse: readNumber(json, 'config.lambdaDiverse', 5),
    lambdaSeparation: readNumber(json, 'config.lambdaSeparation', 1.5),
  };
}

/** One forward + backward pass of the CAFE head on a `head-*.json` file's inputs. */
export function runHeadFixture(json: unknown): HeadFixtureOutputs {
  const input = readHeadInputs(json);
  const maskLogitsData = readMatrix(json, 'inputs.maskLogits', input.batch, input.channels);
  const { batch, channels, numClasses } = input;
  return tf.tidy(() => {
    const features = tf.tensor2d(input.features.data, [batch, channels]);
    const oneHot = tf.cast(tf.oneHot(tf.tensor1d(input.targets, 'int32'), numClasses), 'float32') as tf.Tensor2D;
    const dropMask = tf.tensor1d(input.dropMask);
    const maskLogits = tf.tensor2d(maskLogitsData.data, [batch, channels]);
    const fcWeight = tf.tensor2d(input.fcWeight.data, [numClasses, channels]);
    const fcBias = tf.tensor1d(input.fcBias);
    const forward = (m: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => {
      const masked = applySigmoidMask(features, m);
      const fcLogits = dense(masked, tf.transpose(w), b);
      const terms = cafeLoss({
        masked,
        logits: fcLogits,
        oneHotTargets: oneHot,
        dropMask,
        numClasses,
        weights: { lambdaDiverse: input.lambdaDiverse, lambdaSeparation: input.lambdaSeparation },
      });
      return { masked, fcLogits, terms };
    };
    const { masked, fcLogits } = forward(maskLogits, fcWeight, fcBias);
    const groupLogits = groupMax(masked, numClasses);
    const droppedGroupLogits = groupMax(tf.mul(masked, dropMask), numClasses);
    // The λ-weighted terms are reported even when a λ is 0 (the total then ignores them).
    const lossCE = crossEntropy(fcLogits, oneHot);
    const lossDiverse = diverseLoss(groupLogits, groupSizeOf(channels, numClasses));
    const lossSeparation = crossEntropy(droppedGroupLogits, oneHot);
    const lossTotal = tf.add(lossCE, tf.add(tf.mul(input.lambdaDiverse, lossDiverse), tf.mul(input.lambdaSeparation, lossSeparation)));
    const [gMask, gWeight, gBias] = tf.grads((m: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      forward(m as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D).terms.total,
    )([maskLogits, fcWeight, fcBias]);
    return {
      masked: masked.arraySync(),
      fcLogits: fcLogits.arraySync(),
      groupLogits: groupLogits.arraySync(),
      droppedGroupLogits: droppedGroupLogits.arraySync(),
      lossCE: lossCE.dataSync()[0],
      lossDiverse: lossDiverse.dataSync()[0],
      lossSeparation: lossSeparation.dataSync()[0],
      lossTotal: lossTotal.dataSync()[0],
      grad: {
        maskLogits: (gMask as tf.Tensor2D).arraySync(),
        fcWeight: (gWeight as tf.Tensor2D).arraySync(),
        fcBias: (gBias as tf.Tensor1D).arraySync(),
      },
    };
  });
}

/**
 * Replays an `adam-trace-*.json` file: a linear mask net (maskLogits = input @ W^T + b) and an FC head trained
 * with our Adam and ExponentialLR on a fixed drop mask; trace[i] = loss before step i and parameters after it.
 */
export function runAdamTrace(json: unknown, execution: AdamExecution = 'auto'): { trace: AdamTraceEntry[] } {
  const input = readHeadInputs(json, 'inputs.init');
  const { batch, channels, numClasses } = input;
  const maskNetInput = readMatrix(json, 'inputs.maskNetInput', batch);
  const inputDim = maskNetInput.cols;
  const initWeight = readMatrix(json, 'inputs.init.maskNetWeight', channels, inputDim);
  const initBias = readVector(json, 'inputs.init.maskNetBias', channels);
  const steps = readNumber(json, 'config.steps');
  const stepsPerEpoch = readNumber(json, 'config.stepsPerEpoch');
  if (!Number.isInteger(steps) || steps < 1) throw new GoldenInputError('field "config.steps" must be a positive integer');
  if (!Number.isInteger(stepsPerEpoch) || stepsPerEpoch < 1) throw new GoldenInputError('field "config.stepsPerEpoch" must be a positive integer');
  const settings = {
    lr: readNumber(json, 'config.lr'),
    weightDecay: readNumber(json, 'config.weightDecay', 0),
    beta1: readNumber(json, 'config.beta1', 0.9),
    beta2: readNumber(json, 'config.beta2', 0.999),
    eps: readNumber(json, 'config.eps', 1e-8),
  };
  const gamma = readNumber(json, 'config.gamma', 1);

  const params: NamedVariable[] = [
    createVariable('maskNetWeight', [channels, inputDim], initWeight.data),
    createVariable('maskNetBias', [channels], Float32Array.from(initBias)),
    createVariable('fcWeight', [numClasses, channels], input.fcWeight.data),
    createVariable('fcBias', [numClasses], Float32Array.from(input.fcBias)),
  ];
  const [weight, bias, fcWeight, fcBias] = params.map((p) => p.variable) as [tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R1>, tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R1>];
  const optimizer = new AdamOptimizer(params, settings, execution);
  const scheduler = new ExponentialLrScheduler(optimizer, gamma);
  const constants = tf.tidy(() => ({
    features: tf.tensor2d(input.features.data, [batch, channels]),
    maskInput: tf.tensor2d(maskNetInput.data, [batch, inputDim]),
    oneHot: tf.cast(tf.oneHot(tf.tensor1d(input.targets, 'int32'), numClasses), 'float32') as tf.Tensor2D,
    dropMask: tf.tensor1d(input.dropMask),
  }));
  const trace: AdamTraceEntry[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const lossTotal = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const masked = applySigmoidMask(constants.features, dense(constants.maskInput, tf.transpose(weight), bias));
          return cafeLoss({
            masked,
            logits: dense(masked, tf.transpose(fcWeight), fcBias),
            oneHotTargets: constants.oneHot,
            dropMask: constants.dropMask,
            numClasses,
            weights: { lambdaDiverse: input.lambdaDiverse, lambdaSeparation: input.lambdaSeparation },
          }).total;
        }, params.map((p) => p.variable));
        optimizer.apply(grads);
        return value.dataSync()[0];
      });
      trace.push({
        lossTotal,
        maskNetWeight: weight.arraySync(),
        maskNetBias: bias.arraySync(),
        fcWeight: fcWeight.arraySync(),
        fcBias: fcBias.arraySync(),
      });
      if ((i + 1) % stepsPerEpoch === 0) scheduler.step();
    }
  } finally {
    optimizer.dispose();
    disposeVariables(params);
    tf.dispose(constants);
  }
  return { trace };
}
