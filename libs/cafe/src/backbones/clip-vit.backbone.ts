import { backboneInfo } from '@fer/contracts';
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { toInputSize, type Backbone, type BackboneLoadOptions, type BackboneRegistration } from './backbone';
import { SafetensorsFile, SafetensorsFormatError } from '@fer/weights';
import { clipVitOnnxModel } from './onnx/clip-vit.onnx';
import { OnnxBackbone, resolveFrozenEngine, type OnnxEngineOptions } from './onnx/frozen-engine';

// The CLIP ViT image tower (Radford et al. 2021) over Hugging Face `CLIPModel` / `CLIPVisionModelWithProjection` parameter names.
const NAME = 'clip-vit-b32';
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
const LAYER_NORM_EPS = 1e-5;
const PREFIX = 'vision_model.';

export interface ClipVitHyperparameters {
  width: number;
  layers: number;
  heads: number;
  patchSize: number;
  imageSize: number;
  projectionDim: number;
}

interface LayerNorm {
  weight: tf.Tensor1D;
  bias: tf.Tensor1D;
}

interface Linear {
  /** [in, out]: the transpose of the PyTorch [out, in] weight. */
  weight: tf.Tensor2D;
  bias?: tf.Tensor1D;
}

interface EncoderLayer {
  layerNorm1: LayerNorm;
  query: Linear;
  key: Linear;
  value: Linear;
  output: Linear;
  layerNorm2: LayerNorm;
  fc1: Linear;
  fc2: Linear;
}

interface ClipVitParams {
  patchFilter: tf.Tensor4D;
  classEmbedding: tf.Tensor1D;
  positionEmbedding: tf.Tensor2D;
  preLayerNorm: LayerNorm;
  layers: EncoderLayer[];
  postLayerNorm: LayerNorm;
  projection: Linear;
}

function layerNorm(x: tf.Tensor, norm: LayerNorm): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPS))), norm.weight), norm.bias);
}

function linear(x: tf.Tensor2D, layer: Linear): tf.Tensor2D {
  const out = tf.matMul(x, layer.weight) as tf.Tensor2D;
  return layer.bias ? tf.add<tf.Tensor2D>(out, layer.bias) : out;
}

export class ClipVitBackbone implements Backbone {
  readonly name = NAME;
  readonly engine = 'tfjs' as const;
  readonly featureDim: number;
  readonly inputSize: number;
  private readonly mean = tf.tensor1d(CLIP_MEAN.map((m) => m * 255));
  private readonly std = tf.tensor1d(CLIP_STD.map((s) => s * 255));

  constructor(
    readonly identity: string,
    readonly hyperparameters: ClipVitHyperparameters,
    private readonly params: ClipVitParams,
  ) {
    this.featureDim = hyperparameters.projectionDim;
    this.inputSize = hyperparameters.imageSize;
  }

