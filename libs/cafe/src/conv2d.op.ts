import * as tf from '@tensorflow/tfjs';

/**
 * conv2d (NHWC, square kernel, symmetric zero padding `pad`, as PyTorch) whose filter gradient is computed as an
 * ordinary dilated convolution of the input with the output gradient, instead of the Conv2DBackpropFilter kernel.
 * Why: the cpu backend's Conv2DBackpropFilter is a naive loop (measured: 26 s of a 27 s ResNet-18 backward pass
 * at 32 px) and the wasm backend has none at all. The native tensorflow backend keeps its own kernel.
 */
export function conv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  if (tf.getBackend() === 'tensorflow') return tf.conv2d(x, kernel, stride, pad);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, filter, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([input, filter]);
    return {
      value: tf.conv2d(input, filter, stride, pad),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedInput, savedFilter] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [
          tf.conv2dTranspose(dy as tf.Tensor4D, savedFilter, savedInput.shape, stride, pad),
          filterGradient(savedInput, dy as tf.Tensor4D, savedFilter.shape, stride, pad),
        ];
      },
    };
  });
  return op(x, kernel) as tf.Tensor4D;
}

/**
 * dW[i, j, c, o] = Σ_{b, y, x} input[b, y·s + i - p, x·s + j - p, c] · dy[b, y, x, o]: a stride-1 convolution of the
 * input with batch and channels swapped, by dy used as a filter dilated by the stride.
 */
function filterGradient(input: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], stride: number, pad: number): tf.Tensor4D {
  const [kh, kw] = filterShape;
  const channelsAsBatch = tf.transpose(input, [3, 1, 2, 0]); // [C, H, W, B]
  const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, B, O]
  const full = tf.conv2d(channelsAsBatch, dyAsFilter, 1, pad, 'NHWC', stride); // [C, ≥kh, ≥kw, O]
  const cropped = full.shape[1] === kh && full.shape[2] === kw ? full : tf.slice(full, [0, 0, 0, 0], [-1, kh, kw, -1]);
  return tf.transpose(cropped, [1, 2, 0, 3]);
}
