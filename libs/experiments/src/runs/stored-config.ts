import { TrainingConfig, trainingConfigSchema } from '@fer/contracts';
import { ZodError } from 'zod';

/**
 * A config as stored in PostgreSQL (Config.body, Sweep.baseConfig), parsed with today's schema so defaults added
 * since it was stored are filled in. Every reader of a stored config goes through here; a row that no longer parses
 * fails naming the field instead of training on a half-read config.
 */
export function parseStoredConfig(body: unknown, what = 'stored config'): TrainingConfig {
  try {
    return trainingConfigSchema.parse(body);
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const first = error.issues[0];
    throw new Error(`${what} no longer parses: ${first.path.join('.') || '(root)'}: ${first.message}`, {
      cause: error,
    });
  }
}
