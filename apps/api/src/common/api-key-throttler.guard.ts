import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { AuthenticatedRequest } from '../keys/api-key.guard';
import { ApiError, ApiErrorCode } from './api-error';

/**
 * Rate limit per API key (per client address for the public endpoints). Runs after ApiKeyGuard, which limits failed
 * authentications itself. The throttler is named `default` so its headers are the standard `Retry-After` and
 * `X-RateLimit-*`.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const key = (request as unknown as AuthenticatedRequest).apiKey;
    return key ? `key:${key.id}` : `ip:${(request as unknown as AuthenticatedRequest).ip}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new ApiError(
      ApiErrorCode.RateLimited,
      `rate limit exceeded for this API key; retry in ${detail.timeToBlockExpire} s`,
      undefined,
      detail.timeToBlockExpire,
    );
  }
}
