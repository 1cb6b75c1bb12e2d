import * as tf from '@tensorflow/tfjs';
import { gatherRows } from '../../ops/gather-rows.op';
import { softmaxCrossEntropy } from './softmax-cross-entropy';

/**
 * Relative Uncertainty Learning (Zhang et al., NeurIPS 2021; official code `zyh-uaiaaaa/Relative-Uncertainty-Learning`):
 * each sample's uncertainty is the mean of its variances, att = mean_D exp(logvar); a sample is mixed with a random
 * partner of the batch in proportion to their uncertainties, and the mix is classified as both labels.
 */
export function rulMix(mu: tf.Tensor2D, logvar: tf.Tensor2D, permutation: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const att = tf.mean(tf.exp(logvar), 1, true); // [B, 1]
    const partner = gatherRows(att, permutation);
    const total = tf.add(att, partner);
    return tf.add(tf.mul(tf.div(att, total), mu), tf.mul(tf.div(partner, total), gatherRows(mu, permutation))) as tf.Tensor2D;
  });
}

/** 0.5 CE(fc(mixed), labels) + 0.5 CE(fc(mixed), labels[perm]); the FC is [K, D] in PyTorch layout. */
export function rulLoss(
  mu: tf.Tensor2D,
  logvar: tf.Tensor2D,
  fcWeight: tf.Tensor2D,
  fcBias: tf.Tensor1D,
  labels: tf.Tensor1D,
  permutation: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() => {
    const logits = tf.add(tf.matMul(rulMix(mu, logvar, permutation), fcWeight, false, true), fcBias) as tf.Tensor2D;
    const partnerLabels = tf.gather(labels, tf.cast(permutation, 'int32')) as tf.Tensor1D;
    return tf.add(
      tf.mul(0.5, softmaxCrossEntropy(logits, labels)),
      tf.mul(0.5, softmaxCrossEntropy(logits, partnerLabels)),
    ) as tf.Scalar;
  });
}
