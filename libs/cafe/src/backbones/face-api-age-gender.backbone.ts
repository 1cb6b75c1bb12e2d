import { backboneInfo } from '@fer/contracts';
import * as tf from '@tensorflow/tfjs';
import { toInputSize, type Backbone, type BackboneLoadOptions, type BackboneRegistration } from './backbone';
import { faceApiAgeGenderOnnxModel } from './onnx/face-api-age-gender.onnx';
import { onnxFromTfjsTensors, type OnnxBackbone, resolveFrozenEngine } from './onnx/frozen-engine';
import { packagedFaceApiModelFolder, readTfjsWeights, takeTensor } from './tfjs-weights.reader';

// face-api's age/gender trunk (src/xception/TinyXception with 2 middle blocks, then a 7x7 average pool),
// re-implemented over its weights map. Features = the 512-d input of its age and gender heads.
const NAME = 'face-api-age-gender';
const INPUT_SIZE = backboneInfo(NAME).inputSize;
const MEAN_RGB = [122.782, 117.001, 104.298];
const MAIN_BLOCKS = 2;

export interface Conv {
  filters: tf.Tensor4D;
  bias: tf.Tensor1D;
}

export interface SeparableConv {
  depthwise: tf.Tensor4D;
  pointwise: tf.Tensor4D;
  bias: tf.Tensor1D;
}

export interface ReductionBlock {
  separable0: SeparableConv;
  separable1: SeparableConv;
  expansion: Conv;
}

export interface Params {
  convIn: Conv;
  reduction0: ReductionBlock;
  reduction1: ReductionBlock;
  mainBlocks: SeparableConv[][];
  exitReduction: ReductionBlock;
  exitSeparable: SeparableConv;
}

function separable(x: tf.Tensor4D, conv: SeparableConv): tf.Tensor4D {
  return tf.add(tf.separableConv2d(x, conv.depthwise, conv.pointwise, 1, 'same'), conv.bias);
}

function reductionBlock(x: tf.Tensor4D, block: ReductionBlock, activateInput: boolean): tf.Tensor4D {
  let out = separable(activateInput ? tf.relu(x) : x, block.separable0);
  out = tf.maxPool(separable(tf.relu(out), block.separable1), 3, 2, 'same');
  return tf.add(out, tf.add(tf.conv2d(x, block.expansion.filters, 2, 'same'), block.expansion.bias));
}

function mainBlock(x: tf.Tensor4D, convs: SeparableConv[]): tf.Tensor4D {
  let out = x;
  for (const conv of convs) out = separable(tf.relu(out), conv);
  return tf.add(out, x);
}

export class FaceApiAgeGenderBackbone implements Backbone {
  readonly name = NAME;
  readonly featureDim = backboneInfo(NAME).featureDim;
  readonly inputSize = INPUT_SIZE;
  private readonly mean: tf.Tensor1D = tf.tensor1d(MEAN_RGB);

  constructor(
    readonly identity: string,
    private readonly params: Params,
    private readonly owned: tf.Tensor[],
  ) {}

  embed(images: tf.Tensor4D): tf.Tensor2D {
    const p = this.params;
    return tf.tidy(() => {
      let out = tf.div(tf.sub(toInputSize(images, this.inputSize, this.name), this.mean), 255) as tf.Tensor4D;
      out = tf.relu(tf.add<tf.Tensor4D>(tf.conv2d(out, p.convIn.filters, 2, 'same'), p.convIn.bias));
      out = reductionBlock(out, p.reduction0, false);
      out = reductionBlock(out, p.reduction1, true);
      for (const block of p.mainBlocks) out = mainBlock(out, block);
      out = reductionBlock(out, p.exitReduction, true);
      out = tf.relu(separable(out, p.exitSeparable));
      return tf.reshape(tf.avgPool(out, 7, 2, 'valid'), [images.shape[0], this.featureDim]) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.mean.dispose();
    tf.dispose(this.owned);
  }
}

/** The TF.js engine, or ONNX Runtime (`engine: onnx`, `auto` below) with the graph written from the same tensors. */
export async function loadFaceApiAgeGender(options: BackboneLoadOptions): Promise<FaceApiAgeGenderBackbone | OnnxBackbone> {
  // `auto` = ONNX Runtime when it loads: faster at every batch size and thread count measured (2026-11-29, 2 shared
  // cores, batches 1/8/32: TF.js wasm 86-103 img/s, ONNX Runtime 465-610 on 1 thread; backbones/README.md).
  const engine = resolveFrozenEngine(options.engine ?? 'tfjs');
  const { tensors, digest } = await readTfjsWeights(options.weightsPath ?? packagedFaceApiModelFolder(), 'age_gender_model');
  const source = `${NAME} weights`;
  const convOf = (prefix: string, size: number, inChannels: number, outChannels: number): Conv => ({
    filters: takeTensor(tensors, `${prefix}/filters`, [size, size, inChannels, outChannels], source),
    bias: takeTensor(tensors, `${prefix}/bias`, [outChannels], source),
  });
  const separableOf = (prefix: string, inChannels: number, outChannels: number): SeparableConv => ({
    depthwise: takeTensor(tensors, `${prefix}/depthwise_filter`, [3, 3, inChannels, 1], source),
    pointwise: takeTensor(tensors, `${prefix}/pointwise_filter`, [1, 1, inChannels, outChannels], source),
    bias: takeTensor(tensors, `${prefix}/bias`, [outChannels], source),
  });
  const reductionOf = (prefix: string, inChannels: number, outChannels: number): ReductionBlock => ({
    separable0: separableOf(`${prefix}/separable_conv0`, inChannels, outChannels),
    separable1: separableOf(`${prefix}/separable_conv1`, outChannels, outChannels),
    expansion: convOf(`${prefix}/expansion_conv`, 1, inChannels, outChannels),
  });
  const params: Params = {
    convIn: convOf('entry_flow/conv_in', 3, 3, 32),
    reduction0: reductionOf('entry_flow/reduction_block_0', 32, 64),
    reduction1: reductionOf('entry_flow/reduction_block_1', 64, 128),
    mainBlocks: Array.from({ length: MAIN_BLOCKS }, (_, b) =>
      [0, 1, 2].map((c) => separableOf(`middle_flow/main_block_${b}/separable_conv${c}`, 128, 128)),
    ),
    exitReduction: reductionOf('exit_flow/reduction_block', 128, 256),
    exitSeparable: separableOf('exit_flow/separable_conv', 256, 512),
  };
  const identity = `${NAME}@${digest.slice(0, 16)}`;
  if (engine === 'tfjs') return new FaceApiAgeGenderBackbone(identity, params, Object.values(tensors));
  const spec = { name: NAME, featureDim: backboneInfo(NAME).featureDim, inputSize: INPUT_SIZE, weightsIdentity: identity };
  return onnxFromTfjsTensors(spec, tensors, () => faceApiAgeGenderOnnxModel(params, INPUT_SIZE, MEAN_RGB, identity), { threads: options.threads });
}

export const faceApiAgeGenderRegistration: BackboneRegistration = {
  ...backboneInfo(NAME),
  load: loadFaceApiAgeGender,
};
