import { z } from 'zod';

const envSchema = z.object({
  FER_API_URL: z
    .url({ message: 'must be the API base URL, e.g. http://localhost:4000 (endpoints live under /api/v1)' })
    .transform((url) => url.replace(/\/+$/, '')),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
});

export type WebEnv = z.output<typeof envSchema>;

let cached: WebEnv | undefined;

/**
 * The only reader of process.env in apps/web; lists every bad variable at once. The web server holds no API key:
 * every call to the API carries the signed-in visitor's session (README "Security").
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): WebEnv {
  if (cached) return cached;
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new Error(`apps/web: invalid environment\n${lines.join('\n')}`);
  }
  cached = result.data;
  return cached;
}
