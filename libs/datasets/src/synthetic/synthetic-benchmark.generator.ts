import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { CANONICAL_EMOTIONS } from '@fer/contracts';
import { DOMAIN_STYLES, SYNTH_DOMAINS, type SynthDomain } from './domain-styles';
import { sampleFaceGeometry } from './expression-geometry';
import { createCanvas, drawFace } from './face-renderer';
import { SeededRandom } from '@fer/contracts';

export interface SyntheticBenchmarkOptions {
  outDir: string;
  perClassTrain: number;
  perClassTest: number;
  /** Square side in pixels; default 64. */
  size?: number;
  /** Any string or number; equal seeds give byte-identical files. */
  seed: string | number;
  /** Default: all five `synth5` domains. */
  domains?: readonly SynthDomain[];
  /**
   * `imagefolder` (default): `<domain>/{train,test}/<emotion>/<n>.png`.
   * `rafdb`: `<domain>/EmoLabel/list_patition_label.txt` + `<domain>/Image/aligned/<split>_<n>_aligned.png`.
   */
  layout?: 'imagefolder' | 'rafdb';
  /** Images encoded in parallel; default 4. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SyntheticDomainOutput {
  domain: SynthDomain;
  /** The folder to register with the `imagefolder` (or `rafdb`) reader. */
  root: string;
  format: 'imagefolder' | 'rafdb';
  counts: { train: number; test: number };
}

export interface SyntheticBenchmarkResult {
  synthetic: true;
  domains: SyntheticDomainOutput[];
  files: number;
  elapsedMs: number;
}

/** Renders one synthetic sample to raw RGB bytes (size*size*3); the same arguments always give the same bytes. */
export function renderSyntheticFace(
  domain: SynthDomain,
  label: number,
  size: number,
  seedText: string,
): { rgb: Uint8Array; jpegQuality?: number } {
  const random = SeededRandom.fromText(seedText);
  const style = DOMAIN_STYLES[domain];
  const canvas = createCanvas(size);
  style.paintBackground(canvas, random);
  drawFace(canvas, sampleFaceGeometry(label, size, random));
  style.finish(canvas, random);
  const rgb = new Uint8Array(canvas.data.length);
  for (let i = 0; i < rgb.length; i++) {
    const value = Math.round(canvas.data[i]);
    rgb[i] = value < 0 ? 0 : value > 255 ? 255 : value;
  }
  return { rgb, jpegQuality: style.jpegQuality?.(random) };
}

/** PNG bytes of one synthetic sample (JPEG round trip first for styles with compression artefacts). */
export async function encodeSyntheticFace(
  domain: SynthDomain,
  label: number,
  size: number,
  seedText: string,
): Promise<Buffer> {
  const { rgb, jpegQuality } = renderSyntheticFace(domain, label, size, seedText);
  const raw = { raw: { width: size, height: size, channels: 3 as const } };
  let image = sharp(rgb, raw);
  if (jpegQuality !== undefined) {
    const jpeg = await image.jpeg({ quality: jpegQuality, chromaSubsampling: '4:2:0' }).toBuffer();
    image = sharp(jpeg);
  }
  return image.png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
}

interface PlannedImage {
  domain: SynthDomain;
  split: 'train' | 'test';
  label: number;
  index: number;
  relativePath: string;
}

/**
 * Writes the synthetic five-domain benchmark (`synth5`): real PNG files of procedurally drawn faces whose geometry
 * carries the label, each domain in its own visual style. It is synthetic data and is labelled so everywhere.
 */