  embed(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() =>
      this.embedNormalized(tf.div(tf.sub(toInputSize(images, this.hyperparameters.imageSize, this.name), this.mean), this.std) as tf.Tensor4D),
    );
  }

  embedNormalized(normalized: tf.Tensor4D): tf.Tensor2D {
    const { width, heads, patchSize, imageSize } = this.hyperparameters;
    const p = this.params;
    const batch = normalized.shape[0];
    const grid = imageSize / patchSize;
    const tokens = grid * grid + 1;
    const headDim = width / heads;
    return tf.tidy(() => {
      const pixels = toInputSize(normalized, imageSize, this.name);
      const patches = tf.reshape(tf.conv2d(pixels, p.patchFilter, patchSize, 'valid'), [batch, grid * grid, width]);
      const cls = tf.broadcastTo(tf.reshape(p.classEmbedding, [1, 1, width]), [batch, 1, width]);
      let hidden = layerNorm(tf.add(tf.concat([cls, patches], 1), p.positionEmbedding), p.preLayerNorm);
      for (const layer of p.layers) {
        const normed = tf.reshape(layerNorm(hidden, layer.layerNorm1), [batch * tokens, width]) as tf.Tensor2D;
        const split = (x: tf.Tensor2D) => tf.transpose(tf.reshape(x, [batch, tokens, heads, headDim]), [0, 2, 1, 3]);
        const query = split(tf.mul(linear(normed, layer.query), 1 / Math.sqrt(headDim)));
        const attention = tf.softmax(tf.matMul(query, split(linear(normed, layer.key)), false, true));
        const context = tf.reshape(tf.transpose(tf.matMul(attention, split(linear(normed, layer.value))), [0, 2, 1, 3]), [batch * tokens, width]) as tf.Tensor2D;
        hidden = tf.add(hidden, tf.reshape(linear(context, layer.output), [batch, tokens, width]));
        const mlpIn = tf.reshape(layerNorm(hidden, layer.layerNorm2), [batch * tokens, width]) as tf.Tensor2D;
        const up = linear(mlpIn, layer.fc1);
        const quickGelu = tf.mul(up, tf.sigmoid(tf.mul(up, 1.702))) as tf.Tensor2D;
        hidden = tf.add(hidden, tf.reshape(linear(quickGelu, layer.fc2), [batch, tokens, width]));
      }
      const pooled = layerNorm(tf.reshape(tf.slice(hidden, [0, 0, 0], [batch, 1, width]), [batch, width]), p.postLayerNorm) as tf.Tensor2D;
      return linear(pooled, p.projection);
    });
  }

  dispose(): void {
    tf.dispose([this.mean, this.std]);
    const p = this.params;
    const linears = (l: Linear) => [l.weight, ...(l.bias ? [l.bias] : [])];
    const norms = (n: LayerNorm) => [n.weight, n.bias];
    tf.dispose([
      p.patchFilter, p.classEmbedding, p.positionEmbedding, ...norms(p.preLayerNorm), ...norms(p.postLayerNorm), ...linears(p.projection),
      ...p.layers.flatMap((l) => [
        ...norms(l.layerNorm1), ...norms(l.layerNorm2), ...linears(l.query), ...linears(l.key), ...linears(l.value), ...linears(l.output), ...linears(l.fc1), ...linears(l.fc2),
      ]),
    ]);
  }
}

/** Attention heads cannot be read off tensor shapes: the file's metadata, then a Hugging Face config.json beside it, then width / 64 (CLIP's head size). */
async function resolveHeads(file: SafetensorsFile, width: number): Promise<number> {
  const fromMetadata = Number(file.metadata['num_attention_heads'] ?? file.metadata['vision_num_attention_heads']);
  if (Number.isInteger(fromMetadata) && fromMetadata > 0) return fromMetadata;
  try {
    const config = JSON.parse(await readFile(join(dirname(file.path), 'config.json'), 'utf8')) as {
      num_attention_heads?: number;
      vision_config?: { num_attention_heads?: number };
    };
    const heads = config.vision_config?.num_attention_heads ?? config.num_attention_heads;
    if (Number.isInteger(heads) && heads! > 0) return heads!;
  } catch {
    // no config.json: fall through to CLIP's convention
  }
  return Math.max(1, Math.round(width / 64));
}

/** A linear layer as stored by PyTorch: weight [out, in], optional bias [out]. */
export interface RawLinear {
  weight: Float32Array;
  bias?: Float32Array;
  inDim: number;
  outDim: number;
}

export interface RawLayerNorm {
  weight: Float32Array;
  bias: Float32Array;
}

/** The CLIP vision tower's weights as read from the file, in PyTorch layouts, for any engine to build its model from. */
export interface ClipVitWeights {
  path: string;
  /** name@digest of the header and every tensor read: the same weights give the same identity on every engine. */
  identity: string;
  hyperparameters: ClipVitHyperparameters;
  /** [width, 3, patch, patch] (OIHW). */
  patchWeight: Float32Array;
  classEmbedding: Float32Array;
  /** [positions, width]. */
  positionEmbedding: Float32Array;
  preLayerNorm: RawLayerNorm;
  postLayerNorm: RawLayerNorm;
  projection: RawLinear;
  layers: { layerNorm1: RawLayerNorm; query: RawLinear; key: RawLinear; value: RawLinear; output: RawLinear; layerNorm2: RawLayerNorm; fc1: RawLinear; fc2: RawLinear }[];
}

