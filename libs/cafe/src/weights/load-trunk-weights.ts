import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from '../model/model-parameters';
import { CheckpointFormatError, matchTrunk, type CheckpointTensor, type WeightArchitecture, type WeightsReport } from '@fer/weights';

const BATCH_NORM_FIELDS: Record<string, string> = { weight: 'gamma', bias: 'beta', running_mean: 'runningMean', running_var: 'runningVar' };

/**
 * The trunk variable (as `mask-nets/resnet18.mask-net.ts` names it) that holds a torchvision ResNet-18 state-dict key,
 * or null for `num_batches_tracked` (our BatchNorm has a fixed momentum, so the count changes nothing).
 *   conv1.weight → stem.kernel, bn1.* → stem.bn.*, layerS.B.convN.weight → layerS.B.convN.kernel,
 *   layerS.B.bnN.* → layerS.B.convN.bn.*, layerS.B.downsample.0.weight → layerS.B.downsample.kernel,
 *   layerS.B.downsample.1.* → layerS.B.downsample.bn.*
 */
export function trunkVariableName(torchKey: string): string | null {
  const parts = torchKey.split('.');
  const field = parts.pop()!;
  if (field === 'num_batches_tracked') return null;
  const module = parts.join('.');
  if (module === 'conv1' && field === 'weight') return 'stem.kernel';
  if (module === 'bn1') return `stem.bn.${BATCH_NORM_FIELDS[field]}`;
  const block = /^(layer[1-4]\.[01])\.(conv1|conv2|bn1|bn2|downsample\.0|downsample\.1)$/.exec(module);
  if (!block) throw new Error(`not a ResNet-18 trunk key: ${torchKey}`);
  const [, prefix, layer] = block;
  if (layer === 'conv1' || layer === 'conv2') return `${prefix}.${layer}.kernel`;
  if (layer === 'downsample.0') return `${prefix}.downsample.kernel`;
  if (layer === 'downsample.1') return `${prefix}.downsample.bn.${BATCH_NORM_FIELDS[field]}`;
  return `${prefix}.conv${layer.slice(2)}.bn.${BATCH_NORM_FIELDS[field]}`;
}

/**
 * A PyTorch tensor in TF.js layout: conv kernels OIHW → HWIO, linear weights [out, in] → [in, out], vectors as they are.
 */
export function torchToTfLayout(tensor: CheckpointTensor): { shape: number[]; values: Float32Array } {
  const { shape, values } = tensor;
  if (shape.length === 4) {
    const [o, i, h, w] = shape;
    const out = new Float32Array(values.length);
    for (let oo = 0; oo < o; oo++)
      for (let ii = 0; ii < i; ii++)
        for (let hh = 0; hh < h; hh++)
          for (let ww = 0; ww < w; ww++) out[((hh * w + ww) * i + ii) * o + oo] = values[((oo * i + ii) * h + hh) * w + ww];
    return { shape: [h, w, i, o], values: out };
  }
  if (shape.length === 2) {
    const [o, i] = shape;
    const out = new Float32Array(values.length);
    for (let oo = 0; oo < o; oo++) for (let ii = 0; ii < i; ii++) out[ii * o + oo] = values[oo * i + ii];
    return { shape: [i, o], values: out };
  }
  return { shape: [...shape], values };
}

/**
 * Loads a user's state dict (torchvision names, `module.` already stripped by the reader) into a model's ResNet-18
 * trunk as PyTorch's `load_state_dict(strict=False)` does: every trunk key the file has is assigned (kernels
 * transposed to TF layout, BatchNorm weight/bias/running_mean/running_var), the trunk's other keys keep their
 * initialisation (`missing`), the file's other keys are ignored (`unexpected`). A file where no trunk key matches, or a
 * trunk key with another shape, is refused before anything is assigned. Returns the report.
 */
export function loadTrunkWeights(
  parameters: readonly NamedVariable[],
  tensors: ReadonlyMap<string, CheckpointTensor>,
  file: string,
  arch: WeightArchitecture = 'resnet18',
): WeightsReport {
  const report = matchTrunk(tensors, arch, file);
  const byName = new Map(parameters.map((p) => [p.name, p]));
  const assignments: { variable: tf.Variable; shape: number[]; values: Float32Array }[] = [];
  for (const [key, tensor] of tensors) {
    if (report.unexpected.includes(key)) continue;
    const name = trunkVariableName(key);
    if (name === null) continue;
    const target = byName.get(name);
    if (!target) throw new CheckpointFormatError(`${file}: this model has no ResNet-18 trunk to load ${key} into (trunkWeights needs an image-space method)`);
    const converted = torchToTfLayout(tensor);
    if (converted.shape.join('x') !== target.variable.shape.join('x'))
      throw new CheckpointFormatError(`${file}: ${key} becomes [${converted.shape}] but ${name} is [${target.variable.shape}]`);
    assignments.push({ variable: target.variable, ...converted });
  }
  for (const { variable, shape, values } of assignments) tf.tidy(() => variable.assign(tf.tensor(values, shape, 'float32')));
  return report;
}
