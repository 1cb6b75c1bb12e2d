/**
 * Retries a database write through a short outage (PostgreSQL restarting): a training epoch should not be lost
 * because the database blinked. Gives up after about a minute and lets BullMQ retry the job.
 */
export async function withDatabaseRetry<T>(write: () => Promise<T>, attempts = 12): Promise<T> {
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 8000);
    }
  }
}

function isTransient(error: unknown): boolean {
  const text = `${(error as Error)?.message ?? ''} ${(error as { code?: string })?.code ?? ''}`;
  return /ECONNREFUSED|ECONNRESET|terminating connection|Connection terminated|DatabaseNotReachable|Can't reach database|P1001|P1017|P2024|the database system is (starting up|shutting down)|timeout/i.test(
    text,
  );
}
