import type { CurrentSessionDto, SessionCreatedDto, SignInLinkDto } from '@fer/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiError, ApiErrorCode } from '../common/api-error';
import { API_ENV, ApiEnv } from '../config/api-env.schema';
import { PrismaService } from '../database/prisma.service';
import type { AuthenticatedKey } from '../keys/api-key-roles';
import { generateSecretToken, hashApiKey, SESSION_TOKEN_PREFIX, SIGN_IN_LINK_PREFIX } from '../keys/api-key.secret';
import { AuthFailureLimiter } from '../keys/auth-failure.limiter';
import { AuthenticationCache } from '../keys/authentication-cache';

/** A sign-in link is for the next few minutes, not a standing credential. */
const LINK_MINUTES = 15;

/**
 * Web UI sessions: a key (or a one-time link) is exchanged for a session token that acts with the key's role, and
 * ends with sign-out, expiry or the key's revocation (ApiKeyGuard checks all three on every request, through the
 * AuthenticationCache, which forgets a session when any of them changes).
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly failures: AuthFailureLimiter,
    private readonly authentications: AuthenticationCache,
    @Inject(API_ENV) private readonly env: ApiEnv,
  ) {}

  async signIn(input: { key?: string; linkToken?: string }, address: string): Promise<SessionCreatedDto> {
    const retryAfter = this.failures.retryAfterSeconds(address);
    if (retryAfter > 0) {
      throw new ApiError(
        ApiErrorCode.RateLimited,
        `too many failed sign-ins from ${address}; retry in ${retryAfter} s`,
        undefined,
        retryAfter,
      );
    }
    const apiKeyId = input.key
      ? await this.keyIdOf(input.key, address)
      : await this.redeemLink(input.linkToken!, address);
    const token = generateSecretToken(SESSION_TOKEN_PREFIX);
    const expiresAt = new Date(Date.now() + this.env.FER_SESSION_HOURS * 3600_000);
    const session = await this.prisma.client.session.create({
      data: { id: randomUUID(), tokenHash: hashApiKey(token), apiKeyId, expiresAt },
      include: { apiKey: true },
    });
    const { id, name, role, prefix } = session.apiKey;
    return { token, expiresAt: expiresAt.toISOString(), key: { id, name, role, prefix } };
  }

  async current(key: AuthenticatedKey): Promise<CurrentSessionDto> {
    const session = key.sessionId
      ? await this.prisma.client.session.findUnique({ where: { id: key.sessionId } })
      : null;
    return {
      key: { id: key.id, name: key.name, role: key.role, prefix: key.prefix },
      sessionId: session?.id ?? null,
      expiresAt: session?.expiresAt.toISOString() ?? null,
    };
  }

  async signOut(key: AuthenticatedKey): Promise<{ signedOut: boolean }> {
    if (!key.sessionId) return { signedOut: false };
    await this.prisma.client.session.updateMany({
      where: { id: key.sessionId, endedAt: null },
      data: { endedAt: new Date() },
    });
    // The trigger's notification reaches every API process; this one forgets the session before it answers.
    this.authentications.invalidate();
    return { signedOut: true };
  }

  /** A one-time link for the caller's own key: whoever opens it first within the lifetime is signed in as that key. */
  async createLink(key: AuthenticatedKey): Promise<SignInLinkDto> {
    const token = generateSecretToken(SIGN_IN_LINK_PREFIX);
    const expiresAt = new Date(Date.now() + LINK_MINUTES * 60_000);
    await this.prisma.client.signInLink.create({
      data: { id: randomUUID(), tokenHash: hashApiKey(token), apiKeyId: key.id, expiresAt },
    });
    return { token, expiresAt: expiresAt.toISOString() };
  }

  private async keyIdOf(secret: string, address: string): Promise<string> {
    const key = await this.prisma.client.apiKey.findUnique({ where: { hash: hashApiKey(secret) } });
    if (!key || key.revokedAt) {
      this.failures.record(address);
      throw new ApiError(ApiErrorCode.Unauthenticated, key ? `API key ${key.prefix}… was revoked` : 'unknown API key');
    }
    return key.id;
  }

  /** Marks the link used in the same statement that checks it, so two concurrent redemptions cannot both succeed. */
  private async redeemLink(token: string, address: string): Promise<string> {
    const now = new Date();
    const { count } = await this.prisma.client.signInLink.updateMany({
      where: { tokenHash: hashApiKey(token), usedAt: null, expiresAt: { gt: now }, apiKey: { revokedAt: null } },
      data: { usedAt: now },
    });
    if (count === 0) {
      this.failures.record(address);
      throw new ApiError(
        ApiErrorCode.Unauthenticated,
        'this sign-in link is unknown, already used or expired: ask for a new one (npm start prints one)',
      );
    }
    return (await this.prisma.client.signInLink.findUniqueOrThrow({ where: { tokenHash: hashApiKey(token) } }))
      .apiKeyId;
  }
}