/** Reads and checks a Hugging Face CLIP vision tower from a .safetensors file (names, shapes, heads). */
export async function readClipVitWeights(weightsPath: string | undefined): Promise<ClipVitWeights> {
  if (!weightsPath) {
    throw new Error(
      `${NAME} needs a local weights file: pass weightsPath pointing at the Hugging Face openai/clip-vit-base-patch32 model.safetensors ` +
        `(nothing is downloaded at run time)`,
    );
  }
  const file = await SafetensorsFile.open(weightsPath);
  try {
    const digest = createHash('sha256').update(file.headerBytes);
    const shapeOf = (name: string): number[] => {
      const entry = file.entries.get(name);
      if (!entry) throw new SafetensorsFormatError(`${file.path}: missing tensor '${name}' (expected Hugging Face CLIP vision parameter names)`);
      return entry.shape;
    };
    // The digest covers the tensors in this order (the feature cache's key): keep it when changing this reader.
    const read = async (name: string, shape: number[]): Promise<Float32Array> => {
      const actual = shapeOf(name);
      if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
        throw new SafetensorsFormatError(`${file.path}: tensor '${name}' has shape [${actual.join(', ')}], expected [${shape.join(', ')}]`);
      }
      const data = await file.readFloat32(name);
      digest.update(name).update(data.raw);
      return data.values;
    };

    const patchShape = shapeOf(`${PREFIX}embeddings.patch_embedding.weight`);
    if (patchShape.length !== 4 || patchShape[1] !== 3 || patchShape[2] !== patchShape[3]) {
      throw new SafetensorsFormatError(`${file.path}: tensor '${PREFIX}embeddings.patch_embedding.weight' has shape [${patchShape.join(', ')}], expected [width, 3, patch, patch]`);
    }
    const [width, , patchSize] = patchShape;
    const positions = shapeOf(`${PREFIX}embeddings.position_embedding.weight`)[0];
    const grid = Math.round(Math.sqrt(positions - 1));
    if (grid * grid + 1 !== positions) {
      throw new SafetensorsFormatError(`${file.path}: tensor '${PREFIX}embeddings.position_embedding.weight' has ${positions} rows, expected grid² + 1`);
    }
    const layerIndices = new Set<number>();
    for (const name of file.entries.keys()) {
      const match = /^vision_model\.encoder\.layers\.(\d+)\./.exec(name);
      if (match) layerIndices.add(Number(match[1]));
    }
    const layerCount = layerIndices.size;
    if (layerCount === 0) throw new SafetensorsFormatError(`${file.path}: no tensors named '${PREFIX}encoder.layers.N.*'`);
    const projectionDim = shapeOf('visual_projection.weight')[0];
    const heads = await resolveHeads(file, width);
    if (width % heads !== 0) throw new Error(`${file.path}: width ${width} is not divisible by ${heads} attention heads`);
    const hyperparameters: ClipVitHyperparameters = { width, layers: layerCount, heads, patchSize, imageSize: grid * patchSize, projectionDim };

    const layerNormOf = async (prefix: string): Promise<RawLayerNorm> => ({ weight: await read(`${prefix}.weight`, [width]), bias: await read(`${prefix}.bias`, [width]) });
    const linearOf = async (prefix: string, inDim: number, outDim: number, withBias = true): Promise<RawLinear> => ({
      weight: await read(`${prefix}.weight`, [outDim, inDim]),
      bias: withBias ? await read(`${prefix}.bias`, [outDim]) : undefined,
      inDim,
      outDim,
    });
    const patchWeight = await read(`${PREFIX}embeddings.patch_embedding.weight`, [width, 3, patchSize, patchSize]);
    const classEmbedding = await read(`${PREFIX}embeddings.class_embedding`, [width]);
    const positionEmbedding = await read(`${PREFIX}embeddings.position_embedding.weight`, [positions, width]);
    const preLayerNorm = await layerNormOf(`${PREFIX}pre_layrnorm`);
    const postLayerNorm = await layerNormOf(`${PREFIX}post_layernorm`);
    const projection = await linearOf('visual_projection', width, projectionDim, false);
    const layers: ClipVitWeights['layers'] = [];
    for (let index = 0; index < layerCount; index++) {
      const prefix = `${PREFIX}encoder.layers.${index}`;
      const hiddenDim = shapeOf(`${prefix}.mlp.fc1.weight`)[0];
      layers.push({
        layerNorm1: await layerNormOf(`${prefix}.layer_norm1`),
        query: await linearOf(`${prefix}.self_attn.q_proj`, width, width),
        key: await linearOf(`${prefix}.self_attn.k_proj`, width, width),
        value: await linearOf(`${prefix}.self_attn.v_proj`, width, width),
        output: await linearOf(`${prefix}.self_attn.out_proj`, width, width),
        layerNorm2: await layerNormOf(`${prefix}.layer_norm2`),
        fc1: await linearOf(`${prefix}.mlp.fc1`, width, hiddenDim),
        fc2: await linearOf(`${prefix}.mlp.fc2`, hiddenDim, width),
      });
    }
    return {
      path: file.path,
      identity: `${NAME}@${digest.digest('hex').slice(0, 16)}`,
      hyperparameters,
      patchWeight,
      classEmbedding,
      positionEmbedding,
      preLayerNorm,
      postLayerNorm,
      projection,
      layers,
    };
  } finally {
    await file.close();
  }
}

