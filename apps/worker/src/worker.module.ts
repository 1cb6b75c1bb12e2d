import { JobQueues, createRedisConnection } from '@fer/queues';
import { DynamicModule, Module } from '@nestjs/common';
import { CheckpointStore } from './artifacts/checkpoint.store';
import { WORKER_ENV, WorkerEnv } from './config/worker-env.schema';
import { EvaluateJob } from './jobs/evaluate.job';
import { ExtractFeaturesJob } from './jobs/extract-features.job';
import { JOB_QUEUES } from './jobs/job-queues.token';
import { JobRunnerService } from './jobs/job-runner.service';
import { ProbeJob } from './jobs/probe.job';
import { TrainJob } from './jobs/train.job';
import { RunLogWriter } from './persistence/run-log.writer';
import { WorkerPrismaService } from './persistence/worker-prisma.service';
import { WorkerIdentity } from './registration/worker-identity';
import { WORKER_IDENTITY, WorkerRegistryService } from './registration/worker-registry.service';
import { RunDataService } from './training/run-data.service';
import { EarlyStoppingService } from './training/early-stopping.service';

/** The worker is Nest without HTTP: the same DI and lifecycle as the API, booted as an application context. */
@Module({})
export class WorkerModule {
  static forEnv(env: WorkerEnv, identity: WorkerIdentity): DynamicModule {
    return {
      module: WorkerModule,
      providers: [
        { provide: WORKER_ENV, useValue: env },
        { provide: WORKER_IDENTITY, useValue: identity },
        {
          provide: JOB_QUEUES,
          useFactory: () => new JobQueues(createRedisConnection(env.REDIS_URL), env.FER_QUEUE_PREFIX),
        },
        WorkerPrismaService,
        WorkerRegistryService,
        RunLogWriter,
        CheckpointStore,
        RunDataService,
        EarlyStoppingService,
        TrainJob,
        EvaluateJob,
        ExtractFeaturesJob,
        ProbeJob,
        JobRunnerService,
      ],
    };
  }
}
