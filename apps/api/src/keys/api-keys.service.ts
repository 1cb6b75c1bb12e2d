import { ApiKeyCreatedDto, ApiKeyRole } from '@fer/contracts';
import type { PrismaClient } from '@fer/db';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { PrismaService } from '../database/prisma.service';
import { apiKeyPrefix, generateApiKey, hashApiKey } from './api-key.secret';
import { AuthenticationCache } from './authentication-cache';

/** Creates a key; also used by the local stack to bootstrap the first admin key straight in the database. */
export async function createApiKey(
  prisma: PrismaClient,
  input: { name: string; role: ApiKeyRole; key?: string },
): Promise<ApiKeyCreatedDto> {
  const key = input.key ?? generateApiKey();
  const row = await prisma.apiKey.create({
    data: { id: randomUUID(), name: input.name, role: input.role, hash: hashApiKey(key), prefix: apiKeyPrefix(key) },
  });
  return { id: row.id, name: row.name, role: row.role, key };
}

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authentications: AuthenticationCache,
  ) {}

  create(name: string, role: ApiKeyRole): Promise<ApiKeyCreatedDto> {
    return createApiKey(this.prisma.client, { name, role });
  }

  async list() {
    const keys = await this.prisma.client.apiKey.findMany({ orderBy: { createdAt: 'asc' } });
    return keys.map(({ hash: _hash, ...key }) => key);
  }

  async revoke(id: string) {
    const key = await this.prisma.client.apiKey.findUnique({ where: { id } });
    if (!key) throw ApiError.notFound('API key', id);
    const now = new Date();
    // Its web sessions end with it (ApiKeyGuard also refuses a revoked key's sessions, whatever their state).
    await this.prisma.client.$transaction([
      this.prisma.client.apiKey.update({ where: { id }, data: { revokedAt: key.revokedAt ?? now } }),
      this.prisma.client.session.updateMany({ where: { apiKeyId: id, endedAt: null }, data: { endedAt: now } }),
    ]);
    // The trigger's notification reaches every API process; this one forgets the key before it answers.
    this.authentications.invalidate();
    return { id, revoked: true };
  }
}
