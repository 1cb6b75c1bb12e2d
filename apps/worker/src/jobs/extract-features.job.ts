import { JobPayload, QueueName, trainingConfigSchema } from '@fer/contracts';
import { Injectable } from '@nestjs/common';
import { RunDataService } from '../training/run-data.service';
import type { JobContext, JobHandler, JobOutcome } from './job-handler';

/** Warms the feature cache for a dataset under a backbone (both views), ahead of the runs that need it. */
@Injectable()
export class ExtractFeaturesJob implements JobHandler<QueueName.ExtractFeatures> {
  readonly queue = QueueName.ExtractFeatures;

  constructor(private readonly data: RunDataService) {}

  async handle({ datasetId, backbone }: JobPayload<QueueName.ExtractFeatures>, context: JobContext): Promise<JobOutcome> {
    const config = trainingConfigSchema.parse({ backbone });
    const set = await this.data.load(datasetId, ['train', 'val', 'test'], config, {
      withFlipped: true,
      onProgress: (done, total) => void context.updateProgress(done / total).catch(() => undefined),
    });
    return { status: 'success', detail: `${set.n} images, ${set.dim}-d` };
  }
}
