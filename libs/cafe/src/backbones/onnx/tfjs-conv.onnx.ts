import type * as tf from '@tensorflow/tfjs';
import { OnnxGraphBuilder } from './onnx-graph';

/** TF.js's padding modes. */
export type TfPadding = 'same' | 'valid';

/**
 * The output side and the [begin, end] zero padding TF.js applies to one spatial axis: `valid` none; `same`
 * ceil(size / stride) outputs and the missing rows split with the extra one at the end (so a stride-2 3x3 window over
 * an even side pads 0 before, 1 after: ONNX's symmetric `pads` would be wrong there, hence explicit pads per layer).
 */
export function tfWindow(size: number, kernel: number, stride: number, padding: TfPadding): { out: number; begin: number; end: number } {
  if (padding === 'valid') {
    const out = Math.floor((size - kernel) / stride) + 1;
    if (out < 1) throw new Error(`a ${kernel}x${kernel} 'valid' window does not fit a side of ${size}`);
    return { out, begin: 0, end: 0 };
  }
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return { out, begin: Math.floor(total / 2), end: total - Math.floor(total / 2) };
}

/** A value of the graph: NCHW, square, with its channel count and side (the graph is written for one input size). */
export interface Feature {
  value: string;
  channels: number;
  size: number;
}

/**
 * The TF.js layer vocabulary of the face-api nets as ONNX nodes, over the TF.js weight tensors the TF.js engine runs
 * (read with dataSync; HWIO filters → OIHW). Values are NCHW (ONNX Runtime's CPU convolutions); each layer's padding
 * is the explicit pads TF.js's `same`/`valid` give at the side the value has, so the graph takes exactly one input size.
 */
export class TfjsConvGraph {
  readonly g = new OnnxGraphBuilder();

  /** `pixels` [B, S, S, 3] RGB 0..255 → (pixels - meanRgb) / 255, NCHW: the face-api nets' normalisation. */
  input(inputSize: number, meanRgb: number[]): Feature {
    const g = this.g;
    const normalised = g.op('Div', [g.op('Sub', ['pixels', g.constant(meanRgb, [3])]), g.constant([255], [])]);
    return { value: g.op('Transpose', [normalised], { perm: [0, 3, 1, 2] }), channels: 3, size: inputSize };
  }

  /** tf.conv2d(x, filters [k, k, in, out], stride, padding) + bias. */
  conv(x: Feature, filters: tf.Tensor4D, bias: tf.Tensor1D | null, stride: number, padding: TfPadding): Feature {
    const [k, , inChannels, outChannels] = filters.shape;
    this.expectChannels(x, inChannels, 'conv2d');
    const w = tfWindow(x.size, k, stride, padding);
    const inputs = [x.value, this.g.constant(hwioToOihw(filters), [outChannels, inChannels, k, k])];
    if (bias) inputs.push(this.g.constant(bias.dataSync() as Float32Array, [outChannels]));
    const value = this.g.op('Conv', inputs, {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [w.begin, w.begin, w.end, w.end],
    });
    return { value, channels: outChannels, size: w.out };
  }

  /**
   * tf.separableConv2d(x, depthwise [k, k, C, 1], pointwise [1, 1, C, out], stride, padding) + bias: a Conv with
   * group = C (the depthwise step, strided and padded) then a 1x1 Conv carrying the bias.
   */
  separable(x: Feature, depthwise: tf.Tensor4D, pointwise: tf.Tensor4D, bias: tf.Tensor1D, stride: number, padding: TfPadding): Feature {
    const [k, , channels, multiplier] = depthwise.shape;
    if (multiplier !== 1) throw new Error(`separableConv2d: channel multiplier ${multiplier}, only 1 is written`);
    this.expectChannels(x, channels, 'separableConv2d');
    const w = tfWindow(x.size, k, stride, padding);
    // [k, k, C, 1] → [C, 1, k, k]: the same transpose as HWIO → OIHW with I and O swapped.
    const filters = hwioToOihw(depthwise);
    const value = this.g.op('Conv', [x.value, this.g.constant(filters, [channels, 1, k, k])], {
      group: channels,
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [w.begin, w.begin, w.end, w.end],
    });
    return this.conv({ value, channels, size: w.out }, pointwise, bias, 1, 'valid');
  }

  relu(x: Feature): Feature {
    return { ...x, value: this.g.op('Relu', [x.value]) };
  }

  add(a: Feature, b: Feature): Feature {
    if (a.channels !== b.channels || a.size !== b.size) throw new Error(`add: [${a.channels}, ${a.size}] + [${b.channels}, ${b.size}]`);
    return { ...a, value: this.g.op('Add', [a.value, b.value]) };
  }

  /** x * scale + shift per channel (face-api's scale layer after a conv). */
  affine(x: Feature, scale: tf.Tensor1D, shift: tf.Tensor1D): Feature {
    const perChannel = (t: tf.Tensor1D) => this.g.constant(t.dataSync() as Float32Array, [x.channels, 1, 1]);
    return { ...x, value: this.g.op('Add', [this.g.op('Mul', [x.value, perChannel(scale)]), perChannel(shift)]) };
  }

  /** tf.maxPool / tf.avgPool(x, k, stride, padding); a `same` max pool ignores its padding, as TF.js's does. */
  pool(kind: 'max' | 'avg', x: Feature, k: number, stride: number, padding: TfPadding): Feature {
    const w = tfWindow(x.size, k, stride, padding);
    if (kind === 'avg' && w.begin + w.end > 0) throw new Error(`avgPool with 'same' padding at side ${x.size} is not written`);
    const value = this.g.op(kind === 'max' ? 'MaxPool' : 'AveragePool', [x.value], {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [w.begin, w.begin, w.end, w.end],
    });
    return { ...x, value, size: w.out };
  }

  /** Zero rows and columns added at the end of the spatial axes, zero channels at the end of the channel axis. */
  padEnd(x: Feature, spatial: number, channels: number): Feature {
    if (spatial === 0 && channels === 0) return x;
    const pads = this.g.constant([0, 0, 0, 0, 0, channels, spatial, spatial], [8], 'int64');
    return { value: this.g.op('Pad', [x.value, pads]), channels: x.channels + channels, size: x.size + spatial };
  }

  /** [B, C, 1, 1] → [B, C]. */
  flatten(x: Feature): string {
    if (x.size !== 1) throw new Error(`expected a 1x1 map before the features, got ${x.size}x${x.size}`);
    return this.g.op('Flatten', [x.value], { axis: 1 });
  }

  /** The serialized model: `pixels` [batch, S, S, 3] in, `features` [batch, dim] out. */
  build(inputSize: number, features: string, dim: number, producer: string): Uint8Array {
    return this.g.build(
      { name: 'pixels', dims: ['batch', inputSize, inputSize, 3] },
      { name: 'features', from: features, dims: ['batch', dim] },
      producer,
    );
  }

  private expectChannels(x: Feature, channels: number, op: string): void {
    if (x.channels !== channels) throw new Error(`${op}: filters for ${channels} input channels on a value with ${x.channels}`);
  }
}

/** A TF.js filter [kh, kw, in, out] as ONNX's [out, in, kh, kw]. */
export function hwioToOihw(filters: tf.Tensor4D): Float32Array {
  const [kh, kw, inChannels, outChannels] = filters.shape;
  const values = filters.dataSync() as Float32Array;
  const out = new Float32Array(values.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < inChannels; i++)
        for (let o = 0; o < outChannels; o++) out[((o * inChannels + i) * kh + h) * kw + w] = values[((h * kw + w) * inChannels + i) * outChannels + o];
  return out;
}
