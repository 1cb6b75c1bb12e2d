import type { Logger } from '@nestjs/common';

/**
 * A background loop of the API (reconciliation, webhook delivery): runs every interval, never overlaps itself,
 * never keeps the process alive, and survives a failed round (PostgreSQL or Redis down) to try again next time.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly name: string,
    private readonly round: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  start(intervalSeconds: number): void {
    this.stop();
    this.timer = setInterval(() => void this.tick(), intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round now, unless one is still running. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.round();
    } catch (error) {
      // warn, not debug: a loop that keeps failing (PostgreSQL or Redis down) must show in the API log.
      this.logger.warn(`${this.name} failed, retrying next round: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
  }
}
