import { Inject, Injectable } from '@nestjs/common';
import { API_ENV, ApiEnv } from '../config/api-env.schema';
import { ChangeNotifications } from '../database/change-notifications';
import { InvalidatedCache } from '../database/invalidated-cache';
import type { SubmissionCatalog } from './dataset-resolver';

/** The channel the `catalog_changed` triggers notify (migration catalog_change_notifications). */
export const CATALOG_CHANGED_CHANNEL = 'fer_catalog_changed';

/**
 * What resolving a submission read (resolveSubmission: the benchmark and the ready datasets its names may resolve
 * to), by benchmark, target split and names, so that POST /runs and new sweeps do not read it again. Triggers on
 * Benchmark, Dataset and DatasetSample notify every change that can alter a resolution (a new or archived version, an
 * import that finished, a split added or deleted, an archived benchmark), whoever makes it; a notification or a lost
 * listener empties the whole cache, and while the listener is down every submission reads its catalog.
 */
@Injectable()
export class SubmissionCatalogCache extends InvalidatedCache<SubmissionCatalog> {
  constructor(@Inject(API_ENV) env: ApiEnv, notifications: ChangeNotifications) {
    super(notifications, CATALOG_CHANGED_CHANNEL, env.FER_CATALOG_CACHE_ENTRIES);
  }
}
