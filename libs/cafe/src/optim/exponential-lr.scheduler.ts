/** torch.optim.lr_scheduler.ExponentialLR: lr ← lr·γ once per epoch (chained, as torch computes it). */
export class ExponentialLrScheduler {
  constructor(
    private readonly optimizer: { lr: number },
    private readonly gamma: number,
    public epoch = 0,
  ) {}

  step(): void {
    this.optimizer.lr *= this.gamma;
    this.epoch += 1;
  }
}
