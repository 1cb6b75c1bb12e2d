import type { DenseBlock as ExpressionDenseBlock, SeparableConv as ExpressionSeparableConv } from '../face-api-expression.backbone';
import { TfjsConvGraph, type Feature } from './tfjs-conv.onnx';

/**
 * The feature extractor of face-api's expression net (four dense blocks of depthwise-separable convolutions, 7x7
 * average pool) as an ONNX graph, the same forward as the TF.js engine (face-api-expression.backbone.ts) over the same
 * weight tensors: `pixels` [B, S, S, 3] RGB 0..255 → (x - mean) / 255 → ... → `features` [B, 256]. S is exactly
 * `inputSize` (112): each stride-2 layer pads as TF.js's `same` does there (0 before, 1 after).
 */
export function faceApiExpressionOnnxModel(blocks: ExpressionDenseBlock[], inputSize: number, meanRgb: number[], identity: string): Uint8Array {
  const n = new TfjsConvGraph();
  const separable = (x: Feature, conv: ExpressionSeparableConv, stride: 1 | 2) => n.separable(x, conv.depthwise, conv.pointwise, conv.bias, stride, 'same');
  let out = n.input(inputSize, meanRgb);
  for (const block of blocks) {
    const first = 'filters' in block.conv0 ? n.conv(out, block.conv0.filters, block.conv0.bias, 2, 'same') : separable(out, block.conv0, 2);
    const out1 = n.relu(first);
    const out2 = separable(out1, block.conv1, 1);
    const out3 = separable(n.relu(n.add(out1, out2)), block.conv2, 1);
    const out4 = separable(n.relu(n.add(out1, n.add(out2, out3))), block.conv3, 1);
    out = n.relu(n.add(out1, n.add(out2, n.add(out3, out4))));
  }
  const pooled = n.pool('avg', out, 7, 2, 'valid');
  return n.build(inputSize, n.flatten(pooled), pooled.channels, `fer ${identity}`);
}
