import { crossEntropy } from '../head/cafe-head';
import type { ForwardMode } from '../mask-nets/mask-net';
import { RESNET18_WIDTH, createResnet18Trunk } from '../mask-nets/resnet18.mask-net';
import { createFcHead } from './fc-head';
import { imagesOf, plainLossTerms } from './image-trunk';
import type { MethodDefinition, ModelBatch } from './method';

/**
 * ERM, the "baseline" row of FER papers: ResNet-18 on the image (from `trunkWeights` when given) + FC, cross-entropy.
 * Formerly `finetune` with maskNet resnet18 (same parameters, same initialisation).
 */
export const ermMethod: MethodDefinition = {
  name: 'erm',
  build({ config, rng }) {
    const trunk = createResnet18Trunk(rng);
    const fc = createFcHead(rng, RESNET18_WIDTH, config.numClasses, config.fcLrMultiplier ?? 1);
    const forward = (batch: ModelBatch, mode: ForwardMode) => fc.apply(trunk.pooled(imagesOf(batch, 'erm'), mode));
    return {
      parameters: [...trunk.parameters, ...fc.parameters],
      needsImages: true,
      needsDropMask: false,
      loss(batch, oneHotTargets, _dropMask, mode) {
        const logits = forward(batch, mode);
        const ce = crossEntropy(logits, oneHotTargets);
        return { terms: plainLossTerms(ce, ce), logits };
      },
      logits: forward,
    };
  },
};
