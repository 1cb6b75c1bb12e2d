import type { BackboneInfo } from '@fer/contracts';
import * as tf from '@tensorflow/tfjs';

/** A frozen face model: RGB images in, one feature vector per image out. */
export interface Backbone {
  readonly name: string;
  readonly featureDim: number;
  /** Square side, in pixels, of the RGB images embed() expects. */
  readonly inputSize: number;
  /** Names the exact weights (name + content digest), so cached features never mix two models. */
  readonly identity: string;
  /** images: [B, inputSize, inputSize, 3] float32 RGB in 0..255 → [B, featureDim]; applies its own normalisation. */
  embed(images: tf.Tensor4D): tf.Tensor2D;
  /**
   * The same forward on a tensor that is already normalised ([B, S, S, 3], any statistics; resized to inputSize when
   * it differs), its own normalisation skipped: how the official CAFE code feeds CLIP the mask net's input.
   */
  embedNormalized?(pixels: tf.Tensor4D): tf.Tensor2D;
  /** The engine it runs on (`tfjs` when absent). */
  readonly engine?: 'tfjs' | 'onnx';
  /**
   * Engines outside TF.js (ONNX Runtime): `count` images as floats ([count, S, S, 3], RGB 0..255) → [count, featureDim].
   * Feature extraction prefers it to `embed` when present.
   */
  embedBatch?(pixels: Float32Array, count: number): Promise<Float32Array>;
  dispose(): void;
}

export interface BackboneLoadOptions {
  /** A weights file (clip-vit-b32: a .safetensors file) or folder (face-api models: overrides the packaged model folder). */
  weightsPath?: string;
  /**
   * Where the model runs (default `tfjs`): `onnx` (ONNX Runtime, an error when it does not load), or `auto` (ONNX
   * Runtime when it loads: measured faster than TF.js wasm for clip-vit-b32 and for each face-api model). On ONNX
   * Runtime a backbone is for feature extraction (`embedBatch`, images at exactly `inputSize`); `embed` needs `tfjs`.
   */
  engine?: 'auto' | 'onnx' | 'tfjs';
  /** ONNX Runtime's intra-op threads (default: the cores this process may use). */
  threads?: number;
}

export type { BackboneInfo };

export interface BackboneRegistration extends BackboneInfo {
  load(options: BackboneLoadOptions): Promise<Backbone>;
}

/** Checks a [B, H, W, 3] batch and resizes it (bilinear) to the backbone's square input side when it differs. Call inside tf.tidy. */
export function toInputSize(images: tf.Tensor4D, inputSize: number, name: string): tf.Tensor4D {
  const [, height, width, channels] = images.shape;
  if (images.shape.length !== 4 || channels !== 3) {
    throw new Error(`${name}: expected images of shape [B, ${inputSize}, ${inputSize}, 3] (RGB 0..255), got [${images.shape.join(', ')}]`);
  }
  const floats = images.dtype === 'float32' ? images : tf.cast(images, 'float32');
  return height === inputSize && width === inputSize ? floats : tf.image.resizeBilinear(floats, [inputSize, inputSize]);
}
