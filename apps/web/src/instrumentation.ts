export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  // next build loads this file too; the API settings are only needed by a running server.
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  const { loadEnv } = await import('./server/env');
  try {
    loadEnv();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