/** The TF.js engine: the tower as TF.js tensors (weights transposed to [in, out], the patch filter to HWIO). */
export async function loadClipVit(options: BackboneLoadOptions): Promise<ClipVitBackbone> {
  return clipVitOnTfjs(await readClipVitWeights(options.weightsPath));
}

export function clipVitOnTfjs(weights: ClipVitWeights): ClipVitBackbone {
  const { width, patchSize } = weights.hyperparameters;
  const owned: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    owned.push(t);
    return t;
  };
  try {
    const layerNorm = (n: RawLayerNorm): LayerNorm => ({ weight: keep(tf.tensor1d(n.weight)), bias: keep(tf.tensor1d(n.bias)) });
    const linear = (l: RawLinear): Linear => ({
      weight: keep(tf.tidy(() => tf.transpose(tf.tensor2d(l.weight, [l.outDim, l.inDim])))),
      bias: l.bias ? keep(tf.tensor1d(l.bias)) : undefined,
    });
    const positions = weights.positionEmbedding.length / width;
    const params: ClipVitParams = {
      // PyTorch OIHW → TF.js HWIO
      patchFilter: keep(tf.tidy(() => tf.transpose(tf.tensor4d(weights.patchWeight, [width, 3, patchSize, patchSize]), [2, 3, 1, 0]))),
      classEmbedding: keep(tf.tensor1d(weights.classEmbedding)),
      positionEmbedding: keep(tf.tensor2d(weights.positionEmbedding, [positions, width])),
      preLayerNorm: layerNorm(weights.preLayerNorm),
      layers: weights.layers.map((l) => ({
        layerNorm1: layerNorm(l.layerNorm1),
        query: linear(l.query),
        key: linear(l.key),
        value: linear(l.value),
        output: linear(l.output),
        layerNorm2: layerNorm(l.layerNorm2),
        fc1: linear(l.fc1),
        fc2: linear(l.fc2),
      })),
      postLayerNorm: layerNorm(weights.postLayerNorm),
      projection: linear(weights.projection),
    };
    return new ClipVitBackbone(weights.identity, weights.hyperparameters, params);
  } catch (error) {
    tf.dispose(owned);
    throw error;
  }
}

/** The ONNX Runtime engine: the tower as an ONNX graph written from the same weights (`clipVitOnnxModel`). */
export function clipVitOnOnnx(weights: ClipVitWeights, options: OnnxEngineOptions = {}): Promise<OnnxBackbone> {
  const { projectionDim, imageSize } = weights.hyperparameters;
  const spec = { name: NAME, featureDim: projectionDim, inputSize: imageSize, weightsIdentity: weights.identity, model: clipVitOnnxModel(weights) };
  return OnnxBackbone.create(spec, options);
}

export const clipVitB32Registration: BackboneRegistration = {
  ...backboneInfo(NAME),
  async load(options) {
    const engine = resolveFrozenEngine(options.engine ?? 'tfjs');
    const weights = await readClipVitWeights(options.weightsPath);
    return engine === 'onnx' ? clipVitOnOnnx(weights, { threads: options.threads }) : clipVitOnTfjs(weights);
  },
};
