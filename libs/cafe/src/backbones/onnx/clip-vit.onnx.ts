import type { ClipVitWeights, RawLayerNorm, RawLinear } from '../clip-vit.backbone';
import { OnnxGraphBuilder } from './onnx-graph';

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
const LAYER_NORM_EPS = 1e-5;

/**
 * The CLIP vision tower as an ONNX graph, the same forward as the TF.js engine (clip-vit.backbone.ts) and Hugging
 * Face's CLIPVisionModelWithProjection: `pixels` [B, S, S, 3] RGB 0..255 (NHWC, as the feature cache feeds every
 * engine), CLIP's normalisation, the patch convolution, class token and positions, pre-LayerNorm, the encoder layers
 * (attention with scaled queries, QuickGELU MLP), post-LayerNorm of the class token, projection → `features` [B, P].
 */
export function clipVitOnnxModel(weights: ClipVitWeights): Uint8Array {
  const { width, heads, patchSize, imageSize, projectionDim } = weights.hyperparameters;
  const grid = imageSize / patchSize;
  const tokens = grid * grid + 1;
  const headDim = width / heads;
  const g = new OnnxGraphBuilder();
  const scalar = (value: number) => g.constant([value], []);
  const ints = (values: number[]) => g.constant(values, [values.length], 'int64');

  const layerNorm = (x: string, norm: RawLayerNorm) =>
    g.op('LayerNormalization', [x, g.constant(norm.weight, [width]), g.constant(norm.bias, [width])], { axis: -1, epsilon: { float: LAYER_NORM_EPS } });
  const linear = (x: string, layer: RawLinear) => {
    const product = g.op('MatMul', [x, g.constant(transpose(layer.weight, layer.outDim, layer.inDim), [layer.inDim, layer.outDim])]);
    return layer.bias ? g.op('Add', [product, g.constant(layer.bias, [layer.outDim])]) : product;
  };

  // NHWC 0..255 → normalised → NCHW → patches [B, grid², width].
  const normalised = g.op('Div', [
    g.op('Sub', ['pixels', g.constant(CLIP_MEAN.map((m) => m * 255), [3])]),
    g.constant(CLIP_STD.map((s) => s * 255), [3]),
  ]);
  const conv = g.op('Conv', [g.op('Transpose', [normalised], { perm: [0, 3, 1, 2] }), g.constant(weights.patchWeight, [width, 3, patchSize, patchSize])], {
    kernel_shape: [patchSize, patchSize],
    strides: [patchSize, patchSize],
  });
  const patches = g.op('Transpose', [g.op('Reshape', [conv, ints([0, width, grid * grid])])], { perm: [0, 2, 1] });
  // The class token, broadcast over the batch: Expand([1, 1, width]) to [B, 1, width].
  const batch = g.op('Slice', [g.op('Shape', ['pixels']), ints([0]), ints([1])]);
  const clsShape = g.op('Concat', [batch, ints([1, width])], { axis: 0 });
  const cls = g.op('Expand', [g.constant(weights.classEmbedding, [1, 1, width]), clsShape]);
  const embedded = g.op('Add', [g.op('Concat', [cls, patches], { axis: 1 }), g.constant(weights.positionEmbedding, [tokens, width])]);
  let hidden = layerNorm(embedded, weights.preLayerNorm);

  const splitHeads = (x: string) => g.op('Transpose', [g.op('Reshape', [x, ints([0, tokens, heads, headDim])])], { perm: [0, 2, 1, 3] });
  const invSqrt = scalar(1 / Math.sqrt(headDim));
  for (const layer of weights.layers) {
    const normed = layerNorm(hidden, layer.layerNorm1);
    const query = splitHeads(g.op('Mul', [linear(normed, layer.query), invSqrt]));
    const keyT = g.op('Transpose', [g.op('Reshape', [linear(normed, layer.key), ints([0, tokens, heads, headDim])])], { perm: [0, 2, 3, 1] });
    const attention = g.op('Softmax', [g.op('MatMul', [query, keyT])], { axis: -1 });
    const context = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [attention, splitHeads(linear(normed, layer.value))])], { perm: [0, 2, 1, 3] }), ints([0, tokens, width])]);
    hidden = g.op('Add', [hidden, linear(context, layer.output)]);
    const up = linear(layerNorm(hidden, layer.layerNorm2), layer.fc1);
    const quickGelu = g.op('Mul', [up, g.op('Sigmoid', [g.op('Mul', [up, scalar(1.702)])])]);
    hidden = g.op('Add', [hidden, linear(quickGelu, layer.fc2)]);
  }
  const pooled = layerNorm(g.op('Gather', [hidden, g.constant([0], [], 'int64')], { axis: 1 }), weights.postLayerNorm);
  const features = linear(pooled, weights.projection);
  return g.build(
    { name: 'pixels', dims: ['batch', imageSize, imageSize, 3] },
    { name: 'features', from: features, dims: ['batch', projectionDim] },
    `fer ${weights.identity}`,
  );
}

/** [rows, cols] row-major → [cols, rows]. */
function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}
