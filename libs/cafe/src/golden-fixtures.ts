import * as tf from '@tensorflow/tfjs';
import { TorchAdam } from './adam.optimizer';
import { cafeLosses, groupMax, maskFeatures } from './cafe-head';

/**
 * Re-computes the golden-vector files (shared/fixtures/cafe, libs/cafe/fixtures/golden) from their inputs, for
 * `fer cafe head` and `fer cafe adam-trace`. Shapes come from the inputs, so any C, K and batch work.
 */
interface HeadInputs {
  features: number[][];
  maskLogits: number[][];
  targets: number[];
  fcWeight: number[][];
  fcBias: number[];
  dropMask: number[];
}

function requireMatrix(value: unknown, field: string, columns?: number): number[][] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((row) => Array.isArray(row) && row.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
    throw new Error(`field "${field}" must be a non-empty matrix of finite numbers`);
  }
  const width = (value[0] as number[]).length;
  if (!value.every((row) => (row as number[]).length === width)) throw new Error(`field "${field}": rows have different lengths`);
  if (columns !== undefined && width !== columns) throw new Error(`field "${field}" must have ${columns} columns, has ${width}`);
  return value as number[][];
}

function requireVector(value: unknown, field: string, length?: number, integer = false): number[] {
  if (!Array.isArray(value) || !value.every((x) => typeof x === 'number' && Number.isFinite(x) && (!integer || Number.isInteger(x)))) {
    throw new Error(`field "${field}" must be an array of ${integer ? 'integers' : 'finite numbers'}`);
  }
  if (length !== undefined && value.length !== length) throw new Error(`field "${field}" must have ${length} entries, has ${value.length}`);
  return value as number[];
}

function readWeights(config: Record<string, unknown> | undefined) {
  return { lambdaDiverse: Number(config?.lambdaDiverse ?? 5), lambdaSeparation: Number(config?.lambdaSeparation ?? 1.5) };
}

function parseHeadInputs(inputs: Record<string, unknown>): HeadInputs & { batch: number; channels: number; numClasses: number } {
  if (!inputs || typeof inputs !== 'object') throw new Error('field "inputs" is missing');
  const features = requireMatrix(inputs.features, 'inputs.features');
  const channels = features[0].length;
  const batch = features.length;
  const fcWeight = requireMatrix(inputs.fcWeight, 'inputs.fcWeight', channels);
  const numClasses = fcWeight.length;
  const targets = requireVector(inputs.targets, 'inputs.targets', batch, true);
  targets.forEach((t, i) => {
    if (t < 0 || t >= numClasses) throw new Error(`field "inputs.targets.${i}" = ${t} is outside 0..${numClasses - 1}`);
  });
  return {
    features,
    maskLogits: requireMatrix(inputs.maskLogits, 'inputs.maskLogits', channels),
    targets,
    fcWeight,
    fcBias: requireVector(inputs.fcBias, 'inputs.fcBias', numClasses),
    dropMask: requireVector(inputs.dropMask, 'inputs.dropMask', channels),
    batch,
    channels,
    numClasses,
  };
}

