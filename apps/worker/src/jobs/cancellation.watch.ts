import type { PrismaClient } from '@fer/db';

/** Polls a run's cancel flag in the background so the training loop can check it for free between steps. */
export class CancellationWatch {
  cancelled = false;
  private readonly timer: NodeJS.Timeout;

  constructor(prisma: PrismaClient, runId: string, pollSeconds: number) {
    this.timer = setInterval(() => {
      void prisma.run
        .findUnique({ where: { id: runId }, select: { cancelRequested: true } })
        .then((run) => {
          if (!run || run.cancelRequested) this.cancelled = true;
        })
        .catch(() => undefined);
    }, pollSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
