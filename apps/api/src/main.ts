import 'reflect-metadata';
import { seedBenchmarks } from './benchmarks/benchmarks.service';
import { createApiApp } from './api-app.factory';
import { loadApiEnv } from './config/api-env.schema';
import { PrismaService } from './database/prisma.service';

async function bootstrap(): Promise<void> {
  const env = loadApiEnv();
  const app = await createApiApp(env);
  await seedBenchmarks(app.get(PrismaService).client);
  await app.listen(env.FER_API_PORT, env.FER_API_HOST);
  const url = await app.getUrl();
  app.get(PrismaService); // eagerly resolved: fail at boot, not at the first request
  process.stdout.write(JSON.stringify({ level: 30, msg: `API listening on ${url}/api/v1 (OpenAPI: ${url}/api/docs)` }) + '\n');
}

bootstrap().catch((error: Error) => {
  process.stderr.write(`API failed to start: ${error.message}\n`);
  process.exit(1);
});
