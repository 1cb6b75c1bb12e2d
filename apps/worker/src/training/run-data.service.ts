import { FeatureCache, describeFrozenEngine, augmentFrozenInput, embedImages, extractFeatures, loadBackbone, sharedFrozenBranch, type Backbone, type SharedFrozenBranch } from '@fer/cafe';
import { matchTrunk, readStateDict, type CheckpointTensor, type WeightsReport } from '@fer/weights';
import { confinePath, createBatchStream, getReader, loadRgb, storedReaderOptions, streamedImages, withStoredCrops, type DatasetFormat, type Sample } from '@fer/datasets';
import { readsPrecomputedFeatures, type TrainingConfig } from '@fer/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { delimiter, resolve } from 'node:path';
import { WORKER_ENV, WorkerEnv } from '../config/worker-env.schema';
import { withDatabaseRetry } from '../persistence/database-retry';
import { WorkerPrismaService } from '../persistence/worker-prisma.service';
import type { FeatureSet } from '@fer/cafe';


export interface TrunkWeights {
  /** The path as the config names it. */
  file: string;
  realPath: string;
  tensors: ReadonlyMap<string, CheckpointTensor>;
  report: WeightsReport;
  sha256: string;
  bytes: number;
}

export interface LoadedSplit extends FeatureSet {
  /** The registered samples of the rows, as the dataset's reader finds their pixels. */
  samples: Sample[];
  /** The engine that computed the frozen features (describeFrozenEngine); null when the config reads none. */
  frozenEngine: string | null;
}

/**
 * Turns a registered dataset version into feature sets: the samples come from Postgres (as imported), the pixels
 * from the dataset's reader, the frozen features from the on-disk cache (computed once per image and view).
 */
@Injectable()
export class RunDataService {
  private readonly cache: FeatureCache;
  private readonly backbones = new Map<string, Promise<Backbone>>();

  constructor(
    private readonly prisma: WorkerPrismaService,
    @Inject(WORKER_ENV) private readonly env: WorkerEnv,
  ) {
    this.cache = new FeatureCache(resolve(env.FER_HOME, 'cache', 'features'));
  }

  /** `augment.frozenPath: shared`: the frozen model as a branch of the trained model, run on each batch; else none. */
  async sharedFrozen(config: TrainingConfig): Promise<SharedFrozenBranch | undefined> {
    if (config.augment.frozenPath !== 'shared') return undefined;
    // In the training graph: TF.js tensors in and out, so the TF.js engine whatever FER_FROZEN_ENGINE says.
    return sharedFrozenBranch(await this.backbone(config, 'tfjs'), config.augment.frozenNormalization ?? 'backbone');
  }

  /**
   * The frozen backbone, loaded once per (model, weights, engine): feature extraction runs on FER_FROZEN_ENGINE (ONNX
   * Runtime when it loads, by default), in-graph use on TF.js.
   */
  backbone(config: Pick<TrainingConfig, 'backbone' | 'backboneWeights'>, engine: 'auto' | 'onnx' | 'tfjs' = this.env.FER_FROZEN_ENGINE): Promise<Backbone> {
    const key = `${config.backbone}:${config.backboneWeights ?? ''}:${engine}`;
    if (!this.backbones.has(key)) {
      const loading = this.confinedWeights(config.backboneWeights, 'backboneWeights').then((weightsPath) =>
        loadBackbone(config.backbone, { weightsPath, engine, threads: this.env.FER_FROZEN_THREADS }),
      );
      loading.catch(() => this.backbones.delete(key));
      this.backbones.set(key, loading);
    }
    return this.backbones.get(key)!;
  }

  /**
   * The API checked the weights path when the run was created; it is checked again here, by real path, because the
   * file system may have changed since (a file swapped for a symlink that leads out of the data roots).
   */
  private async confinedWeights(path: string | undefined, field: 'backboneWeights' | 'trunkWeights'): Promise<string | undefined> {
    if (!path) return undefined;
    const roots = this.env.FER_DATA_ROOTS.split(delimiter).filter(Boolean);
    if (roots.length === 0) throw new Error(`${field} ${path}: this worker has no FER_DATA_ROOTS, so it reads no weights file; set it as on the API`);
    const confined = await confinePath(roots, path);
    if (!confined.ok) throw new Error(`${field} refused by the worker: ${confined.message}`);
    return confined.realPath;
  }

  /**
   * `trunkWeights`: the user's pretrained ResNet-18 state dict, read (never executed) from inside the data roots, with
   * what loading it into the trunk will do (strict=False) and the file's digest, for the run's records. Refuses a file
   * of another architecture before training starts.
   */
  async trunkWeights(config: Pick<TrainingConfig, 'trunkWeights'>): Promise<TrunkWeights | undefined> {
    const path = await this.confinedWeights(config.trunkWeights, 'trunkWeights');
    if (!path) return undefined;
    const bytes = await readFile(path);
    const tensors = await readStateDict(path);
    return {
      file: config.trunkWeights!,
      realPath: path,
      tensors,
      report: matchTrunk(tensors, 'resnet18', config.trunkWeights!),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
    };
  }

