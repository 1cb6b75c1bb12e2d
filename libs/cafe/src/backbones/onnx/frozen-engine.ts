import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import type { Backbone } from '../backbone';

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

/** What an ONNX backbone is made of: the model's name and shape, its weights' identity and the graph written from them. */
export interface OnnxBackboneSpec {
  name: string;
  featureDim: number;
  /** The square side the graph takes: `pixels` is [B, inputSize, inputSize, 3]. */
  inputSize: number;
  /** The identity the TF.js engine gives the same weights (name@digest); the ONNX backbone's adds `-onnx`. */
  weightsIdentity: string;
  /** The serialized graph: `pixels` [B, S, S, 3] float32 RGB 0..255 (NHWC) → `features` [B, featureDim]. */
  model: Uint8Array;
}

/**
 * A frozen backbone on ONNX Runtime, any model: the graph is written from the user's weights in memory (nothing is
 * exported or downloaded; `clipVitOnnxModel`, `faceApi*OnnxModel`), one session per backbone. `embedBatch` is what the
 * feature cache runs; the in-graph paths that need TF.js tensors (`augment.frozenPath: shared`) load the TF.js engine.
 */
export class OnnxBackbone implements Backbone {
  readonly name: string;
  readonly engine: FrozenEngine = 'onnx';
  readonly featureDim: number;
  readonly inputSize: number;
  /** The weights' identity with the engine: features from two engines differ in the last bits, so they cache apart. */
  readonly identity: string;

  private constructor(
    spec: OnnxBackboneSpec,
    private readonly session: import('onnxruntime-node').InferenceSession,
    private readonly runtime: OrtModule,
    readonly threads: number,
    readonly providers: string[],
    /** Why the CUDA execution provider was not used when this runtime lists it; null when it was, or not listed. */
    readonly cudaUnavailable: string | null,
  ) {
    this.name = spec.name;
    this.featureDim = spec.featureDim;
    this.inputSize = spec.inputSize;
    this.identity = `${spec.weightsIdentity}-onnx`;
  }

  static async create(spec: OnnxBackboneSpec, options: OnnxEngineOptions = {}): Promise<OnnxBackbone> {
    const runtime = loadOnnxRuntime();
    if (!runtime) throw new Error(`onnxruntime-node does not load: ${onnxRuntimeUnavailable()}`);
    const threads = options.threads ?? Math.max(1, os.availableParallelism());
    const open = (providers: string[]) =>
      runtime.InferenceSession.create(spec.model, { executionProviders: providers, intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    const backbone = async (providers: string[], cudaUnavailable: string | null) =>
      new OnnxBackbone(spec, await open(providers), runtime, threads, providers, cudaUnavailable);
    if (options.providers) return backbone(options.providers, null);
    // CUDA first when this onnxruntime-node lists it; its libraries are a separate download (the install step that
    // `.npmrc` skips), so a host without them runs on CPU and says why (`cudaUnavailable`), never silently.
    const cuda = runtime.listSupportedBackends().find((b) => b.name === 'cuda');
    if (cuda && !cudaLibraryInstalled()) return backbone(['cpu'], 'its CUDA libraries are not installed (npm ci skips that download; see README "Frozen face models")');
    if (cuda) {
      try {
        return await backbone(['cuda', 'cpu'], null);
      } catch (error) {
        return backbone(['cpu'], String((error as Error).message).split('\n')[0]);
      }
    }
    return backbone(['cpu'], 'this onnxruntime-node has no CUDA provider');
  }

  /** One line for a run's log and a selftest: engine, execution providers, threads. */
  describe(): string {
    const version = this.runtime.env.versions?.common ?? '';
    return `onnx (onnxruntime-node ${version}, ${this.providers.join(' > ')}, ${this.threads} thread${this.threads > 1 ? 's' : ''}${this.cudaUnavailable ? `; CUDA not used: ${this.cudaUnavailable}` : ''})`;
  }

  /** `count` images, [count, S, S, 3] RGB 0..255 → [count, featureDim]. */
  async embedBatch(pixels: Float32Array, count: number): Promise<Float32Array> {
    const size = this.inputSize;
    if (pixels.length !== count * size * size * 3) {
      throw new Error(`${this.name} on the onnx engine: expected ${count} images of ${size}x${size}x3 (its graph takes exactly its input size), got ${pixels.length} values`);
    }
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

/**
 * A model whose weights come as TF.js tensors (the face-api nets) on ONNX Runtime: its graph is written from the
 * tensors the TF.js engine would run, which are freed once the session holds its own copy.
 */
export async function onnxFromTfjsTensors(
  spec: Omit<OnnxBackboneSpec, 'model'>,
  tensors: tf.NamedTensorMap,
  writeGraph: () => Uint8Array,
  options: OnnxEngineOptions = {},
): Promise<OnnxBackbone> {
  try {
    return await OnnxBackbone.create({ ...spec, model: writeGraph() }, options);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** The engine line a run records: `onnx (onnxruntime-node 1.30.0, cpu, 2 threads)` or `tfjs (wasm)`. */
export function describeFrozenEngine(backbone: Backbone): string {
  if (backbone instanceof OnnxBackbone) return backbone.describe();
  try {
    return `tfjs (${tf.getBackend()})`;
  } catch {
    return 'tfjs (backend not initialised yet)';
  }
}
