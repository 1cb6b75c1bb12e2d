import type { ApiKeyRole } from '@fer/contracts';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiError, ApiErrorCode } from '../common/api-error';
import { PrismaService } from '../database/prisma.service';
import { AuthenticatedKey, IS_PUBLIC, REQUIRED_ROLE, roleAllows } from './api-key-roles';
import { hashApiKey } from './api-key.secret';

export type AuthenticatedRequest = Request & { apiKey?: AuthenticatedKey };

/** Every endpoint but the public ones needs `Authorization: Bearer <key>` with a sufficient role. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly prisma: PrismaService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new ApiError(
        ApiErrorCode.Unauthenticated,
        'missing API key: send "Authorization: Bearer <key>" (create one with `fer keys create --role read`)',
      );
    }
    const key = await this.prisma.client.apiKey.findUnique({ where: { hash: hashApiKey(match[1]) } });
    if (!key) throw new ApiError(ApiErrorCode.Unauthenticated, 'unknown API key');
    if (key.revokedAt) throw new ApiError(ApiErrorCode.Unauthenticated, `API key ${key.prefix}… was revoked`);
    const required = this.reflector.getAllAndOverride<ApiKeyRole>(REQUIRED_ROLE, targets) ?? 'read';
    if (!roleAllows(key.role, required)) {
      throw new ApiError(ApiErrorCode.Forbidden, `this needs the "${required}" role; key ${key.prefix}… has "${key.role}"`);
    }
    request.apiKey = { id: key.id, name: key.name, role: key.role };
    return true;
  }
}
