import type { Params as AgeGenderParams, ReductionBlock as AgeGenderReductionBlock, SeparableConv as AgeGenderSeparableConv } from '../face-api-age-gender.backbone';
import { TfjsConvGraph, type Feature } from './tfjs-conv.onnx';

/**
 * face-api's age/gender trunk (TinyXception, 2 middle blocks, 7x7 average pool) as an ONNX graph, the same forward as
 * the TF.js engine (face-api-age-gender.backbone.ts) over the same weight tensors: `pixels` [B, S, S, 3] RGB 0..255 →
 * (x - mean) / 255 → ... → `features` [B, 512]. S is exactly `inputSize` (112): the pads are TF.js's at that size.
 */
export function faceApiAgeGenderOnnxModel(params: AgeGenderParams, inputSize: number, meanRgb: number[], identity: string): Uint8Array {
  const n = new TfjsConvGraph();
  const separable = (x: Feature, conv: AgeGenderSeparableConv) => n.separable(x, conv.depthwise, conv.pointwise, conv.bias, 1, 'same');
  const reductionBlock = (x: Feature, block: AgeGenderReductionBlock, activateInput: boolean) => {
    let out = separable(activateInput ? n.relu(x) : x, block.separable0);
    out = n.pool('max', separable(n.relu(out), block.separable1), 3, 2, 'same');
    return n.add(out, n.conv(x, block.expansion.filters, block.expansion.bias, 2, 'same'));
  };

  let out = n.input(inputSize, meanRgb);
  out = n.relu(n.conv(out, params.convIn.filters, params.convIn.bias, 2, 'same'));
  out = reductionBlock(out, params.reduction0, false);
  out = reductionBlock(out, params.reduction1, true);
  for (const block of params.mainBlocks) {
    let inner = out;
    for (const conv of block) inner = separable(n.relu(inner), conv);
    out = n.add(inner, out);
  }
  out = reductionBlock(out, params.exitReduction, true);
  out = n.relu(separable(out, params.exitSeparable));
  const pooled = n.pool('avg', out, 7, 2, 'valid');
  return n.build(inputSize, n.flatten(pooled), pooled.channels, `fer ${identity}`);
}
