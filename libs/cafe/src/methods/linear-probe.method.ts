import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '../head/cafe-head';
import { createFcHead } from './fc-head';
import type { MethodDefinition } from './method';

/** Baseline: an FC layer on the frozen features, cross-entropy only (head, mask and λ settings do not apply). */
export const linearProbeMethod: MethodDefinition = {
  name: 'linear-probe',
  build({ config, featureDim, rng }) {
    const fc = createFcHead(rng, featureDim, config.numClasses);
    return {
      parameters: fc.parameters,
      needsImages: false,
      needsDropMask: false,
      loss(batch, oneHotTargets) {
        const logits = fc.apply(batch.features);
        const ce = crossEntropy(logits, oneHotTargets);
        return { terms: { total: ce, ce, diverse: tf.scalar(0), separation: tf.scalar(0) }, logits };
      },
      logits: (batch) => fc.apply(batch.features),
    };
  },
};
