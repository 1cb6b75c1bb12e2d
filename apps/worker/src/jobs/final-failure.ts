import type { Logger } from '@nestjs/common';

/**
 * Records a job's final failure (its run ends `failed`), retrying with a growing delay: a PostgreSQL that blinks at
 * that moment must not leave the run `running` forever. If every try fails the error is logged, not swallowed, and
 * the reconciler marks the run failed once it sees its attempts spent.
 */
export async function recordFinalFailure(
  record: () => Promise<void>,
  what: string,
  logger: Pick<Logger, 'error' | 'warn'>,
  options: { tries?: number; delayMs?: number } = {},
): Promise<boolean> {
  const { tries = 6, delayMs = 1000 } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      await record();
      return true;
    } catch (error) {
      if (attempt >= tries) {
        logger.error(
          `${what}: the final failure could not be recorded after ${tries} tries (${(error as Error).message}); the reconciler will mark the run failed`,
        );
        return false;
      }
      logger.warn(`${what}: recording the final failure failed (${(error as Error).message}); retrying`);
      await new Promise((resolve) => setTimeout(resolve, delayMs * attempt));
    }
  }
}