export async function generateSyntheticBenchmark(
  options: SyntheticBenchmarkOptions,
): Promise<SyntheticBenchmarkResult> {
  const started = performance.now();
  const size = options.size ?? 64;
  const layout = options.layout ?? 'imagefolder';
  const domains = options.domains ?? SYNTH_DOMAINS;
  if (!Number.isInteger(size) || size < 16) throw new Error(`size must be an integer ≥ 16, got ${size}`);
  for (const count of [options.perClassTrain, options.perClassTest]) {
    if (!Number.isInteger(count) || count < 0)
      throw new Error(`per-class counts must be non-negative integers, got ${count}`);
  }
  const plan: PlannedImage[] = [];
  const outputs: SyntheticDomainOutput[] = [];
  const labelLines = new Map<SynthDomain, string[]>();
  for (const domain of domains) {
    const lines: string[] = [];
    for (const [split, perClass] of [
      ['train', options.perClassTrain],
      ['test', options.perClassTest],
    ] as const) {
      let serial = 0;
      for (let label = 0; label < CANONICAL_EMOTIONS.length; label++) {
        for (let index = 0; index < perClass; index++) {
          serial += 1;
          const name = String(index).padStart(5, '0');
          let relativePath: string;
          if (layout === 'rafdb') {
            const base = `${split}_${String(serial).padStart(5, '0')}`;
            relativePath = `Image/aligned/${base}_aligned.png`;
            lines.push(`${base}.png ${label + 1}`);
          } else {
            relativePath = `${split}/${CANONICAL_EMOTIONS[label]}/${name}.png`;
          }
          plan.push({ domain, split, label, index, relativePath });
        }
      }
    }
    labelLines.set(domain, lines);
    outputs.push({
      domain,
      root: join(options.outDir, domain),
      format: layout,
      counts: {
        train: options.perClassTrain * CANONICAL_EMOTIONS.length,
        test: options.perClassTest * CANONICAL_EMOTIONS.length,
      },
    });
  }

  const folders = new Set(plan.map((item) => join(options.outDir, item.domain, item.relativePath, '..')));
  for (const folder of folders) await mkdir(folder, { recursive: true });
  if (layout === 'rafdb') {
    for (const domain of domains) {
      await mkdir(join(options.outDir, domain, 'EmoLabel'), { recursive: true });
      await writeFile(
        join(options.outDir, domain, 'EmoLabel/list_patition_label.txt'),
        labelLines.get(domain)!.join('\n') + '\n',
      );
    }
  }

  let next = 0;
  let done = 0;
  const seed = String(options.seed);
  const worker = async (): Promise<void> => {
    while (next < plan.length) {
      const item = plan[next++];
      const seedText = `synth5/${seed}/${item.domain}/${item.split}/${item.label}/${item.index}`;
      const png = await encodeSyntheticFace(item.domain, item.label, size, seedText);
      await writeFile(join(options.outDir, item.domain, item.relativePath), png);
      options.onProgress?.(++done, plan.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return { synthetic: true, domains: outputs, files: plan.length, elapsedMs: performance.now() - started };
}

/** One PNG grid: a row per domain, a column per class (canonical order), for the README and the web UI. */
export async function renderSyntheticContactSheet(
  options: { size?: number; seed?: string | number; perCell?: number } = {},
): Promise<Buffer> {
  const size = options.size ?? 64;
  const perCell = options.perCell ?? 1;
  const columns = CANONICAL_EMOTIONS.length * perCell;
  const composites: sharp.OverlayOptions[] = [];
  for (let row = 0; row < SYNTH_DOMAINS.length; row++) {
    for (let label = 0; label < CANONICAL_EMOTIONS.length; label++) {
      for (let k = 0; k < perCell; k++) {
        const seedText = `contact-sheet/${options.seed ?? 0}/${SYNTH_DOMAINS[row]}/${label}/${k}`;
        const input = await encodeSyntheticFace(SYNTH_DOMAINS[row], label, size, seedText);
        composites.push({ input, left: (label * perCell + k) * (size + 2), top: row * (size + 2) });
      }
    }
  }
  return sharp({
    create: {
      width: columns * (size + 2) - 2,
      height: SYNTH_DOMAINS.length * (size + 2) - 2,
      channels: 3,
      background: '#ffffff',
    },
  })
    .composite(composites)
    .png()
    .toBuffer();
}
