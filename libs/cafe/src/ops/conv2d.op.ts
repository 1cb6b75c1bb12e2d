import * as tf from '@tensorflow/tfjs';

export interface Conv2dOptions {
  /**
   * Whether the input needs a gradient (default true). A network's first convolution sees the images, which train
   * nothing: its input gradient, the most expensive one of a ResNet-18 backward pass on wasm, is skipped.
   */
  inputGradient?: boolean;
}

/**
 * conv2d (NHWC, square kernel, symmetric zero padding `pad`, as PyTorch) whose gradients are forward convolutions
 * where that is faster: the filter gradient always (a dilated convolution of the input with the output gradient,
 * instead of Conv2DBackpropFilter), the input gradient when the output is at least 2×2 (the zero-spread output
 * gradient convolved with the rotated filter, instead of Conv2DBackpropInput). Why: the cpu backend's
 * Conv2DBackpropFilter is a naive loop (26 s of a 27 s ResNet-18 backward pass at 32 px), wasm has none at all, and
 * wasm's Conv2DBackpropInput runs 2-10x slower than its forward convolution (XNNPACK) on ResNet-18's early layers.
 * The native tensorflow backend keeps its own kernels.
 */
export function conv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, stride: number, pad: number, options: Conv2dOptions = {}): tf.Tensor4D {
  if (tf.getBackend() === 'tensorflow') return tf.conv2d(x, kernel, stride, pad);
  const withInputGradient = options.inputGradient ?? true;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, filter, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([input, filter]);
    return {
      value: tf.conv2d(input, filter, stride, pad),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedInput, savedFilter] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [
          withInputGradient ? inputGradient(dy as tf.Tensor4D, savedFilter, savedInput.shape, stride, pad) : tf.zerosLike(savedInput),
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

/**
 * Below this many output positions (a 1×1 output), rotating a wide filter costs more than wasm's own transposed
 * convolution; from 2×2 on, the forward convolution wins (bench section 2's step profile: with 16 here, layer4's five
 * transposed convolutions took a quarter of a 64 px step, and the step ran 10-11% slower at 32 and 64 px).
 */
const MIN_OUTPUT_POSITIONS_FOR_FORWARD_INPUT_GRADIENT = 4;

/**
 * dX = the transposed convolution of dy, as a forward one: dy with stride - 1 zeros between its rows and columns,
 * padded by kernel - 1 - pad (plus the rows the forward pass' floor division dropped), convolved at stride 1 with
 * the filter rotated by 180° and its channel axes swapped.
 */
function inputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: [number, number, number, number], stride: number, pad: number): tf.Tensor4D {
  const [kh, kw] = filter.shape;
  const [, height, width] = inputShape;
  const [batch, outHeight, outWidth, outChannels] = dy.shape;
  const top = kh - 1 - pad;
  const left = kw - 1 - pad;
  if (top < 0 || left < 0 || outHeight * outWidth < MIN_OUTPUT_POSITIONS_FOR_FORWARD_INPUT_GRADIENT) {
    return tf.conv2dTranspose(dy, filter, inputShape, stride, pad);
  }
  let spread = dy;
  if (stride > 1) {
    const gaps = tf.pad(tf.reshape(dy, [batch, outHeight, 1, outWidth, 1, outChannels]), [[0, 0], [0, 0], [0, stride - 1], [0, 0], [0, stride - 1], [0, 0]]);
    const size: [number, number, number, number] = [batch, (outHeight - 1) * stride + 1, (outWidth - 1) * stride + 1, outChannels];
    spread = tf.slice(tf.reshape(gaps, [batch, outHeight * stride, outWidth * stride, outChannels]) as tf.Tensor4D, [0, 0, 0, 0], size);
  }
  const bottom = height - spread.shape[1] - top + kh - 1;
  const right = width - spread.shape[2] - left + kw - 1;
  return tf.conv2d(spread, rotate180(filter), 1, [[0, 0], [top, bottom], [left, right], [0, 0]]);
}

/**
 * The filter rotated by 180° with its channel axes swapped: [kh, kw, C, O] → [kh, kw, O, C]. The spatial reversal is
 * a product with an anti-diagonal permutation matrix (exact: one 1 per row), because wasm's Reverse kernel takes
 * 5-10x longer on ResNet-18's 3×3×512×512 filters.
 */
function rotate180(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, inChannels, outChannels] = filter.shape;
  const taps = kh * kw;
  const reversal = tf.tensor2d(Float32Array.from({ length: taps * taps }, (_, i) => (i % taps === taps - 1 - Math.floor(i / taps) ? 1 : 0)), [taps, taps]);
  const reversed = tf.reshape(tf.matMul(reversal, tf.reshape(filter, [taps, inChannels * outChannels])), [kh, kw, inChannels, outChannels]) as tf.Tensor4D;
  return tf.transpose(reversed, [0, 1, 3, 2]);
}
