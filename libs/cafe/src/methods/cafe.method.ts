import * as tf from '@tensorflow/tfjs';
import { applySigmoidMask, cafeLoss, groupMax } from '../head/cafe-head';
import { getMaskNet } from '../mask-nets/mask-net.registry';
import type { ForwardMode } from '../mask-nets/mask-net';
import { createFcHead } from './fc-head';
import type { MethodDefinition, ModelBatch } from './method';

/**
 * CAFE: x = f · sigmoid(maskNet(input)); classifier logits from the FC head (official code) or the class-group
 * maxima (paper text), per `config.head`; loss = CE(logits) + λd·diverse(x) + λs·separation(x).
 * `useMask: false` is the no-mask ablation: x = f.
 */
export const cafeMethod: MethodDefinition = {
  name: 'cafe',
  build({ config, featureDim, rng }) {
    const maskNet = config.useMask
      ? getMaskNet(config.maskNet).create({
          rng,
          featureDim,
          outputDim: featureDim,
          hidden: config.maskNetHidden,
          // absent in configs stored before the switch: those nets had no final ReLU
          finalRelu: config.maskNetFinalRelu === true,
        })
      : null;
    const fc = config.head === 'fc' ? createFcHead(rng, featureDim, config.numClasses) : null;
    const parameters = [...(maskNet?.parameters ?? []), ...(fc?.parameters ?? [])];
    if (!parameters.some((p) => p.trainable)) {
      throw new Error('cafe with useMask: false and head: group-max has nothing to train: use head: fc or useMask: true');
    }
    const masked = (batch: ModelBatch, mode: ForwardMode): tf.Tensor2D => {
      if (!maskNet) return batch.features;
      const input = maskNet.input === 'image' ? batch.images : batch.features;
      if (!input) throw new Error('the resnet18 mask net needs images in the feature set');
      return applySigmoidMask(batch.features, maskNet.apply(input, mode));
    };
    const classify = (x: tf.Tensor2D) => (fc ? fc.apply(x) : groupMax(x, config.numClasses));
    return {
      parameters,
      needsImages: maskNet?.input === 'image',
      needsDropMask: config.lambdaSeparation !== 0,
      loss(batch, oneHotTargets, dropMask, mode) {
        const x = masked(batch, mode);
        const logits = classify(x);
        const terms = cafeLoss({
          masked: x,
          logits,
          oneHotTargets,
          dropMask,
          numClasses: config.numClasses,
          weights: { lambdaDiverse: config.lambdaDiverse, lambdaSeparation: config.lambdaSeparation },
        });
        return { terms, logits };
      },
      logits: (batch, mode) => classify(masked(batch, mode)),
    };
  },
};
