import { Global, Module } from '@nestjs/common';
import { QueueService } from './queue.service';

/** The API's one producer connection to Redis, shared by every service that enqueues. */
@Global()
@Module({ providers: [QueueService], exports: [QueueService] })
export class JobQueuesModule {}
