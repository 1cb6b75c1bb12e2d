import { dirname, join } from 'node:path';
import sharp from 'sharp';

export type FaceDetectorModel = 'ssd-mobilenet' | 'tiny';

export interface FaceDetectorOptions {
  /** SSD-MobileNetV1 (default; more accurate) or the tiny face detector (about 4x faster). */
  model?: FaceDetectorModel;
  /** Minimum detection score, default 0.5. */
  minConfidence?: number;
  /** TF.js backend to switch to; default: whatever the process already runs, else the best one registered. */
  backend?: string;
}

export interface DetectedFace {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

export interface FaceDetector {
  model: FaceDetectorModel;
  backend: string;
  /** All faces in an RGB image, largest first. */
  detect(image: { data: Uint8Array; width: number; height: number }): Promise<DetectedFace[]>;
  detectInFile(path: string): Promise<{ faces: DetectedFace[]; width: number; height: number }>;
}

// Only the few face-api members used here; its own typings pull in a bundled tfjs we do not use.
interface FaceApiDetection {
  score: number;
  box: { x: number; y: number; width: number; height: number };
}
interface FaceApi {
  nets: Record<'ssdMobilenetv1' | 'tinyFaceDetector', { loadFromDisk(path: string): Promise<void>; isLoaded: boolean }>;
  SsdMobilenetv1Options: new (options: { minConfidence: number; maxResults?: number }) => unknown;
  TinyFaceDetectorOptions: new (options: { inputSize: number; scoreThreshold: number }) => unknown;
  detectAllFaces(input: unknown, options: unknown): Promise<FaceApiDetection[]>;
}
interface Tfjs {
  ready(): Promise<void>;
  getBackend(): string;
  setBackend(name: string): Promise<boolean>;
  tensor3d(data: Uint8Array | Int32Array, shape: [number, number, number], dtype: 'int32'): { dispose(): void };
}

/** The detector weights that ship inside the `@vladmandic/face-api` package: nothing is downloaded. */
export function faceApiModelFolder(): string {
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

/**
 * Loads a face detector from `@vladmandic/face-api`'s bundled weights on the process's own `@tensorflow/tfjs`
 * instance (its `node-wasm` build takes tfjs from the caller instead of bundling a second copy).
 */
export async function createFaceDetector(options: FaceDetectorOptions = {}): Promise<FaceDetector> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const tf = require('@tensorflow/tfjs') as Tfjs;
  require('@tensorflow/tfjs-backend-wasm');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (options.backend) {
    if (!(await tf.setBackend(options.backend))) throw new Error(`TF.js backend "${options.backend}" is not available`);
  }
  await tf.ready();
  const model = options.model ?? 'ssd-mobilenet';
  const minConfidence = options.minConfidence ?? 0.5;
  const net = model === 'tiny' ? faceapi.nets.tinyFaceDetector : faceapi.nets.ssdMobilenetv1;
  if (!net.isLoaded) await net.loadFromDisk(faceApiModelFolder());
  const detectorOptions =
    model === 'tiny'
      ? new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: minConfidence })
      : new faceapi.SsdMobilenetv1Options({ minConfidence, maxResults: 20 });

  const detect: FaceDetector['detect'] = async ({ data, width, height }) => {
    const input = tf.tensor3d(data, [height, width, 3], 'int32');
    try {
      const found = await faceapi.detectAllFaces(input, detectorOptions);
      return found
        .map(({ box, score }) => ({ x: box.x, y: box.y, width: box.width, height: box.height, score }))
        .sort((a, b) => b.width * b.height - a.width * a.height);
    } finally {
      input.dispose();
    }
  };
  return {
    model,
    backend: tf.getBackend(),
    detect,
    async detectInFile(path) {
      const { data, info } = await sharp(path, { failOn: 'warning' })
        .rotate()
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      const faces = await detect({
        data: new Uint8Array(data.buffer, data.byteOffset, data.length),
        width: info.width,
        height: info.height,
      });
      return { faces, width: info.width, height: info.height };
    },
  };
}
