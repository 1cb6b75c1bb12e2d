import { backboneInfo } from '@fer/contracts';
import * as tf from '@tensorflow/tfjs';
import { toInputSize, type Backbone, type BackboneLoadOptions, type BackboneRegistration } from './backbone';
import { faceApiExpressionOnnxModel } from './onnx/face-api-expression.onnx';
import { onnxFromTfjsTensors, type OnnxBackbone, resolveFrozenEngine } from './onnx/frozen-engine';
import { packagedFaceApiModelFolder, readTfjsWeights, takeTensor } from './tfjs-weights.reader';

// The feature extractor of face-api's expression net (src/faceFeatureExtractor: four dense blocks of depthwise-separable
// convolutions, then a 7x7 average pool), re-implemented over its weights map. Features = the 256-d input of its 7-way FC.
const NAME = 'face-api-expression';
const INPUT_SIZE = backboneInfo(NAME).inputSize;
const MEAN_RGB = [122.782, 117.001, 104.298];

export interface SeparableConv {
  depthwise: tf.Tensor4D;
  pointwise: tf.Tensor4D;
  bias: tf.Tensor1D;
}

export interface DenseBlock {
  /** The first block opens with a plain 3x3 convolution, the others with a separable one. */
  conv0: SeparableConv | { filters: tf.Tensor4D; bias: tf.Tensor1D };
  conv1: SeparableConv;
  conv2: SeparableConv;
  conv3: SeparableConv;
}

function separable(x: tf.Tensor4D, conv: SeparableConv, stride: 1 | 2): tf.Tensor4D {
  return tf.add(tf.separableConv2d(x, conv.depthwise, conv.pointwise, stride, 'same'), conv.bias);
}

function denseBlock(x: tf.Tensor4D, block: DenseBlock): tf.Tensor4D {
  const first = 'filters' in block.conv0 ? tf.add(tf.conv2d(x, block.conv0.filters, 2, 'same'), block.conv0.bias) as tf.Tensor4D : separable(x, block.conv0, 2);
  const out1 = tf.relu(first);
  const out2 = separable(out1, block.conv1, 1);
  const out3 = separable(tf.relu(tf.add<tf.Tensor4D>(out1, out2)), block.conv2, 1);
  const out4 = separable(tf.relu(tf.add<tf.Tensor4D>(out1, tf.add(out2, out3))), block.conv3, 1);
  return tf.relu(tf.add<tf.Tensor4D>(out1, tf.add(out2, tf.add(out3, out4))));
}

export class FaceApiExpressionBackbone implements Backbone {
  readonly name = NAME;
  readonly featureDim = backboneInfo(NAME).featureDim;
  readonly inputSize = INPUT_SIZE;
  private readonly mean: tf.Tensor1D = tf.tensor1d(MEAN_RGB);

  constructor(
    readonly identity: string,
    private readonly blocks: DenseBlock[],
    private readonly owned: tf.Tensor[],
  ) {}

  embed(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let out = tf.div(tf.sub(toInputSize(images, this.inputSize, this.name), this.mean), 255) as tf.Tensor4D;
      for (const block of this.blocks) out = denseBlock(out, block);
      return tf.reshape(tf.avgPool(out, 7, 2, 'valid'), [images.shape[0], this.featureDim]) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.mean.dispose();
    tf.dispose(this.owned);
  }
}

/** The TF.js engine, or ONNX Runtime (`engine: onnx`, `auto` below) with the graph written from the same tensors. */
export async function loadFaceApiExpression(options: BackboneLoadOptions): Promise<FaceApiExpressionBackbone | OnnxBackbone> {
  // `auto` = ONNX Runtime when it loads: faster at every batch size and thread count measured (2026-11-29, 2 shared
  // cores, batches 1/8/32: TF.js wasm 132-157 img/s, ONNX Runtime 473-757 on 1 thread; backbones/README.md).
  const engine = resolveFrozenEngine(options.engine ?? 'tfjs');
  const { tensors, digest } = await readTfjsWeights(options.weightsPath ?? packagedFaceApiModelFolder(), 'face_expression_model');
  const source = `${NAME} weights`;
  const separableOf = (prefix: string, inChannels: number, outChannels: number): SeparableConv => ({
    depthwise: takeTensor(tensors, `${prefix}/depthwise_filter`, [3, 3, inChannels, 1], source),
    pointwise: takeTensor(tensors, `${prefix}/pointwise_filter`, [1, 1, inChannels, outChannels], source),
    bias: takeTensor(tensors, `${prefix}/bias`, [outChannels], source),
  });
  const blocks: DenseBlock[] = [];
  let channels = 3;
  [32, 64, 128, 256].forEach((width, index) => {
    const resolved = `dense${index}`;
    const conv0 =
      index === 0
        ? { filters: takeTensor<tf.Rank.R4>(tensors, `${resolved}/conv0/filters`, [3, 3, 3, width], source), bias: takeTensor<tf.Rank.R1>(tensors, `${resolved}/conv0/bias`, [width], source) }
        : separableOf(`${resolved}/conv0`, channels, width);
    blocks.push({ conv0, conv1: separableOf(`${resolved}/conv1`, width, width), conv2: separableOf(`${resolved}/conv2`, width, width), conv3: separableOf(`${resolved}/conv3`, width, width) });
    channels = width;
  });
  const identity = `${NAME}@${digest.slice(0, 16)}`;
  if (engine === 'tfjs') return new FaceApiExpressionBackbone(identity, blocks, Object.values(tensors));
  const spec = { name: NAME, featureDim: backboneInfo(NAME).featureDim, inputSize: INPUT_SIZE, weightsIdentity: identity };
  return onnxFromTfjsTensors(spec, tensors, () => faceApiExpressionOnnxModel(blocks, INPUT_SIZE, MEAN_RGB, identity), { threads: options.threads });
}

export const faceApiExpressionRegistration: BackboneRegistration = {
  ...backboneInfo(NAME),
  load: loadFaceApiExpression,
};
