import { Client } from '@fer/db';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { API_ENV, ApiEnv } from '../config/api-env.schema';
import type { AuthenticatedKey } from './api-key-roles';

/** The channel the `auth_changed` triggers notify (migration auth_change_notifications). */
export const AUTH_CHANGED_CHANNEL = 'fer_auth_changed';
const RECONNECT_MS = 1_000;
/** The listener is pinged this often; a ping that fails or hangs counts as a lost connection. */
const PING_MS = 10_000;

/** What a bearer token authenticated as, and until when (sessions expire; keys do not). */
export interface CachedAuthentication {
  key: AuthenticatedKey;
  expiresAt: Date | null;
}

export type AuthenticationCacheState = 'listening' | 'reconnecting' | 'off';

/**
 * Authenticated keys and sessions by token hash, so that a request does not read its key again. An entry is served
 * only while a LISTEN connection would hear PostgreSQL say that keys or sessions changed (a trigger notifies on every
 * revocation, sign-out, expiry change or deletion, whoever makes it: this API, another replica, an operator in psql).
 * A notification or a lost listener empties the whole cache; while the listener is down every request reads its key.
 * Unknown, revoked and expired tokens are never kept.
 */
@Injectable()
export class AuthenticationCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AuthenticationCache.name);
  private readonly entries = new Map<string, CachedAuthentication>();
  private readonly capacity: number;
  /** Bumped by every invalidation: a lookup that began before one does not store what it read. */
  private version = 0;
  private listener: Client | null = null;
  private listening = false;
  /** Said once per outage in the log, not once per reconnect attempt. */
  private saidOff = false;
  private closed = false;
  private reconnectTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;

  constructor(@Inject(API_ENV) private readonly env: ApiEnv) {
    this.capacity = env.FER_AUTH_CACHE_ENTRIES;
  }

  async onModuleInit(): Promise<void> {
    if (this.capacity > 0) await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    const listener = this.listener;
    this.drop();
    await listener?.end().catch(() => undefined);
  }

  get state(): AuthenticationCacheState {
    if (this.capacity === 0) return 'off';
    return this.listening ? 'listening' : 'reconnecting';
  }

  get size(): number {
    return this.entries.size;
  }

  /** Where a lookup starts: pass it to `store` with what the lookup found. */
  get generation(): number {
    return this.version;
  }

  get(tokenHash: string): CachedAuthentication | undefined {
    return this.listening ? this.entries.get(tokenHash) : undefined;
  }

  store(tokenHash: string, authentication: CachedAuthentication, generation: number): void {
    if (!this.listening || generation !== this.version) return;
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tokenHash, authentication);
  }

  /** Forgets everything: on a notification, and right after this process revokes a key or ends a session. */
  invalidate(): void {
    this.version++;
    this.entries.clear();
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.env.DATABASE_URL, application_name: 'fer-auth-cache', query_timeout: PING_MS });
    client.on('notification', () => this.invalidate());
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'connection ended'));
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${AUTH_CHANGED_CHANNEL}`);
    } catch (error) {
      this.lost(client, (error as Error).message);
      return;
    }
    if (this.listener !== client) return;
    // Whatever changed before LISTEN took effect was never heard: start empty.
    this.invalidate();
    this.listening = true;
    if (this.saidOff) this.logger.log('authentication cache on again: its LISTEN connection is back');
    this.saidOff = false;
    this.pingTimer = setInterval(() => void client.query('SELECT 1').catch((error: Error) => this.lost(client, error.message)), PING_MS);
    this.pingTimer.unref();
  }

  private lost(client: Client, reason: string): void {
    if (this.listener !== client) return;
    this.drop();
    void client.end().catch(() => undefined);
    if (this.closed) return;
    // warn: until it is back, every request reads its key from PostgreSQL.
    if (!this.saidOff) this.logger.warn(`authentication cache off until its LISTEN connection is back: ${reason}`);
    this.saidOff = true;
    this.reconnectTimer = setTimeout(() => void this.listen(), RECONNECT_MS);
    this.reconnectTimer.unref();
  }

  private drop(): void {
    clearInterval(this.pingTimer);
    this.listening = false;
    this.listener = null;
    this.invalidate();
  }
}
