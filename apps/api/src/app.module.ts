import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import { redactUrl } from './common/redact-url';
import { AuditInterceptor } from './audit/audit.interceptor';
import { BenchmarksController } from './benchmarks/benchmarks.controller';
import { BenchmarksService } from './benchmarks/benchmarks.service';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { ApiKeyThrottlerGuard } from './common/api-key-throttler.guard';
import { API_ENV, ApiEnv } from './config/api-env.schema';
import { DatabaseModule } from './database/database.module';
import { JobQueuesModule } from './queues/job-queues.module';
import { DatasetsController } from './datasets/datasets.controller';
import { DatasetsService } from './datasets/datasets.service';
import { DatasetImportService } from './datasets/dataset-import.service';
import { SampleImageService } from './datasets/sample-image.service';
import { DroppedWrites } from './health/dropped-writes';
import { HealthController } from './health/health.controller';
import { AuthenticationCache } from './keys/authentication-cache';
import { ApiKeyGuard } from './keys/api-key.guard';
import { AuthFailureLimiter } from './keys/auth-failure.limiter';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsService } from './sessions/sessions.service';
import { ApiKeysController } from './keys/api-keys.controller';
import { ApiKeysService } from './keys/api-keys.service';
import { LeaderboardsController } from './leaderboards/leaderboards.controller';
import { LeaderboardsService } from './leaderboards/leaderboards.service';
import { ProbesController } from './queues/probes.controller';
import { ProbesService } from './queues/probes.service';
import { QueuesController } from './queues/queues.controller';
import { QueuesService } from './queues/queues.service';
import { ReconcilerService } from './queues/reconciler.service';
import { SweepSchedulerService } from './sweeps/sweep-scheduler.service';
import { TrainDispatchService } from './queues/train-dispatch.service';
import { LineageService } from './benchmarks/lineage.service';
import { RunsController } from './runs/runs.controller';
import { RunsService } from './runs/runs.service';
import { SweepsController } from './sweeps/sweeps.controller';
import { SweepsService } from './sweeps/sweeps.service';
import { WebhookDeliveryService } from './webhooks/webhook-delivery.service';
import { WebhooksController } from './webhooks/webhooks.controller';
import { SubmissionCatalogCache } from './datasets/submission-catalog.cache';

@Module({})
export class AppModule {
  static forEnv(env: ApiEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        { module: ConfigHolderModule, global: true, providers: [{ provide: API_ENV, useValue: env }], exports: [API_ENV] },
        LoggerModule.forRoot({
          pinoHttp: {
            level: env.LOG_LEVEL,
            // A request line names the request, never its headers (credentials travel in them: keys, session
            // cookies, idempotency keys), so there is nothing to redact but the query string. pino-http serializes
            // these for every request whatever the level; headers through a redaction cost more than the rest.
            serializers: {
              req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
                id: req.id,
                method: req.method,
                url: redactUrl(req.url),
                remoteAddress: req.remoteAddress,
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
            autoLogging: { ignore: (req) => req.url?.startsWith('/api/v1/health') ?? false },
          },
        }),
        ThrottlerModule.forRoot([{ name: 'default', ttl: 60_000, limit: env.FER_RATE_LIMIT_PER_MINUTE }]),
        DatabaseModule,
        JobQueuesModule,
      ],
      controllers: [
        HealthController,
        BenchmarksController,
        DatasetsController,
        SweepsController,
        RunsController,
        LeaderboardsController,
        QueuesController,
        ProbesController,
        ApiKeysController,
        SessionsController,
        WebhooksController,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
        BenchmarksService,
        DatasetsService,
        DatasetImportService,
        SampleImageService,
        SweepsService,
        RunsService,
        LeaderboardsService,
        QueuesService,
        ProbesService,
        ReconcilerService,
        SweepSchedulerService,
        TrainDispatchService,
        LineageService,
        ApiKeysService,
        DroppedWrites,
        SessionsService,
        { provide: AuthFailureLimiter, useFactory: () => new AuthFailureLimiter(env.FER_AUTH_FAILURES_PER_MINUTE) },
        AuthenticationCache,
        SubmissionCatalogCache,
        WebhookDeliveryService,
      ],
    };
  }
}

@Module({})
class ConfigHolderModule {}

