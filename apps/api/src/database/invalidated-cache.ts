import type { ChangeNotifications } from './change-notifications';

export type InvalidatedCacheState = 'listening' | 'reconnecting' | 'off';

/**
 * A bounded in-process map that empties whenever PostgreSQL notifies its channel, and serves nothing while that
 * notification cannot be heard (ChangeNotifications not listening). `capacity` 0 turns it off.
 */
export class InvalidatedCache<V> {
  private readonly entries = new Map<string, V>();
  /** Bumped by every invalidation: a read that began before one does not store what it read. */
  private version = 0;

  constructor(
    private readonly notifications: ChangeNotifications,
    channel: string,
    readonly capacity: number,
  ) {
    if (capacity > 0) notifications.follow(channel, () => this.invalidate());
  }

  get state(): InvalidatedCacheState {
    if (this.capacity === 0) return 'off';
    return this.notifications.listening ? 'listening' : 'reconnecting';
  }

  get size(): number {
    return this.entries.size;
  }

  /** Where a read starts: pass it to `store` with what the read found. */
  get generation(): number {
    return this.version;
  }

  get(key: string): V | undefined {
    return this.notifications.listening ? this.entries.get(key) : undefined;
  }

  store(key: string, value: V, generation: number): void {
    if (this.capacity === 0 || !this.notifications.listening || generation !== this.version) return;
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
  }

  /** Forgets everything: on a notification, and when this process itself makes a change it must not serve stale. */
  invalidate(): void {
    this.version++;
    this.entries.clear();
  }
}
