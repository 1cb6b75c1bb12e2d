import { DatasetDto } from '@fer/contracts';
import { createFaceDetector, cropFaces, DATASET_FORMATS, FERPLUS_LABEL_RULES, sampleContentHash, validateDataset } from '@fer/datasets';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../common/api-error';
import { API_ENV, ApiEnv, dataRootsOf } from '../config/api-env.schema';
import { PrismaService } from '../database/prisma.service';
import { toDatasetDto } from './datasets.service';
import { LineageService } from '../benchmarks/lineage.service';
import { SubmissionCatalogCache } from './submission-catalog.cache';

export const importDatasetSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/i, 'letters, digits, ".", "_" and "-" (1-100)'),
    format: z.enum(DATASET_FORMATS),
    path: z.string().min(1).max(4096),
    /** The domain this dataset stands for in benchmarks (e.g. rafdb); default: the name. */
    domain: z.string().min(1).max(100).optional(),
    numClasses: z.union([z.literal(7), z.literal(8)]).default(7),
    labelMap: z.record(z.string(), z.string()).optional(),
    skipBad: z.boolean().default(false),
    /** Detect and crop the largest face of every image (for datasets that are not aligned face crops). */
    cropFaces: z.boolean().default(false),
    /** FERPlus only: how vote counts become labels; default `majority`, FERPlus's own protocol (libs/datasets README). */
    ferplusLabels: z.enum(FERPLUS_LABEL_RULES).optional(),
  })
  .strict()
  .refine((body) => body.ferplusLabels === undefined || body.format === 'ferplus', {
    message: 'ferplusLabels applies to format ferplus only',
    path: ['ferplusLabels'],
  });
export type ImportDatasetInput = z.output<typeof importDatasetSchema>;

/**
 * Validates every file first (exists, decodes, label parses, inside a data root), then registers the dataset and
 * its samples in one transaction: a bad dataset stores nothing. Same content as a registered version = that
 * version; changed content = a new version, old versions never change.
 */
@Injectable()
export class DatasetImportService {
  private readonly logger = new Logger(DatasetImportService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly lineage: LineageService,
    private readonly catalogs: SubmissionCatalogCache,
    @Inject(API_ENV) private readonly env: ApiEnv,
  ) {}

  async import(input: ImportDatasetInput): Promise<{ dataset: DatasetDto; created: boolean }> {
    const dataRoots = dataRootsOf(this.env);
    if (dataRoots.length === 0) {
      throw ApiError.validation('no data roots are configured', [{ field: 'path', message: 'set FER_DATA_ROOTS on the API to the folders datasets may be imported from' }]);
    }
    // The label rule is part of what a dataset is: recorded in its options (read again with it) and its import report,
    // and a different rule gives different labels, so a different checksum and version.
    const ferplusLabels = input.format === 'ferplus' ? (input.ferplusLabels ?? 'majority') : undefined;
    const { report, samples } = await validateDataset({
      format: input.format,
      path: input.path,
      dataRoots,
      numClasses: input.numClasses,
      labelMap: input.labelMap as never,
      skipBad: input.skipBad,
      ferplusLabels,
    });
    if (!report.valid || !report.checksum) {
      const problems = report.problems.slice(0, 50).map((p) => ({
        field: 'path',
        message: [p.file, p.line ? `line ${p.line}` : '', p.field ? `field ${p.field}` : '', p.message].filter(Boolean).join(': '),
      }));
      throw ApiError.validation(`dataset at ${input.path} is invalid: ${report.totalProblems} problem(s); nothing was registered`, problems);
    }
    const existing = await this.prisma.client.dataset.findFirst({ where: { name: input.name, checksum: report.checksum } });
    if (existing) return { dataset: toDatasetDto(existing), created: false };
    const id = randomUUID();
    let registered = samples;
    let faceCrop: object | undefined;
    let cropDir: string | undefined;
    if (input.cropFaces) {
      cropDir = resolve(this.env.FER_HOME, 'crops', id);
      const detector = await createFaceDetector({ model: 'tiny' });
      const result = await cropFaces(samples, { detector, outDir: cropDir, onNoFace: 'keep' });
      registered = result.samples;
      faceCrop = { detector: 'face-api tiny face detector', counts: result.counts, records: result.records };
    }
    const hashes = await Promise.all(registered.map((s) => sampleContentHash(s)));
    const dataset = await this.prisma.client.$transaction(
      async (tx) => {
        const previous = await tx.dataset.aggregate({ where: { name: input.name }, _max: { version: true } });
        const row = await tx.dataset.create({
          data: {
            id,
            name: input.name,
            format: input.format,
            domain: input.domain ?? input.name,
            root: report.root,
            version: (previous._max.version ?? 0) + 1,
            checksum: report.checksum!,
            numClasses: input.numClasses,
            status: 'ready',
            counts: report.counts as object,
            importReport: {
              problemCounts: report.problemCounts,
              totalProblems: report.totalProblems,
              skipped: report.skipped,
              faceCrop,
              ...(ferplusLabels ? { labelRule: `ferplus-${ferplusLabels}` } : {}),
            } as object,
            options: { labelMap: input.labelMap, cropDir, ...(ferplusLabels ? { ferplusLabels } : {}) } as object,
          },
        });
        for (let i = 0; i < registered.length; i += 5000) {
          await tx.datasetSample.createMany({
            data: registered.slice(i, i + 5000).map((s, j) => ({ datasetId: id, key: s.key, split: s.split, label: s.label, contentHash: hashes[i + j] })),
          });
        }
        return row;
      },
      { timeout: 120_000 },
    );
    // This process resolves the new version from its next submission on; other replicas once the trigger's notification arrives.
    this.catalogs.invalidate();
    // Announced after the commit; a failure to announce never undoes the import (the refresh endpoint remains).
    await this.lineage.datasetChanged(dataset).catch((error: Error) => this.logger.warn(`lineage check after ${dataset.name} v${dataset.version} failed: ${error.message}`));
    return { dataset: toDatasetDto(dataset), created: true };
  }
}
