import { apiRequest, createTestDatabase, type ApiEndpoint } from '@fer/testing';
import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createApiApp } from '../../src/api-app.factory';
import { seedBenchmarks } from '../../src/benchmarks/benchmarks.service';
import { apiEnvSchema } from '../../src/config/api-env.schema';
import { PrismaService } from '../../src/database/prisma.service';
import { createApiKey } from '../../src/keys/api-keys.service';

export interface ApiHarness extends ApiEndpoint {
  app: INestApplication;
}

/** The real API on a random port, over a fresh database and a Redis key prefix of its own. */
export async function startApiHarness(label: string, overrides: Record<string, string> = {}): Promise<ApiHarness> {
  const database = await createTestDatabase(label);
  const queuePrefix = `fer-test-${randomBytes(4).toString('hex')}`;
  const env = apiEnvSchema.parse({
    DATABASE_URL: database.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    FER_QUEUE_PREFIX: queuePrefix,
    FER_API_PORT: '0',
    LOG_LEVEL: 'silent',
    FER_RECONCILE_INTERVAL_SECONDS: '3600',
    ...overrides,
  });
  const app = await createApiApp(env);
  const prisma = app.get(PrismaService).client;
  await seedBenchmarks(prisma);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const keys = {
    admin: (await createApiKey(prisma, { name: 'test-admin', role: 'admin' })).key,
    launch: (await createApiKey(prisma, { name: 'test-launch', role: 'launch' })).key,
    read: (await createApiKey(prisma, { name: 'test-read', role: 'read' })).key,
  };
  return {
    app,
    url,
    databaseUrl: database.url,
    queuePrefix,
    keys,
    request: (method, path, options = {}) =>
      apiRequest(url, options.key === undefined ? keys.admin : options.key, method, path, options),
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
