import type { TrainingConfig } from '@fer/contracts';
import { ApiError } from '../common/api-error';

/**
 * Settings the schema allows but the workers cannot run yet: refused when a run is created, naming the field,
 * instead of failing hours later in a worker.
 */
export function assertRunnable(config: TrainingConfig, field: string): void {
  if (config.augment.frozenPath === 'recompute') {
    throw ApiError.validation('augment.frozenPath "recompute" is not supported by the workers yet', [
      { field: `${field}.augment.frozenPath`, message: 'not supported yet: use "cached" (original + flipped views, computed once)' },
    ]);
  }
}
