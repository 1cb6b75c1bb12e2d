import 'reflect-metadata';
import { seedBenchmarks } from './benchmarks/benchmarks.service';
import { createApiApp } from './api-app.factory';
import { loadApiEnv } from './config/api-env.schema';
import { PrismaService } from './database/prisma.service';
import { hashApiKey } from './keys/api-key.secret';
import { createApiKey } from './keys/api-keys.service';

async function bootstrap(): Promise<void> {
  const env = loadApiEnv();
  const app = await createApiApp(env);
  const prisma = app.get(PrismaService).client;
  await seedBenchmarks(prisma);
  if (env.FER_BOOTSTRAP_API_KEY && !(await prisma.apiKey.findUnique({ where: { hash: hashApiKey(env.FER_BOOTSTRAP_API_KEY) } }))) {
    await createApiKey(prisma, { name: 'bootstrap-admin', role: 'admin', key: env.FER_BOOTSTRAP_API_KEY });
  }
  await app.listen(env.FER_API_PORT, env.FER_API_HOST);
  const url = await app.getUrl();
  process.stdout.write(JSON.stringify({ level: 30, msg: `API listening on ${url}/api/v1 (OpenAPI: ${url}/api/docs)` }) + '\n');
}

bootstrap().catch((error: Error) => {
  process.stderr.write(`API failed to start: ${error.message}\n`);
  process.exit(1);
});
