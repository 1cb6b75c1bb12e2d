import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '../head/cafe-head';
import { getMaskNet } from '../mask-nets/mask-net.registry';
import type { ForwardMode } from '../mask-nets/mask-net';
import { RESNET18_WIDTH } from '../mask-nets/resnet18.mask-net';
import { createFcHead } from './fc-head';
import type { MethodDefinition, ModelBatch } from './method';

/**
 * Baseline of the kind SOTA FER methods train: the mask-net trunk alone + FC, cross-entropy only.
 * mlp: MLP on the frozen features (C → hidden → C) + FC; resnet18: ResNet-18 on the image (512) + FC.
 */
export const finetuneMethod: MethodDefinition = {
  name: 'finetune',
  build({ config, featureDim, rng }) {
    const definition = getMaskNet(config.maskNet);
    const outputDim = definition.input === 'image' ? RESNET18_WIDTH : featureDim;
    const trunk = definition.create({ rng, featureDim, outputDim, hidden: config.maskNetHidden });
    const fc = createFcHead(rng, outputDim, config.numClasses);
    const forward = (batch: ModelBatch, mode: ForwardMode) => {
      const input = trunk.input === 'image' ? batch.images : batch.features;
      if (!input) throw new Error('the resnet18 trunk needs images in the feature set');
      return fc.apply(trunk.apply(input, mode));
    };
    return {
      parameters: [...trunk.parameters, ...fc.parameters],
      needsImages: trunk.input === 'image',
      needsDropMask: false,
      loss(batch, oneHotTargets, _dropMask, mode) {
        const logits = forward(batch, mode);
        const ce = crossEntropy(logits, oneHotTargets);
        return { terms: { total: ce, ce, diverse: tf.scalar(0), separation: tf.scalar(0) }, logits };
      },
      logits: forward,
    };
  },
};
