/**
 * Counts failed authentications per client address over a sliding minute, so keys cannot be guessed at the speed of
 * the network. In memory, per API process: a deployment with N replicas allows N times the limit.
 */
export class AuthFailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until this address may try again, or 0 when it may now. */
  retryAfterSeconds(address: string): number {
    const recent = this.recent(address);
    return recent.length >= this.perMinute ? Math.ceil((recent[0] + 60_000 - this.now()) / 1000) : 0;
  }

  record(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    this.failures.set(address, recent);
    if (this.failures.size > 10_000) this.prune();
  }

  private recent(address: string): number[] {
    const cutoff = this.now() - 60_000;
    return (this.failures.get(address) ?? []).filter((at) => at > cutoff);
  }

  private prune(): void {
    for (const address of [...this.failures.keys()])
      if (this.recent(address).length === 0) this.failures.delete(address);
  }
}
