import type * as tf from '@tensorflow/tfjs';
import type { ConvLayer as RecognitionConvLayer, ResidualLayer as RecognitionResidualLayer } from '../face-api-recognition.backbone';
import { TfjsConvGraph, tfWindow, type Feature } from './tfjs-conv.onnx';

/** One residual layer of the recognition net, named as in its weights map, with whether it halves the side. */
export interface RecognitionLayerSpec {
  name: string;
  down: boolean;
}

/** Where a downsampling residual layer's two paths meet: the strided 'valid' conv's side and the 2x2 pool's. */
export interface RecognitionShortcut {
  layer: string;
  /** The side the layer gets. */
  input: number;
  conv: number;
  pool: number;
  /** Rows/columns of zeros appended to the conv path (face-api's tf.pad) when it comes out smaller than the pool. */
  pad: number;
}

/**
 * The sides the recognition net's downsampling layers see at one input size, from TF.js's window arithmetic: the stem
 * (7x7 stride 2 'valid'), the 3x3 stride-2 'valid' max pool, then per down layer a 3x3 stride-2 'valid' conv beside a
 * 2x2 stride-2 pool. The conv path is one shorter than the pool whenever the side is even: at 150 px, conv256_down
 * (8 → 3 vs 4) and conv256_down_out (4 → 1 vs 2) take face-api's zero-pad path.
 */
export function faceApiRecognitionShortcuts(inputSize: number, layers: RecognitionLayerSpec[]): RecognitionShortcut[] {
  let side = tfWindow(tfWindow(inputSize, 7, 2, 'valid').out, 3, 2, 'valid').out;
  const out: RecognitionShortcut[] = [];
  for (const { name, down } of layers) {
    if (!down) continue;
    const conv = tfWindow(side, 3, 2, 'valid').out;
    const pool = tfWindow(side, 2, 2, 'valid').out;
    if (conv > pool) throw new Error(`${name}: conv side ${conv} > pool side ${pool}`);
    out.push({ layer: name, input: side, conv, pool, pad: pool - conv });
    side = pool;
  }
  return out;
}

/**
 * The dlib ResNet-34 face descriptor as face-api runs it, as an ONNX graph: the same forward as the TF.js engine
 * (face-api-recognition.backbone.ts) over the same weight tensors. `pixels` [B, S, S, 3] RGB 0..255 → (x - mean) / 255
 * → stem, max pool, 14 residual layers (conv + bias, per-channel scale and shift; the down layers' shortcut is a 2x2
 * average pool, zero-padded on channels, the conv path zero-padded at the end where it is one short) → spatial mean →
 * fc → `features` [B, 128]. S is exactly `inputSize` (150).
 */
export function faceApiRecognitionOnnxModel(
  params: { stem: RecognitionConvLayer; layers: (RecognitionResidualLayer & RecognitionLayerSpec)[]; fc: tf.Tensor2D },
  inputSize: number,
  meanRgb: number[],
  identity: string,
): Uint8Array {
  const n = new TfjsConvGraph();
  const g = n.g;
  const convLayer = (x: Feature, layer: RecognitionConvLayer, stride: 1 | 2, relu: boolean, padding: 'same' | 'valid') => {
    const out = n.affine(n.conv(x, layer.filters, layer.bias, stride, padding), layer.scaleWeights, layer.scaleBiases);
    return relu ? n.relu(out) : out;
  };
  const shortcuts = new Map(faceApiRecognitionShortcuts(inputSize, params.layers).map((s) => [s.layer, s]));

  let out = convLayer(n.input(inputSize, meanRgb), params.stem, 2, true, 'valid');
  out = n.pool('max', out, 3, 2, 'valid');
  for (const layer of params.layers) {
    if (!layer.down) {
      out = n.relu(n.add(convLayer(convLayer(out, layer.conv1, 1, true, 'same'), layer.conv2, 1, false, 'same'), out));
      continue;
    }
    const shortcut = shortcuts.get(layer.name)!;
    let conv = convLayer(convLayer(out, layer.conv1, 2, true, 'valid'), layer.conv2, 1, false, 'same');
    let pooled = n.pool('avg', out, 2, 2, 'valid');
    if (conv.size !== shortcut.conv || pooled.size !== shortcut.pool) throw new Error(`${layer.name}: sides ${conv.size}/${pooled.size}, planned ${shortcut.conv}/${shortcut.pool}`);
    conv = n.padEnd(conv, shortcut.pad, 0);
    pooled = n.padEnd(pooled, 0, conv.channels - pooled.channels);
    out = n.relu(n.add(pooled, conv));
  }
  const [inDim, dim] = params.fc.shape;
  const mean = g.op('ReduceMean', [out.value], { axes: [2, 3], keepdims: 0 });
  const features = g.op('MatMul', [mean, g.constant(params.fc.dataSync() as Float32Array, [inDim, dim])]);
  return n.build(inputSize, features, dim, `fer ${identity}`);
}
