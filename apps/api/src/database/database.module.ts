import { Global, Module } from '@nestjs/common';
import { QueueService } from './job-queues.provider';
import { PrismaService } from './prisma.service';

@Global()
@Module({ providers: [PrismaService, QueueService], exports: [PrismaService, QueueService] })
export class DatabaseModule {}
