import { crossEntropy } from '../head/cafe-head';
import { createMlpMaskNet } from '../mask-nets/mlp.mask-net';
import { createFcHead } from './fc-head';
import { plainLossTerms } from './image-trunk';
import type { MethodDefinition, ModelBatch } from './method';

/**
 * Probe: an MLP on the frozen features (C → hidden → C, the mlp mask net's layers) + FC, cross-entropy only.
 * Formerly `finetune` with maskNet mlp (nothing is fine-tuned: the frozen model stays frozen).
 */
export const mlpProbeMethod: MethodDefinition = {
  name: 'mlp-probe',
  build({ config, featureDim, rng }) {
    const trunk = createMlpMaskNet({ rng, featureDim, outputDim: featureDim, hidden: config.maskNetHidden });
    const fc = createFcHead(rng, featureDim, config.numClasses, config.fcLrMultiplier ?? 1);
    const forward = (batch: ModelBatch) => fc.apply(trunk.apply(batch.features, { training: false }));
    return {
      parameters: [...trunk.parameters, ...fc.parameters],
      needsImages: false,
      needsDropMask: false,
      loss(batch, oneHotTargets) {
        const logits = forward(batch);
        const ce = crossEntropy(logits, oneHotTargets);
        return { terms: plainLossTerms(ce, ce), logits };
      },
      logits: forward,
    };
  },
};
