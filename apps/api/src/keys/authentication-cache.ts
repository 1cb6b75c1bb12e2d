import { Inject, Injectable } from '@nestjs/common';
import { API_ENV, ApiEnv } from '../config/api-env.schema';
import { ChangeNotifications } from '../database/change-notifications';
import { InvalidatedCache } from '../database/invalidated-cache';
import type { AuthenticatedKey } from './api-key-roles';

/** The channel the `auth_changed` triggers notify (migration auth_change_notifications). */
export const AUTH_CHANGED_CHANNEL = 'fer_auth_changed';

/** What a bearer token authenticated as, and until when (sessions expire; keys do not). */
export interface CachedAuthentication {
  key: AuthenticatedKey;
  expiresAt: Date | null;
}

/**
 * Authenticated keys and sessions by token hash, so that a request does not read its key again. An entry is served
 * only while PostgreSQL can tell this process that keys or sessions changed (a trigger notifies on every revocation,
 * sign-out, expiry change or deletion, whoever makes it: this API, another replica, an operator in psql). A
 * notification or a lost listener empties the whole cache; while the listener is down every request reads its key.
 * Unknown, revoked and expired tokens are never kept.
 */
@Injectable()
export class AuthenticationCache extends InvalidatedCache<CachedAuthentication> {
  constructor(@Inject(API_ENV) env: ApiEnv, notifications: ChangeNotifications) {
    super(notifications, AUTH_CHANGED_CHANNEL, env.FER_AUTH_CACHE_ENTRIES);
  }
}