export function runHeadFixture(file: { inputs: Record<string, unknown>; config?: Record<string, unknown> }): Record<string, unknown> {
  const inputs = parseHeadInputs(file.inputs);
  const weights = readWeights(file.config);
  return tf.tidy(() => {
    const features = tf.tensor2d(inputs.features);
    const maskLogits = tf.tensor2d(inputs.maskLogits);
    const targets = tf.tensor1d(inputs.targets, 'int32');
    const fcWeight = tf.tensor2d(inputs.fcWeight);
    const fcBias = tf.tensor1d(inputs.fcBias);
    const dropMask = tf.tensor1d(inputs.dropMask);
    const lossOf = (m: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => {
      const x = maskFeatures(features, m);
      const logits = tf.add(tf.matMul(x, w, false, true), b) as tf.Tensor2D;
      return cafeLosses(x, logits, targets, dropMask, { numClasses: inputs.numClasses, ...weights });
    };
    const masked = maskFeatures(features, maskLogits);
    const fcLogits = tf.add(tf.matMul(masked, fcWeight, false, true), fcBias);
    const losses = lossOf(maskLogits, fcWeight, fcBias);
    const grads = tf.grads((m: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => lossOf(m as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D).total)([maskLogits, fcWeight, fcBias]);
    return {
      masked: masked.arraySync(),
      fcLogits: fcLogits.arraySync(),
      groupLogits: groupMax(masked, inputs.numClasses).arraySync(),
      droppedGroupLogits: groupMax(tf.mul(masked, dropMask) as tf.Tensor2D, inputs.numClasses).arraySync(),
      lossCE: losses.ce.dataSync()[0],
      lossDiverse: losses.diverse.dataSync()[0],
      lossSeparation: losses.separation.dataSync()[0],
      lossTotal: losses.total.dataSync()[0],
      grad: { maskLogits: grads[0].arraySync(), fcWeight: grads[1].arraySync(), fcBias: grads[2].arraySync() },
    };
  });
}

/** Six (or `steps`) Adam steps of a linear mask net + FC head, as the adam-trace fixtures record. */
export function runAdamTrace(file: { inputs: Record<string, unknown>; config?: Record<string, unknown> }): { trace: Record<string, unknown>[] } {
  const config = file.config ?? {};
  const inputs = file.inputs;
  if (!inputs || typeof inputs !== 'object') throw new Error('field "inputs" is missing');
  const features = requireMatrix(inputs.features, 'inputs.features');
  const channels = features[0].length;
  const maskNetInput = requireMatrix(inputs.maskNetInput, 'inputs.maskNetInput');
  if (maskNetInput.length !== features.length) throw new Error('field "inputs.maskNetInput" must have one row per feature row');
  const init = inputs.init as Record<string, unknown>;
  if (!init || typeof init !== 'object') throw new Error('field "inputs.init" is missing');
  const maskNetWeight = requireMatrix(init.maskNetWeight, 'inputs.init.maskNetWeight', maskNetInput[0].length);
  if (maskNetWeight.length !== channels) throw new Error(`field "inputs.init.maskNetWeight" must have ${channels} rows`);
  const fcWeight = requireMatrix(init.fcWeight, 'inputs.init.fcWeight', channels);
  const numClasses = fcWeight.length;
  const targets = requireVector(inputs.targets, 'inputs.targets', features.length, true);
  const dropMask = requireVector(inputs.dropMask, 'inputs.dropMask', channels);
  const steps = Number(config.steps ?? 6);
  const stepsPerEpoch = Number(config.stepsPerEpoch ?? 1);
  const lr = Number(config.lr ?? 2e-4);
  const gamma = Number(config.gamma ?? 0.9);
  const weights = readWeights(config);

  const params = [
    tf.variable(tf.tensor2d(maskNetWeight)),
    tf.variable(tf.tensor1d(requireVector(init.maskNetBias, 'inputs.init.maskNetBias', channels))),
    tf.variable(tf.tensor2d(fcWeight)),
    tf.variable(tf.tensor1d(requireVector(init.fcBias, 'inputs.init.fcBias', numClasses))),
  ];
  const adam = new TorchAdam(params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: Number(config.weightDecay ?? 0) });
  const f = tf.tensor2d(features);
  const input = tf.tensor2d(maskNetInput);
  const t = tf.tensor1d(targets, 'int32');
  const drop = tf.tensor1d(dropMask);
  const trace: Record<string, unknown>[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      const stepLr = lr * gamma ** Math.floor(step / stepsPerEpoch);
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const maskLogits = tf.add(tf.matMul(input, params[0], false, true), params[1]) as tf.Tensor2D;
          const x = maskFeatures(f, maskLogits);
          const logits = tf.add(tf.matMul(x, params[2], false, true), params[3]) as tf.Tensor2D;
          return cafeLosses(x, logits, t, drop, { numClasses, ...weights }).total;
        }, params);
        adam.apply(params.map((p) => grads[p.name]), stepLr);
        return value.dataSync()[0];
      });
      trace.push({
        lossTotal: loss,
        maskNetWeight: params[0].arraySync(),
        maskNetBias: params[1].arraySync(),
        fcWeight: params[2].arraySync(),
        fcBias: params[3].arraySync(),
      });
    }
  } finally {
    adam.dispose();
    [...params, f, input, t, drop].forEach((x) => x.dispose());
  }
  return { trace };
}
