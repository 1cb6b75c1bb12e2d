import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import type { Backbone } from '../backbone';
import type { ClipVitWeights } from '../clip-vit.backbone';
import { clipVitOnnxModel } from './clip-vit.onnx';

/** The engines frozen backbones can run on; `auto` = ONNX Runtime when it loads, else TF.js. */
export const FROZEN_ENGINES = ['auto', 'onnx', 'tfjs'] as const;
export type FrozenEngineChoice = (typeof FROZEN_ENGINES)[number];
export type FrozenEngine = Exclude<FrozenEngineChoice, 'auto'>;

type OrtModule = typeof import('onnxruntime-node');
let ort: OrtModule | null | undefined;
let ortError = '';

/** onnxruntime-node, an optional dependency: null (with the reason in `onnxRuntimeUnavailable()`) when it does not load. */
export function loadOnnxRuntime(): OrtModule | null {
  if (ort === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional dependency, loaded only when asked for
      ort = require('onnxruntime-node') as OrtModule;
    } catch (error) {
      ort = null;
      ortError = String((error as Error).message).split('\n')[0];
    }
  }
  return ort;
}

/** Whether onnxruntime-node's CUDA provider library sits beside its binding (the install step downloads it). */
function cudaLibraryInstalled(): boolean {
  try {
    const binding = join(dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(join(binding, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

export function onnxRuntimeUnavailable(): string {
  loadOnnxRuntime();
  return ortError;
}

/** The engine a choice resolves to here; `onnx` asked for and not loadable is an error that says why. */
export function resolveFrozenEngine(choice: FrozenEngineChoice): FrozenEngine {
  if (choice === 'tfjs') return 'tfjs';
  if (loadOnnxRuntime()) return 'onnx';
  if (choice === 'onnx') {
    throw new Error(
      `FER_FROZEN_ENGINE=onnx, but onnxruntime-node does not load (${onnxRuntimeUnavailable()}): install it (npm ci installs it as an optional dependency), or use FER_FROZEN_ENGINE=tfjs`,
    );
  }
  return 'tfjs';
}

export interface OnnxEngineOptions {
  /** Intra-op threads (default: the cores this process may use). */
  threads?: number;
  /** Execution providers in order of preference (default: CUDA when this onnxruntime-node has it, then CPU). */
  providers?: string[];
}

/**
 * A frozen backbone on ONNX Runtime: the model graph is written from the user's weights file in memory (nothing is
 * exported or downloaded), one session per backbone. `embedBatch` is what the feature cache runs; the in-graph paths
 * that need TF.js tensors (`augment.frozenPath: shared`) load the TF.js engine instead.
 */
export class OnnxClipVitBackbone implements Backbone {
  readonly name = 'clip-vit-b32';
  readonly engine: FrozenEngine = 'onnx';
  readonly featureDim: number;
  readonly inputSize: number;
  /** The weights' identity with the engine: features from two engines differ in the last bits, so they cache apart. */
  readonly identity: string;

  private constructor(
    weights: ClipVitWeights,
    private readonly session: import('onnxruntime-node').InferenceSession,
    private readonly runtime: OrtModule,
    readonly threads: number,
    readonly providers: string[],
    /** Why the CUDA execution provider was not used when this runtime lists it; null when it was, or not listed. */
    readonly cudaUnavailable: string | null,
  ) {
    this.featureDim = weights.hyperparameters.projectionDim;
    this.inputSize = weights.hyperparameters.imageSize;
    this.identity = `${weights.identity}-onnx`;
  }

  static async create(weights: ClipVitWeights, options: OnnxEngineOptions = {}): Promise<OnnxClipVitBackbone> {
    const runtime = loadOnnxRuntime();
    if (!runtime) throw new Error(`onnxruntime-node does not load: ${onnxRuntimeUnavailable()}`);
    const threads = options.threads ?? Math.max(1, os.availableParallelism());
    const model = clipVitOnnxModel(weights);
    const open = (providers: string[]) =>
      runtime.InferenceSession.create(model, { executionProviders: providers, intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    if (options.providers) return new OnnxClipVitBackbone(weights, await open(options.providers), runtime, threads, options.providers, null);
    // CUDA first when this onnxruntime-node lists it; its libraries are a separate download (the install step that
    // `.npmrc` skips), so a host without them runs on CPU and says why (`cudaUnavailable`), never silently.
    const cuda = runtime.listSupportedBackends().find((b) => b.name === 'cuda');
    if (cuda && !cudaLibraryInstalled()) {
      return new OnnxClipVitBackbone(weights, await open(['cpu']), runtime, threads, ['cpu'], 'its CUDA libraries are not installed (npm ci skips that download; see README "Frozen face models")');
    }
    if (cuda) {
      try {
        return new OnnxClipVitBackbone(weights, await open(['cuda', 'cpu']), runtime, threads, ['cuda', 'cpu'], null);
      } catch (error) {
        const reason = String((error as Error).message).split('\n')[0];
        return new OnnxClipVitBackbone(weights, await open(['cpu']), runtime, threads, ['cpu'], reason);
      }
    }
    return new OnnxClipVitBackbone(weights, await open(['cpu']), runtime, threads, ['cpu'], 'this onnxruntime-node has no CUDA provider');
  }

  /** One line for a run's log and a selftest: engine, execution providers, threads. */
  describe(): string {
    const version = this.runtime.env.versions?.common ?? '';
    return `onnx (onnxruntime-node ${version}, ${this.providers.join(' > ')}, ${this.threads} thread${this.threads > 1 ? 's' : ''}${this.cudaUnavailable ? `; CUDA not used: ${this.cudaUnavailable}` : ''})`;
  }

  /** `count` images, [count, S, S, 3] RGB 0..255 → [count, featureDim]. */
  async embedBatch(pixels: Float32Array, count: number): Promise<Float32Array> {
    const size = this.inputSize;
    if (pixels.length !== count * size * size * 3) throw new Error(`${this.name}: expected ${count} images of ${size}x${size}x3, got ${pixels.length} values`);
    const input = new this.runtime.Tensor('float32', pixels, [count, size, size, 3]);
    const { features } = await this.session.run({ pixels: input });
    return features.data as Float32Array;
  }

  embed(): tf.Tensor2D {
    throw new Error(`${this.name} on the onnx engine runs through embedBatch (feature extraction); in-graph use needs the tfjs engine`);
  }

  dispose(): void {
    void this.session.release();
  }
}

/** The engine line a run records: `onnx (onnxruntime-node 1.30.0, cpu, 2 threads)` or `tfjs (wasm)`. */
export function describeFrozenEngine(backbone: Backbone): string {
  if (backbone instanceof OnnxClipVitBackbone) return backbone.describe();
  try {
    return `tfjs (${tf.getBackend()})`;
  } catch {
    return 'tfjs (backend not initialised yet)';
  }
}
