import type { z } from 'zod';

/**
 * Validates a process's environment once, at boot, against its schema. Lists every bad variable at once, each by
 * name, and says where to read about them; nothing else in a process reads process.env.
 */
export function loadEnvironment<S extends z.ZodType>(
  schema: S,
  processName: string,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(
      `invalid ${processName} environment:\n${lines.join('\n')}\nSet these variables (see README "Configuration").`,
    );
  }
  return parsed.data;
}
