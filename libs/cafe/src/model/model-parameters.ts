import * as tf from '@tensorflow/tfjs';

/**
 * A model's tensors under stable names of our own (TF.js variable names are global and must be unique, so
 * they stay auto-generated). `trainable: false` marks state such as BatchNorm running statistics.
 */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
  trainable: boolean;
  /** Learning rate of this parameter as a multiple of the optimizer's (a per-group lr in torch.optim); default 1. */
  lrScale?: number;
}

/** A tensor copied out of TF.js, as stored in checkpoints. */
export interface StoredTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export function createVariable(name: string, shape: number[], data: Float32Array, trainable = true): NamedVariable {
  const initial = tf.tensor(data, shape, 'float32');
  const variable = tf.variable(initial, trainable);
  initial.dispose(); // the variable holds its own reference to the data
  return { name, variable, trainable };
}

export function readVariables(parameters: NamedVariable[]): StoredTensor[] {
  return parameters.map(({ name, variable }) => ({
    name,
    shape: [...variable.shape],
    data: Float32Array.from(variable.dataSync() as Float32Array),
  }));
}

/** Assigns stored values by name; every variable must be present with the same shape. */
export function assignVariables(parameters: NamedVariable[], stored: StoredTensor[]): void {
  const byName = new Map(stored.map((t) => [t.name, t]));
  for (const { name, variable } of parameters) {
    const t = byName.get(name);
    if (!t) throw new Error(`checkpoint has no tensor "${name}"`);
    if (t.shape.join('x') !== variable.shape.join('x')) {
      throw new Error(`checkpoint tensor "${name}" has shape [${t.shape}] but the model expects [${variable.shape}]`);
    }
    tf.tidy(() => variable.assign(tf.tensor(t.data, t.shape, 'float32')));
  }
}

export function disposeVariables(parameters: NamedVariable[]): void {
  for (const p of parameters) p.variable.dispose();
}
