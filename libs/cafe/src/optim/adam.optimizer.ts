import * as tf from '@tensorflow/tfjs';
import { NamedVariable, StoredTensor, readVariables, assignVariables, createVariable, disposeVariables } from '../model/model-parameters';

export interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** L2 penalty added to the gradient (torch.optim.Adam), not decoupled decay (AdamW). */
  weightDecay: number;
}

/**
 * `host`: the update runs as one plain loop over Float32Arrays (wasm/cpu keep tensors in process memory, and
 * one loop beats ~15 tensor ops per parameter: the CPU config's training step is about 2x faster).
 * `tensor`: TF.js ops, so parameters stay on the device (tensorflow backend, GPU). `auto` picks by backend.
 */
export type AdamExecution = 'auto' | 'host' | 'tensor';

export interface AdamState {
  step: number;
  m: StoredTensor[];
  v: StoredTensor[];
}

/**
 * Adam exactly as torch.optim.Adam (PyTorch 1.13, single-tensor path):
 *   g = grad + wd·p;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²
 *   p -= (lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + eps)
 * Note eps is added after the bias correction of v, as torch does (tf.train.adam differs here).
 * A parameter's `lrScale` multiplies lr for it alone, as a torch param group with its own lr under the same
 * ExponentialLR (RUL's FC at 10x).
 */
export class AdamOptimizer {
  lr: number;
  private stepCount = 0;
  private readonly moments: { param: NamedVariable; m: NamedVariable; v: NamedVariable }[];

  private readonly onHost: boolean;

  constructor(
    parameters: NamedVariable[],
    private readonly settings: AdamSettings,
    execution: AdamExecution = 'auto',
  ) {
    this.lr = settings.lr;
    this.onHost = execution === 'host' || (execution === 'auto' && tf.getBackend() !== 'tensorflow');
    this.moments = parameters
      .filter((p) => p.trainable)
      .map((param) => {
        const zeros = new Float32Array(param.variable.size);
        return {
          param,
          m: createVariable(param.name, [...param.variable.shape], zeros, false),
          v: createVariable(param.name, [...param.variable.shape], zeros, false),
        };
      });
  }

  get step(): number {
    return this.stepCount;
  }

  /** One update; `grads` maps TF.js variable names (as tf.variableGrads returns them) to gradients. */
  apply(grads: Record<string, tf.Tensor>): void {
    this.stepCount += 1;
    const { beta1, beta2, eps, weightDecay } = this.settings;
    const stepSize = this.lr / (1 - beta1 ** this.stepCount);
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** this.stepCount);
    if (this.onHost) {
      this.applyOnHost(grads, stepSize, biasCorrection2Sqrt);
      return;
    }
    tf.tidy(() => {
      for (const { param, m, v } of this.moments) {
        const p = param.variable;
        let g = grads[p.name];
        if (!g) throw new Error(`no gradient for parameter "${param.name}"`);
        if (weightDecay !== 0) g = tf.add(g, tf.mul(p, weightDecay));
        const mNext = tf.add(tf.mul(m.variable, beta1), tf.mul(g, 1 - beta1));
        const vNext = tf.add(tf.mul(v.variable, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(vNext), biasCorrection2Sqrt), eps);
        p.assign(tf.sub(p, tf.mul(tf.div(mNext, denom), stepSize * (param.lrScale ?? 1))));
        m.variable.assign(mNext);
        v.variable.assign(vNext);
      }
    });
  }

  /** The same update as above, written as one loop (m and v are kept as the variables' float32 values). */
  private applyOnHost(grads: Record<string, tf.Tensor>, baseStepSize: number, biasCorrection2Sqrt: number): void {
    const { beta1, beta2, eps, weightDecay } = this.settings;
    for (const { param, m, v } of this.moments) {
      const stepSize = baseStepSize * (param.lrScale ?? 1);
      const gradient = grads[param.variable.name];
      if (!gradient) throw new Error(`no gradient for parameter "${param.name}"`);
      const g = gradient.dataSync() as Float32Array;
      const p = Float32Array.from(param.variable.dataSync() as Float32Array);
      const mData = Float32Array.from(m.variable.dataSync() as Float32Array);
      const vData = Float32Array.from(v.variable.dataSync() as Float32Array);
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] + weightDecay * p[i];
        mData[i] = beta1 * mData[i] + (1 - beta1) * gi;
        vData[i] = beta2 * vData[i] + (1 - beta2) * gi * gi;
        p[i] -= (stepSize * mData[i]) / (Math.sqrt(vData[i]) / biasCorrection2Sqrt + eps);
      }
      const shape = [...param.variable.shape];
      tf.tidy(() => {
        param.variable.assign(tf.tensor(p, shape));
        m.variable.assign(tf.tensor(mData, shape));
        v.variable.assign(tf.tensor(vData, shape));
      });
    }
  }

  getState(): AdamState {
    return {
      step: this.stepCount,
      m: readVariables(this.moments.map((x) => x.m)),
      v: readVariables(this.moments.map((x) => x.v)),
    };
  }

  setState(state: AdamState): void {
    this.stepCount = state.step;
    assignVariables(this.moments.map((x) => x.m), state.m);
    assignVariables(this.moments.map((x) => x.v), state.v);
  }

  dispose(): void {
    disposeVariables(this.moments.flatMap((x) => [x.m, x.v]));
  }
}
