import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendSelection {
  backend: BackendName;
  /** Human-readable device for run records, e.g. "GPU (tfjs-node-gpu)" or "CPU (wasm, SIMD)". */
  device: string;
}

export interface SelectBackendOptions {
  /**
   * Conv training (image-space mask nets). TF.js' wasm backend lacks Conv2DBackpropFilter, but our conv2d op
   * (conv2d.op.ts) computes filter gradients with forward convolutions, so wasm stays allowed and is ~10x faster
   * than cpu here; only TF.js' own tf.conv2d gradient would fail on wasm.
   */
  needsConvGradients?: boolean;
  /** Force one backend (e.g. from the caller's env, FER_TFJS_BACKEND); 'auto' or empty = best available. */
  override?: string;
}

/** Native TF bindings register the `tensorflow` backend when required; they are optional and often absent. */
function tryLoadTensorflow(): string | null {
  for (const [moduleName, device] of [
    ['@tensorflow/tfjs-node-gpu', 'GPU (tfjs-node-gpu)'],
    ['@tensorflow/tfjs-node', 'CPU (tfjs-node, libtensorflow)'],
  ] as const) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional native backends load only if installed
      require(moduleName);
      if (tf.findBackend('tensorflow')) return device;
    } catch {
      // not installed or libtensorflow missing: try the next one
    }
  }
  return null;
}

/**
 * Picks and activates the TF.js backend: tensorflow (native) → wasm → cpu. The MLP training step is about 4x
 * faster on wasm than on cpu here (2 cores, measured), so wasm is the default; so is it for conv training
 * (ResNet-18 step of 32 images at 32 px: wasm about 1 s, cpu 12 s) thanks to conv2d.op.ts and batch-norm.op.ts.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const override = options.override?.trim().toLowerCase();
  if (override && override !== 'auto') {
    if (!(BACKEND_NAMES as readonly string[]).includes(override)) {
      throw new Error(`unknown TF.js backend "${options.override}": use one of ${BACKEND_NAMES.join(', ')} or auto`);
    }
    const selection = await activate(override as BackendName);
    if (!selection) throw new Error(`TF.js backend "${override}" is not available on this machine`);
    return selection;
  }
  // Same order for both job kinds since conv2d.op.ts; kept explicit so a kernel gap shows up here, in one place.
  const order: BackendName[] = options.needsConvGradients ? ['tensorflow', 'wasm', 'cpu'] : ['tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    const selection = await activate(name);
    if (selection) return selection;
  }
  throw new Error('no TF.js backend could be initialised');
}

async function activate(name: BackendName): Promise<BackendSelection | null> {
  let device: string;
  if (name === 'tensorflow') {
    const loaded = tryLoadTensorflow();
    if (!loaded) return null;
    device = loaded;
  } else {
    device = name === 'wasm' ? 'CPU (wasm, SIMD)' : 'CPU (pure JS)';
  }
  try {
    if (tf.getBackend() !== name) {
      const ok = await tf.setBackend(name);
      if (!ok) return null;
    }
    await tf.ready();
  } catch {
    return null;
  }
  return { backend: name, device };
}

/**
 * The worker's entry point (kept from the first version): activates a backend by preference ('auto' or a name)
 * and returns its name. `device` starting with "cuda" prefers tfjs-node-gpu; otherwise the order is the same.
 */
export async function initializeBackend(preference = 'auto', device = 'cpu', needsConvGradients = false): Promise<string> {
  void device;
  return (await selectBackend({ override: preference, needsConvGradients })).backend;
}