  /**
   * Features of the samples of the given splits (in key order), both views when `withFlipped`; for a config that reads
   * no precomputed features (the image-space baselines; `frozenPath: shared`, whose frozen model runs every step), the
   * images alone (dim 0, no frozen model run here).
   */
  async load(
    datasetId: string,
    splits: string[],
    config: TrainingConfig,
    options: {
      withFlipped: boolean;
      withImages?: boolean;
      onProgress?(done: number, total: number, cached: number): void;
      shouldStop?(): boolean;
    },
  ): Promise<LoadedSplit> {
    const { rows, samples } = await this.resolveSamples(datasetId, splits);
    if (!readsPrecomputedFeatures(config)) {
      const readable = samples.map((s) => s.sample);
      options.onProgress?.(rows.length, rows.length, 0);
      return {
        n: rows.length,
        dim: 0,
        features: new Float32Array(0),
        labels: Int32Array.from(rows.map((r) => r.label)),
        images: streamedImages(readable, config.imageSize),
        samples: readable,
        frozenEngine: null,
      };
    }
    const backbone = await this.backbone(config);
    const views = options.withFlipped ? (['original', 'flipped'] as const) : (['original'] as const);
    const extracted = await extractFeatures(
      backbone,
      samples.map(({ row, sample }) => ({ contentHash: row.contentHash, loadRgb: (size: number) => loadRgb(sample, size) })),
      { cache: this.cache, views, batchSize: 32, onProgress: options.onProgress, shouldStop: options.shouldStop },
    );
    await withDatabaseRetry(() =>
      this.prisma.client.featureCacheEntry.upsert({
        where: { datasetId_backbone_engine: { datasetId, backbone: backbone.name, engine: backbone.engine ?? 'tfjs' } },
        create: {
          id: `${datasetId}.${backbone.name}${backbone.engine === 'onnx' ? '.onnx' : ''}`,
          datasetId,
          backbone: backbone.name,
          engine: backbone.engine ?? 'tfjs',
          featureDim: extracted.dim,
          samples: rows.length,
          computed: extracted.computed,
          fromCache: extracted.fromCache,
          seconds: 0,
        },
        update: { samples: rows.length, computed: extracted.computed, fromCache: extracted.fromCache },
      }),
    );
    const readable = samples.map((s) => s.sample);
    return {
      n: rows.length,
      dim: extracted.dim,
      features: extracted.views.original,
      flipped: (extracted.views as Record<string, Float32Array>).flipped,
      labels: Int32Array.from(rows.map((r) => r.label)),
      // Image-space mask nets (resnet18) also see the pixels, at the config's resolution, decoded per batch.
      images: options.withImages ? streamedImages(readable, config.imageSize) : undefined,
      samples: readable,
      frozenEngine: describeFrozenEngine(backbone),
    };
  }

  /** The registered samples of the splits (in key order), with their pixels as the dataset's reader finds them. */
  private async resolveSamples(datasetId: string, splits: string[]) {
    const dataset = await withDatabaseRetry(() => this.prisma.client.dataset.findUniqueOrThrow({ where: { id: datasetId } }));
    const rows = await withDatabaseRetry(() =>
      this.prisma.client.datasetSample.findMany({ where: { datasetId, split: { in: splits } }, orderBy: { key: 'asc' } }),
    );
    if (rows.length === 0) throw new Error(`dataset ${dataset.name} v${dataset.version} has no samples in split(s) ${splits.join(', ')}`);
    const reader = getReader(dataset.format as DatasetFormat);
    const read = await reader.read(dataset.root, storedReaderOptions(dataset));
    const cropDir = (dataset.options as { cropDir?: string }).cropDir;
    const byKey = new Map<string, Sample>((cropDir ? withStoredCrops(read.samples, cropDir) : read.samples).map((s) => [s.key, s]));
    const samples = rows.map((row) => {
      const sample = byKey.get(row.key);
      if (!sample) throw new Error(`sample ${row.key} of dataset ${dataset.name} v${dataset.version} is gone from ${dataset.root}; re-import the dataset`);
      return { row, sample };
    });
    return { rows, samples };
  }

  /**
   * `augment.frozenPath: recompute`: features of the rows of a loaded split, the frozen model run on images augmented
   * from (seed, epoch, row) — a fresh pass over the backbone, never cached.
   */
  async augmentedFeatures(split: LoadedSplit, config: TrainingConfig, seed: number, epoch: number): Promise<FeatureSet> {
    const backbone = await this.backbone(config);
    const size = backbone.inputSize;
    const features = new Float32Array(split.n * backbone.featureDim);
    const stream = createBatchStream(split.samples, { batchSize: 32, size, concurrency: 4, prefetchBatches: 1 });
    for await (const batch of stream) {
      const augmented = new Uint8Array(batch.data.length);
      batch.indices.forEach((row, i) => {
        const pixels = batch.data.subarray(i * size * size * 3, (i + 1) * size * size * 3);
        augmented.set(augmentFrozenInput(pixels, size, config.augment, seed, epoch, row), i * size * size * 3);
      });
      features.set(await embedImages(backbone, augmented, batch.indices.length, size), batch.indices[0] * backbone.featureDim);
    }
    return { n: split.n, dim: backbone.featureDim, features, labels: split.labels };
  }
}
