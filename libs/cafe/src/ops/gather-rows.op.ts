import * as tf from '@tensorflow/tfjs';

/**
 * x[indices] along the first axis as a product with a one-hot selection matrix. Same values as tf.gather (each output
 * is one input times 1 plus zeros), but its gradient is a matMul: tf.gather's gradient needs UnsortedSegmentSum, which
 * the wasm backend lacks.
 */
export function gatherRows<T extends tf.Tensor>(x: T, indices: tf.Tensor1D): T {
  return tf.tidy(() => {
    const n = x.shape[0];
    // int32 one-hot, then float: TF.js 4.22's wasm oneHot with a float dtype is wrong (see head/cafe-head.ts).
    const selection = tf.cast(tf.oneHot(tf.cast(indices, 'int32'), n), 'float32') as tf.Tensor2D;
    const rows = tf.reshape(x, [n, -1]) as tf.Tensor2D;
    return tf.reshape(tf.matMul(selection, rows), [indices.shape[0], ...x.shape.slice(1)]) as T;
  });
}
