import { createRedisConnection, JobQueues } from '@fer/queues';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { API_ENV, ApiEnv } from '../config/api-env.schema';

@Injectable()
export class QueueService implements OnModuleDestroy {
  readonly redis: Redis;
  readonly queues: JobQueues;

  constructor(@Inject(API_ENV) env: ApiEnv) {
    // Producers fail fast while Redis is down (the API answers 503) instead of hanging the request.
    this.redis = createRedisConnection(env.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.redis.on('error', () => undefined); // reported through /health; ioredis reconnects on its own
    this.queues = new JobQueues(this.redis, env.FER_QUEUE_PREFIX);
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
