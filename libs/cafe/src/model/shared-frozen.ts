import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../backbones/backbone';
import { IMAGENET_MEAN, IMAGENET_STD } from '../data/image-augment';

/**
 * `augment.frozenPath: shared`: the frozen model run on the very batch the image mask net sees, each step (as the
 * official CAFE code feeds CLIP and the ResNet-18 one augmented tensor). Its weights are constants, so no gradient
 * reaches it; it only costs its forward pass.
 */
export interface SharedFrozenBranch {
  readonly featureDim: number;
  /** The ImageNet-normalised (and augmented) batch [B, S, S, 3] → frozen features [B, featureDim]. Call inside tf.tidy. */
  features(images: tf.Tensor4D): tf.Tensor2D;
}

/**
 * `imagenet`: the backbone is given the ImageNet-normalised tensor itself (its own normalisation skipped: the official
 * code's input to CLIP, erased regions at 0); `backbone`: the same augmented pixels under the backbone's own
 * normalisation (an erased region reads as the ImageNet mean colour).
 */
export function sharedFrozenBranch(backbone: Backbone, normalization: 'backbone' | 'imagenet'): SharedFrozenBranch {
  if (normalization === 'imagenet' && !backbone.embedNormalized) {
    throw new Error(`backbone ${backbone.name} takes only RGB images: augment.frozenNormalization "imagenet" needs one that can take a normalised tensor (clip-vit-b32)`);
  }
  return {
    featureDim: backbone.featureDim,
    features: (images) =>
      normalization === 'imagenet'
        ? backbone.embedNormalized!(images)
        : backbone.embed(tf.mul(tf.add(tf.mul(images, IMAGENET_STD), IMAGENET_MEAN), 255) as tf.Tensor4D),
  };
}
