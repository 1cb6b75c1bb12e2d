import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '../../head/cafe-head';

/** Mean softmax cross-entropy with integer labels, as `F.cross_entropy(logits, labels)`. */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    // int32 one-hot, then float: TF.js 4.22's wasm oneHot with a float dtype is wrong (see head/cafe-head.ts).
    const oneHot = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]), 'float32') as tf.Tensor2D;
    return crossEntropy(logits, oneHot);
  });
}
