import type { ApiKeyRole } from '@fer/contracts';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiError, ApiErrorCode } from '../common/api-error';
import { PrismaService } from '../database/prisma.service';
import { AuthenticatedKey, IS_PUBLIC, REQUIRED_ROLE, roleAllows } from './api-key-roles';
import { hashApiKey, SESSION_TOKEN_PREFIX } from './api-key.secret';
import { AuthFailureLimiter } from './auth-failure.limiter';
import { AuthenticationCache, type CachedAuthentication } from './authentication-cache';

export type AuthenticatedRequest = Request & { apiKey?: AuthenticatedKey };

/** `lastUsedAt` is written at most this often per key, so authentication writes nothing on most requests. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Every endpoint but the public ones needs `Authorization: Bearer <key>` (an API key, or a web UI session token that
 * acts with its key's role) with a sufficient role. Failed authentications are limited per client address.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly reflector: Reflector,
    private readonly prisma: PrismaService,
    private readonly failures: AuthFailureLimiter,
    private readonly cache: AuthenticationCache,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const address = request.ip ?? 'unknown';
    const retryAfter = this.failures.retryAfterSeconds(address);
    if (retryAfter > 0) {
      throw new ApiError(
        ApiErrorCode.RateLimited,
        `too many failed authentications from ${address}; retry in ${retryAfter} s`,
        undefined,
        retryAfter,
      );
    }
    let key: AuthenticatedKey;
    try {
      key = await this.authenticate(request.headers.authorization ?? '');
    } catch (error) {
      if (error instanceof ApiError && error.code === ApiErrorCode.Unauthenticated) this.failures.record(address);
      throw error;
    }
    const required = this.reflector.getAllAndOverride<ApiKeyRole>(REQUIRED_ROLE, targets) ?? 'read';
    if (!roleAllows(key.role, required)) {
      throw new ApiError(
        ApiErrorCode.Forbidden,
        `this needs the "${required}" role; key ${key.prefix}… has "${key.role}"`,
      );
    }
    request.apiKey = key;
    this.touch(key.id);
    return true;
  }

  private async authenticate(header: string): Promise<AuthenticatedKey> {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new ApiError(
        ApiErrorCode.Unauthenticated,
        'missing API key: send "Authorization: Bearer <key>" (create one with `fer keys create --role read`)',
      );
    }
    const token = match[1];
    const tokenHash = hashApiKey(token);
    let found = this.cache.get(tokenHash);
    if (!found) {
      const generation = this.cache.generation;
      found = token.startsWith(SESSION_TOKEN_PREFIX) ? await this.session(tokenHash) : await this.key(tokenHash);
      this.cache.store(tokenHash, found, generation);
    }
    if (found.expiresAt) assertNotExpired(found.expiresAt);
    return found.key;
  }

  private async session(tokenHash: string): Promise<CachedAuthentication> {
    const session = await this.prisma.one<{
      sessionId: string;
      expiresAt: Date;
      endedAt: Date | null;
      id: string;
      name: string;
      role: AuthenticatedKey['role'];
      prefix: string;
      revokedAt: Date | null;
    }>(
      'session-by-hash',
      `SELECT s.id AS "sessionId", s."expiresAt", s."endedAt", k.id, k.name, k.role::text AS role, k.prefix, k."revokedAt"
         FROM "Session" s JOIN "ApiKey" k ON k.id = s."apiKeyId" WHERE s."tokenHash" = $1`,
      [tokenHash],
    );
    if (!session || session.endedAt) throw new ApiError(ApiErrorCode.Unauthenticated, 'signed out: sign in again');
    assertNotExpired(session.expiresAt);
    if (session.revokedAt)
      throw new ApiError(ApiErrorCode.Unauthenticated, `API key ${session.prefix}… was revoked: sign in with another key`);
    const { id, name, role, prefix, sessionId, expiresAt } = session;
    return { key: { id, name, role, prefix, sessionId }, expiresAt };
  }

  private async key(tokenHash: string): Promise<CachedAuthentication> {
    const key = await this.prisma.one<{ id: string; name: string; role: AuthenticatedKey['role']; prefix: string; revokedAt: Date | null }>(
      'api-key-by-hash',
      'SELECT id, name, role::text AS role, prefix, "revokedAt" FROM "ApiKey" WHERE hash = $1',
      [tokenHash],
    );
    if (!key) throw new ApiError(ApiErrorCode.Unauthenticated, 'unknown API key');
    if (key.revokedAt) throw new ApiError(ApiErrorCode.Unauthenticated, `API key ${key.prefix}… was revoked`);
    return { key: { id: key.id, name: key.name, role: key.role, prefix: key.prefix }, expiresAt: null };
  }

  /** Records use cheaply: one UPDATE per key per minute at most, never awaited by the request. */
  private touch(keyId: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(keyId) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWritten.set(keyId, now);
    void this.prisma.client.apiKey
      .update({ where: { id: keyId }, data: { lastUsedAt: new Date(now) } })
      .catch(() => this.lastUsedWritten.delete(keyId));
  }
}

/** A session is refused from its expiry on, whether it was read now or kept by the AuthenticationCache. */
function assertNotExpired(expiresAt: Date): void {
  if (expiresAt <= new Date()) throw new ApiError(ApiErrorCode.Unauthenticated, 'session expired: sign in again');
}
