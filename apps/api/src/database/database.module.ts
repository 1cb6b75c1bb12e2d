import { Global, Module } from '@nestjs/common';
import { ChangeNotifications } from './change-notifications';
import { PrismaService } from './prisma.service';

@Global()
@Module({ providers: [PrismaService, ChangeNotifications], exports: [PrismaService, ChangeNotifications] })
export class DatabaseModule {}
