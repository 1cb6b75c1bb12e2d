import { Client } from '@fer/db';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { API_ENV, ApiEnv } from '../config/api-env.schema';

const RECONNECT_MS = 1_000;
/** The listener is pinged this often; a ping that fails or hangs counts as a lost connection. */
const PING_MS = 10_000;

/** Application name of the LISTEN connection in pg_stat_activity. */
export const CHANGE_LISTENER_NAME = 'fer-change-listener';

/**
 * One LISTEN connection for every in-process cache that must forget what it kept when PostgreSQL says its tables
 * changed (triggers notify the channels, whoever makes the change: this API, another replica, an operator in psql).
 * While the connection is down nothing can be heard, so `listening` is false and every follower was told to forget:
 * a cache serves only while `listening`. Followers register in their constructors, before the module starts.
 */
@Injectable()
export class ChangeNotifications implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ChangeNotifications.name);
  private readonly followers = new Map<string, (() => void)[]>();
  private listener: Client | null = null;
  private connected = false;
  /** Said once per outage in the log, not once per reconnect attempt. */
  private saidLost = false;
  private closed = false;
  private reconnectTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;

  constructor(@Inject(API_ENV) private readonly env: ApiEnv) {}

  /** Calls `forget` on every notification of `channel`, and whenever the connection is lost or (re)established. */
  follow(channel: string, forget: () => void): void {
    if (!/^[a-z_]+$/.test(channel)) throw new Error(`channel "${channel}": lower-case letters and underscores only`);
    this.followers.set(channel, [...(this.followers.get(channel) ?? []), forget]);
  }

  get listening(): boolean {
    return this.connected;
  }

  async onModuleInit(): Promise<void> {
    if (this.followers.size > 0) await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.drop();
    await listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.env.DATABASE_URL,
      application_name: CHANGE_LISTENER_NAME,
      query_timeout: PING_MS,
    });
    client.on('notification', (message) => this.forget(message.channel));
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'connection ended'));
    this.listener = client;
    try {
      await client.connect();
      for (const channel of this.followers.keys()) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      this.lost(client, (error as Error).message);
      return;
    }
    if (this.listener !== client) return;
    // Whatever changed before LISTEN took effect was never heard: every follower starts empty.
    this.forgetAll();
    this.connected = true;
    if (this.saidLost)
      this.logger.log(
        `in-memory caches on again: the LISTEN connection is back (${[...this.followers.keys()].join(', ')})`,
      );
    this.saidLost = false;
    this.pingTimer = setInterval(
      () => void client.query('SELECT 1').catch((error: Error) => this.lost(client, error.message)),
      PING_MS,
    );
    this.pingTimer.unref();
  }

  private lost(client: Client, reason: string): void {
    if (this.listener !== client) return;
    this.drop();
    void client.end().catch(() => undefined);
    if (this.closed) return;
    // warn: until it is back, every cached read goes to PostgreSQL.
    if (!this.saidLost) this.logger.warn(`in-memory caches off until their LISTEN connection is back: ${reason}`);
    this.saidLost = true;
    this.reconnectTimer = setTimeout(() => void this.listen(), RECONNECT_MS);
    this.reconnectTimer.unref();
  }

  private drop(): void {
    clearInterval(this.pingTimer);
    this.connected = false;
    this.listener = null;
    this.forgetAll();
  }

  private forget(channel: string): void {
    for (const forget of this.followers.get(channel) ?? []) forget();
  }

  private forgetAll(): void {
    for (const channel of this.followers.keys()) this.forget(channel);
  }
}
