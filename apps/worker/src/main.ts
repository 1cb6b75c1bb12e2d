import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadWorkerEnv } from './config/worker-env.schema';
import { JobRunnerService } from './jobs/job-runner.service';
import { workerIdentity } from './registration/worker-identity';
import { WorkerRegistryService } from './registration/worker-registry.service';
import { SELFTEST_FAILED_EXIT_CODE, bootSelftest } from './selftest/boot-selftest';
import { initializeBackend } from '@fer/cafe';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const env = loadWorkerEnv();
  const identity = workerIdentity(env);
  // The backend is chosen before any model loads, and what actually loaded is what the worker reports.
  const backend = await initializeBackend(env.FER_BACKEND, identity.device);
  // FER_SELFTEST=boot: the numerics are proven on that backend before any queue or database is touched.
  const selftestLogger = new Logger('Selftest');
  const selftestPassed = await bootSelftest(env, backend, identity.device, {
    log: (line) => {
      if (env.LOG_LEVEL !== 'silent') selftestLogger.log(line);
    },
    error: (text) => process.stderr.write(`${text}\n`),
  });
  if (!selftestPassed) process.exit(SELFTEST_FAILED_EXIT_CODE);
  const app = await NestFactory.createApplicationContext(WorkerModule.forEnv(env, identity), {
    logger: nestLogLevels(env.LOG_LEVEL),
  });
  app.enableShutdownHooks();
  await app.get(WorkerRegistryService).register(backend);
  app.get(JobRunnerService).start();
}

bootstrap().catch((error: Error) => {
  process.stderr.write(`worker failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});

/** Nest's levels for LOG_LEVEL: `debug` and `trace` add the per-job lines of jobs that found nothing to do. */
function nestLogLevels(level: string): false | ('log' | 'warn' | 'error' | 'debug' | 'verbose' | 'fatal')[] {
  if (level === 'silent') return false;
  const levels: ('log' | 'warn' | 'error' | 'debug' | 'verbose' | 'fatal')[] = ['fatal', 'error', 'warn', 'log'];
  if (level === 'debug' || level === 'trace') levels.push('debug');
  if (level === 'trace') levels.push('verbose');
  return levels;
}
