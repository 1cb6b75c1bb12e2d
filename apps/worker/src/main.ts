import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadWorkerEnv } from './config/worker-env.schema';
import { JobRunnerService } from './jobs/job-runner.service';
import { workerIdentity } from './registration/worker-identity';
import { WorkerRegistryService } from './registration/worker-registry.service';
import { initializeBackend } from '@fer/cafe';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const env = loadWorkerEnv();
  const identity = workerIdentity(env);
  // The backend is chosen before any model loads, and what actually loaded is what the worker reports.
  const backend = await initializeBackend(env.FER_BACKEND, identity.device);
  const app = await NestFactory.createApplicationContext(WorkerModule.forEnv(env, identity), {
    logger: env.LOG_LEVEL === 'silent' ? false : ['log', 'warn', 'error'],
  });
  app.enableShutdownHooks();
  await app.get(WorkerRegistryService).register(backend);
  app.get(JobRunnerService).start();
}

bootstrap().catch((error: Error) => {
  process.stderr.write(`worker failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
