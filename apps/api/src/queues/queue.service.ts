import { createRedisConnection, JobQueues } from '@fer/queues';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { API_ENV, ApiEnv } from '../config/api-env.schema';

/** How long API boot waits for its Redis connection before starting without it. */
const REDIS_CONNECT_WAIT_MS = 3000;

@Injectable()
export class QueueService implements OnModuleInit, OnModuleDestroy {
  readonly redis: Redis;
  readonly queues: JobQueues;

  constructor(@Inject(API_ENV) env: ApiEnv) {
    // Producers fail fast while Redis is down (the API answers 503) instead of hanging the request.
    this.redis = createRedisConnection(env.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.redis.on('error', () => undefined); // reported through /health; ioredis reconnects on its own
    this.queues = new JobQueues(this.redis, env.FER_QUEUE_PREFIX);
  }

  /**
   * Boot waits for the Redis connection (up to REDIS_CONNECT_WAIT_MS) so that the first requests, /health included, see
   * it as it is rather than as still connecting; Redis down does not stop the API from starting.
   */
  async onModuleInit(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, REDIS_CONNECT_WAIT_MS);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async isUp(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.queues.close().catch(() => undefined);
    this.redis.disconnect();
  }
}
