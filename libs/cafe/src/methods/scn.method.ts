import * as tf from '@tensorflow/tfjs';
import { SCN_DEFAULTS, scnForward, scnLoss, scnRelabel, type ScnParameters } from './losses/scn.loss';
import { softmaxCrossEntropy } from './losses/softmax-cross-entropy';
import type { ForwardMode } from '../mask-nets/mask-net';
import { RESNET18_WIDTH, createResnet18Trunk } from '../mask-nets/resnet18.mask-net';
import { createVariable } from '../model/model-parameters';
import { initLinear } from '../model/parameter-init';
import { createFcHead } from './fc-head';
import { imagesOf, plainLossTerms } from './image-trunk';
import type { MethodDefinition, MethodState, ModelBatch } from './method';

/**
 * Self-Cure Network (Wang et al., CVPR 2020; official code kaiwang960112/Self-Cure-Network src/train.py) on a
 * ResNet-18 trunk: alpha = sigmoid(Linear(512→1)(x)), logits = alpha · fc(x); loss = CE + rank regularisation
 * (`losses/scn.loss.ts`, parity-tested against PyTorch). From epoch `scn.relabelEpoch` on, after each step a sample
 * whose max softmax beats the softmax at its label by more than margin2 takes the predicted class as its label for the
 * rest of the run (kept per training row, checkpointed as method state, so a resumed run keeps them).
 * A batch too small for two groups (floor(B·beta) = 0, e.g. the last batch of one) trains on CE alone, as the official
 * code's empty top-k mean gives no rank loss.
 */
export const scnMethod: MethodDefinition = {
  name: 'scn',
  build({ config, rng }) {
    const h = { ...SCN_DEFAULTS, relabelEpoch: 10, ...config.scn };
    const trunk = createResnet18Trunk(rng);
    const fc = createFcHead(rng, RESNET18_WIDTH, config.numClasses, config.fcLrMultiplier ?? 1);
    const alphaInit = initLinear(rng, RESNET18_WIDTH, 1);
    const alpha = [createVariable('alpha.kernel', [RESNET18_WIDTH, 1], alphaInit.kernel), createVariable('alpha.bias', [1], alphaInit.bias)];
    /** Training row → its current label, for the rows relabelled so far. */
    const relabels = new Map<number, number>();
    // losses/scn.loss.ts takes PyTorch layouts ([out, in]); the transposes carry the gradient back to our kernels.
    const heads = (): ScnParameters => ({
      fcWeight: tf.transpose(fc.kernel) as tf.Tensor2D,
      fcBias: fc.bias as tf.Tensor1D,
      alphaWeight: tf.transpose(alpha[0].variable) as tf.Tensor2D,
      alphaBias: alpha[1].variable as tf.Tensor1D,
    });
    const forward = (batch: ModelBatch, mode: ForwardMode) => scnForward(trunk.pooled(imagesOf(batch, 'scn'), mode), heads()).logits;
    return {
      parameters: [...trunk.parameters, ...fc.parameters, ...alpha],
      needsImages: true,
      needsDropMask: false,
      loss(batch, _oneHotTargets, _dropMask, mode, context) {
        const features = trunk.pooled(imagesOf(batch, 'scn'), mode);
        const labels = tf.tensor1d(context.labels, 'int32');
        const { logits } = scnForward(features, heads());
        const ce = softmaxCrossEntropy(logits, labels);
        const total = Math.floor(context.rows.length * h.beta) >= 1 ? scnLoss(features, labels, heads(), h) : ce;
        return { terms: plainLossTerms(total, ce), logits };
      },
      logits: forward,
      trainingLabels: (rows, labels) => Int32Array.from(rows, (row, i) => relabels.get(row) ?? labels[i]),
      afterStep(context, logits) {
        if (context.epoch < h.relabelEpoch) return;
        const relabelled = tf.tidy(() => tf.tensor2d(logits, [context.rows.length, config.numClasses]));
        const next = scnRelabel(relabelled, context.labels, h.margin2);
        relabelled.dispose();
        next.forEach((label, i) => {
          if (label !== context.labels[i]) relabels.set(context.rows[i], label);
        });
      },
      getState: (): MethodState => ({ relabels: [...relabels].sort((a, b) => a[0] - b[0]).flat() }),
      setState(state) {
        relabels.clear();
        const flat = state.relabels ?? [];
        for (let i = 0; i + 1 < flat.length; i += 2) relabels.set(flat[i], flat[i + 1]);
      },
    };
  },
};
