import { backboneInfo } from '@fer/contracts';
import * as tf from '@tensorflow/tfjs';
import { toInputSize, type Backbone, type BackboneLoadOptions, type BackboneRegistration } from './backbone';
import { faceApiRecognitionOnnxModel } from './onnx/face-api-recognition.onnx';
import { onnxFromTfjsTensors, type OnnxBackbone, resolveFrozenEngine } from './onnx/frozen-engine';
import { packagedFaceApiModelFolder, readTfjsWeights, takeTensor } from './tfjs-weights.reader';

// The dlib ResNet-34 face descriptor as face-api runs it (src/faceRecognitionNet), re-implemented over its weights map.
const NAME = 'face-api-recognition';
const INPUT_SIZE = backboneInfo(NAME).inputSize;
const MEAN_RGB = [122.782, 117.001, 104.298];

export interface ConvLayer {
  filters: tf.Tensor4D;
  bias: tf.Tensor1D;
  scaleWeights: tf.Tensor1D;
  scaleBiases: tf.Tensor1D;
}

export interface ResidualLayer {
  conv1: ConvLayer;
  conv2: ConvLayer;
}

export const RESIDUAL_LAYERS: [string, number, boolean][] = [
  ['conv32_1', 32, false], ['conv32_2', 32, false], ['conv32_3', 32, false],
  ['conv64_down', 64, true], ['conv64_1', 64, false], ['conv64_2', 64, false], ['conv64_3', 64, false],
  ['conv128_down', 128, true], ['conv128_1', 128, false], ['conv128_2', 128, false],
  ['conv256_down', 256, true], ['conv256_1', 256, false], ['conv256_2', 256, false],
  ['conv256_down_out', 256, true],
];

function convLayer(x: tf.Tensor4D, layer: ConvLayer, stride: 1 | 2, relu: boolean, padding: 'same' | 'valid'): tf.Tensor4D {
  const out = tf.add(tf.mul(tf.add(tf.conv2d(x, layer.filters, stride, padding), layer.bias), layer.scaleWeights), layer.scaleBiases) as tf.Tensor4D;
  return relu ? tf.relu(out) : out;
}

function residual(x: tf.Tensor4D, layer: ResidualLayer): tf.Tensor4D {
  const out = convLayer(convLayer(x, layer.conv1, 1, true, 'same'), layer.conv2, 1, false, 'same');
  return tf.relu(tf.add<tf.Tensor4D>(out, x));
}

function residualDown(x: tf.Tensor4D, layer: ResidualLayer): tf.Tensor4D {
  let out = convLayer(convLayer(x, layer.conv1, 2, true, 'valid'), layer.conv2, 1, false, 'same');
  let pooled = tf.avgPool(x, 2, 2, 'valid');
  // Odd inputs: the strided 'valid' conv yields one row/column less than the 2x2 pool; face-api pads with zeros.
  if (pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2]) {
    out = tf.pad(out, [[0, 0], [0, pooled.shape[1] - out.shape[1]], [0, pooled.shape[2] - out.shape[2]], [0, 0]]);
  }
  // Channel doubling: the shortcut is zero-padded on the channel axis.
  if (pooled.shape[3] !== out.shape[3]) pooled = tf.pad(pooled, [[0, 0], [0, 0], [0, 0], [0, out.shape[3] - pooled.shape[3]]]);
  return tf.relu(tf.add<tf.Tensor4D>(pooled, out));
}

export class FaceApiRecognitionBackbone implements Backbone {
  readonly name = NAME;
  readonly featureDim = backboneInfo(NAME).featureDim;
  readonly inputSize = INPUT_SIZE;
  private readonly mean: tf.Tensor1D = tf.tensor1d(MEAN_RGB);

  constructor(
    readonly identity: string,
    private readonly stem: ConvLayer,
    private readonly layers: ResidualLayer[],
    private readonly fc: tf.Tensor2D,
    private readonly owned: tf.Tensor[],
  ) {}

  embed(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let out = tf.div(tf.sub(toInputSize(images, this.inputSize, this.name), this.mean), 255) as tf.Tensor4D;
      out = convLayer(out, this.stem, 2, true, 'valid');
      out = tf.maxPool(out, 3, 2, 'valid');
      RESIDUAL_LAYERS.forEach(([, , down], i) => {
        out = down ? residualDown(out, this.layers[i]) : residual(out, this.layers[i]);
      });
      return tf.matMul(tf.mean(out, [1, 2]) as tf.Tensor2D, this.fc);
    });
  }

  dispose(): void {
    this.mean.dispose();
    tf.dispose(this.owned);
  }
}

/** The TF.js engine, or ONNX Runtime (`engine: onnx`, `auto` below) with the graph written from the same tensors. */
export async function loadFaceApiRecognition(options: BackboneLoadOptions): Promise<FaceApiRecognitionBackbone | OnnxBackbone> {
  // `auto` = ONNX Runtime when it loads: faster at every batch size and thread count measured (2026-11-29, 2 shared
  // cores, batches 1/8/32: TF.js wasm 36-46 img/s, ONNX Runtime 216-239 on 1 thread; backbones/README.md).
  const engine = resolveFrozenEngine(options.engine ?? 'tfjs');
  const { tensors, digest } = await readTfjsWeights(options.weightsPath ?? packagedFaceApiModelFolder(), 'face_recognition_model');
  const source = `${NAME} weights`;
  const convLayerOf = (prefix: string, inChannels: number, outChannels: number, size: number): ConvLayer => ({
    filters: takeTensor(tensors, `${prefix}/conv/filters`, [size, size, inChannels, outChannels], source),
    bias: takeTensor(tensors, `${prefix}/conv/bias`, [outChannels], source),
    scaleWeights: takeTensor(tensors, `${prefix}/scale/weights`, [outChannels], source),
    scaleBiases: takeTensor(tensors, `${prefix}/scale/biases`, [outChannels], source),
  });
  const stem = convLayerOf('conv32_down', 3, 32, 7);
  let channels = 32;
  const layers = RESIDUAL_LAYERS.map(([prefix, outChannels]) => {
    const layer = { conv1: convLayerOf(`${prefix}/conv1`, channels, outChannels, 3), conv2: convLayerOf(`${prefix}/conv2`, outChannels, outChannels, 3) };
    channels = outChannels;
    return layer;
  });
  const fc = takeTensor<tf.Rank.R2>(tensors, 'fc', [256, 128], source);
  const identity = `${NAME}@${digest.slice(0, 16)}`;
  if (engine === 'tfjs') return new FaceApiRecognitionBackbone(identity, stem, layers, fc, Object.values(tensors));
  const spec = { name: NAME, featureDim: backboneInfo(NAME).featureDim, inputSize: INPUT_SIZE, weightsIdentity: identity };
  const named = layers.map((layer, i) => ({ ...layer, name: RESIDUAL_LAYERS[i][0], down: RESIDUAL_LAYERS[i][2] }));
  return onnxFromTfjsTensors(spec, tensors, () => faceApiRecognitionOnnxModel({ stem, layers: named, fc }, INPUT_SIZE, MEAN_RGB, identity), { threads: options.threads });
}

export const faceApiRecognitionRegistration: BackboneRegistration = {
  ...backboneInfo(NAME),
  load: loadFaceApiRecognition,
};
