import * as tf from '@tensorflow/tfjs';
import { eacLoss } from './losses/eac.loss';
import { softmaxCrossEntropy } from './losses/softmax-cross-entropy';
import type { ForwardMode } from '../mask-nets/mask-net';
import { RESNET18_WIDTH, createResnet18Trunk } from '../mask-nets/resnet18.mask-net';
import { createFcHead } from './fc-head';
import { detach, imagesOf, plainLossTerms } from './image-trunk';
import type { MethodDefinition, ModelBatch } from './method';

/**
 * Erasing Attention Consistency (Zhang et al., ECCV 2022; official code zyh-uaiaaaa/Erasing-Attention-Consistency
 * src/main.py, model.py, dataset.py) on a ResNet-18 trunk. Class activation maps hm[b, k] = Σ_c map[b, c] · W_fc[k, c]
 * from layer4's map and the FC weights taken without gradient (`fc_weights = params[-2].data`). The second view is the
 * first one flipped left-right, after its erasing and noise (the official `RandomHorizontalFlip(p=1)` of the
 * transformed tensor), through a second training-mode forward (BatchNorm statistics updated twice, as in PyTorch).
 * Loss = CE(logits, y) + lambda · MSE(hm, flip(hm of the flipped view)) (`losses/eac.loss.ts`, parity-tested).
 */
export const eacMethod: MethodDefinition = {
  name: 'eac',
  build({ config, rng }) {
    const lambda = config.eac?.lambda ?? 5;
    const trunk = createResnet18Trunk(rng);
    const fc = createFcHead(rng, RESNET18_WIDTH, config.numClasses, config.fcLrMultiplier ?? 1);
    const camsOf = (map: tf.Tensor4D): tf.Tensor4D => {
      const [batch, h, w, channels] = map.shape;
      const scores = tf.matMul(tf.reshape(map, [batch * h * w, channels]), detach(fc.kernel) as tf.Tensor2D);
      return tf.transpose(tf.reshape(scores, [batch, h, w, config.numClasses]), [0, 3, 1, 2]) as tf.Tensor4D; // [B, K, h, w]
    };
    const logits = (batch: ModelBatch, mode: ForwardMode) => fc.apply(trunk.pooled(imagesOf(batch, 'eac'), mode));
    return {
      parameters: [...trunk.parameters, ...fc.parameters],
      needsImages: true,
      needsDropMask: false,
      loss(batch, _oneHotTargets, _dropMask, mode, context) {
        const images = imagesOf(batch, 'eac');
        const map = trunk.featureMap(images, mode);
        const output = fc.apply(tf.mean(map, [1, 2]) as tf.Tensor2D);
        const flippedMap = trunk.featureMap(tf.reverse(images, 2) as tf.Tensor4D, mode); // NHWC: axis 2 is the width
        const labels = tf.tensor1d(context.labels, 'int32');
        const total = eacLoss(output, labels, camsOf(map), camsOf(flippedMap), lambda);
        return { terms: plainLossTerms(total, softmaxCrossEntropy(output, labels)), logits: output };
      },
      logits,
    };
  },
};
