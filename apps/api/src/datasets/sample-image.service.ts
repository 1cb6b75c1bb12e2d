import { getReader, sampleToSharp, storedReaderOptions, withStoredCrops, type Sample } from '@fer/datasets';
import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { PrismaService } from '../database/prisma.service';

const THUMBNAIL_PX = 128;
const READ_CACHE_SIZE = 4;

/** Thumbnails of registered samples for the web UI, read through the dataset's own reader. */
@Injectable()
export class SampleImageService {
  // Reading a dataset means listing its tree or parsing its label files: the last few are kept per API process.
  private readonly samplesByDataset = new Map<string, Promise<Map<string, Sample>>>();

  constructor(private readonly prisma: PrismaService) {}

  async thumbnail(datasetId: string, key: string): Promise<Buffer> {
    const registered = await this.prisma.client.datasetSample.findUnique({ where: { datasetId_key: { datasetId, key } } });
    if (!registered) throw ApiError.notFound('sample', `${datasetId}/${key}`);
    const sample = (await this.samples(datasetId)).get(key);
    if (!sample) throw ApiError.notFound('sample file', key);
    return sampleToSharp(sample).rotate().resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: 'cover' }).png().toBuffer();
  }

  private samples(datasetId: string): Promise<Map<string, Sample>> {
    let cached = this.samplesByDataset.get(datasetId);
    if (!cached) {
      cached = this.read(datasetId);
      cached.catch(() => this.samplesByDataset.delete(datasetId));
      this.samplesByDataset.set(datasetId, cached);
      if (this.samplesByDataset.size > READ_CACHE_SIZE) this.samplesByDataset.delete(this.samplesByDataset.keys().next().value!);
    }
    return cached;
  }

  private async read(datasetId: string): Promise<Map<string, Sample>> {
    const dataset = await this.prisma.client.dataset.findUniqueOrThrow({ where: { id: datasetId } });
    const output = await getReader(dataset.format).read(dataset.root, storedReaderOptions(dataset));
    const cropDir = (dataset.options as { cropDir?: string }).cropDir;
    return new Map((cropDir ? withStoredCrops(output.samples, cropDir) : output.samples).map((s) => [s.key, s]));
  }
}
