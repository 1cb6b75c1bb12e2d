import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/**
 * Picks the TF.js backend once, at start: `tensorflow` (tfjs-node-gpu, then tfjs-node: optional dependencies that
 * need libtensorflow) → `wasm` → `cpu`. Returns the name of the backend that actually loaded, for the run records.
 */
export async function initializeBackend(preference: BackendPreference = 'auto', device = 'cpu'): Promise<string> {
  const order: Exclude<BackendPreference, 'auto'>[] = preference === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preference];
  const failures: string[] = [];
  for (const backend of order) {
    try {
      if (backend === 'tensorflow') {
        loadNativeBinding(device);
      }
      if (await tf.setBackend(backend)) {
        await tf.ready();
        return tf.getBackend();
      }
      failures.push(`${backend}: not available`);
    } catch (error) {
      failures.push(`${backend}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no TF.js backend could be loaded (${failures.join('; ')})`);
}

function loadNativeBinding(device: string): void {
  const candidates = device.startsWith('cuda') ? ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] : ['@tensorflow/tfjs-node'];
  for (const name of candidates) {
    try {
      require(name);
      return;
    } catch {
      // optional dependency absent or its libtensorflow missing: try the next
    }
  }
  throw new Error('tfjs-node is not installed (optional; needs libtensorflow, downloaded at install time)');
}
