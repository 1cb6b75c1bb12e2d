import * as tf from '@tensorflow/tfjs';

export interface AdamSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/**
 * torch.optim.Adam, exactly: weight decay is added to the gradient (L2, not AdamW), bias-corrected moments,
 * p -= lr / (1 - β1^t) · m / (sqrt(v) / sqrt(1 - β2^t) + eps). tf.train.adam differs (eps placement, no L2).
 */
export class TorchAdam {
  private step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    private readonly params: tf.Variable[],
    private readonly settings: AdamSettings,
  ) {
    this.m = params.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  apply(grads: tf.Tensor[], lr: number): void {
    this.step++;
    const { beta1, beta2, eps, weightDecay } = this.settings;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      this.params.forEach((param, i) => {
        const grad = weightDecay ? tf.add(grads[i], tf.mul(weightDecay, param)) : grads[i];
        const m = tf.add(tf.mul(beta1, this.m[i]), tf.mul(1 - beta1, grad));
        const v = tf.add(tf.mul(beta2, this.v[i]), tf.mul(1 - beta2, tf.square(grad)));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const denominator = tf.add(tf.div(tf.sqrt(v), Math.sqrt(correction2)), eps);
        param.assign(tf.sub(param, tf.mul(lr / correction1, tf.div(m, denominator))));
      });
    });
  }

  getState(): AdamState {
    return { step: this.step, m: this.m.map((t) => t.dataSync() as Float32Array), v: this.v.map((t) => t.dataSync() as Float32Array) };
  }

  setState(state: AdamState): void {
    this.step = state.step;
    state.m.forEach((values, i) => this.m[i].assign(tf.tensor(values, this.m[i].shape)));
    state.v.forEach((values, i) => this.v[i].assign(tf.tensor(values, this.v[i].shape)));
  }

  dispose(): void {
    [...this.m, ...this.v].forEach((t) => t.dispose());
  }
}

/** ExponentialLR stepped once per epoch: lr_e = lr · γ^e. */
export function exponentialLr(lr: number, gamma: number, epoch: number): number {
  return lr * gamma ** epoch;
}
