import type { Canvas } from './face-renderer';
import type { SeededRandom } from '@fer/contracts';

export const SYNTH_DOMAINS = ['synth-studio', 'synth-lowres', 'synth-wild', 'synth-dark', 'synth-noisy'] as const;
export type SynthDomain = (typeof SYNTH_DOMAINS)[number];

export interface DomainStyle {
  domain: SynthDomain;
  /** One line for the README and the benchmark's description. */
  look: string;
  paintBackground(canvas: Canvas, random: SeededRandom): void;
  finish(canvas: Canvas, random: SeededRandom): void;
  /** Re-encode as JPEG at this quality before the PNG is written (compression artefacts). */
  jpegQuality?(random: SeededRandom): number;
}

function fill(canvas: Canvas, color: (x: number, y: number) => readonly [number, number, number]): void {
  const { size, data } = canvas;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [r, g, b] = color(x / size, y / size);
      const offset = (y * size + x) * 3;
      data[offset] = r;
      data[offset + 1] = g;
      data[offset + 2] = b;
    }
  }
}

function addNoise(canvas: Canvas, random: SeededRandom, sigma: number): void {
  const { data } = canvas;
  for (let i = 0; i < data.length; i++) data[i] += random.normal() * sigma;
}

function mapPixels(canvas: Canvas, transform: (value: number, channel: number) => number): void {
  const { data } = canvas;
  for (let i = 0; i < data.length; i++) data[i] = transform(data[i], i % 3);
}

/** Box-downsample by `factor`, then bilinear upsample back: the look of an upscaled thumbnail. */
function degradeResolution(canvas: Canvas, factor: number): void {
  const { size, data } = canvas;
  const small = Math.max(2, Math.round(size / factor));
  const cell = size / small;
  const low = new Float32Array(small * small * 3);
  const counts = new Float32Array(small * small);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(small - 1, Math.floor(y / cell));
    for (let x = 0; x < size; x++) {
      const sx = Math.min(small - 1, Math.floor(x / cell));
      const target = sy * small + sx;
      counts[target] += 1;
      for (let c = 0; c < 3; c++) low[target * 3 + c] += data[(y * size + x) * 3 + c];
    }
  }
  for (let i = 0; i < small * small; i++) for (let c = 0; c < 3; c++) low[i * 3 + c] /= counts[i];
  for (let y = 0; y < size; y++) {
    const fy = Math.max(0, Math.min(small - 1, (y + 0.5) / cell - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(small - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.max(0, Math.min(small - 1, (x + 0.5) / cell - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(small - 1, x0 + 1);
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const top = low[(y0 * small + x0) * 3 + c] * (1 - wx) + low[(y0 * small + x1) * 3 + c] * wx;
        const bottom = low[(y1 * small + x0) * 3 + c] * (1 - wx) + low[(y1 * small + x1) * 3 + c] * wx;
        data[(y * size + x) * 3 + c] = top * (1 - wy) + bottom * wy;
      }
    }
  }
}

const studio: DomainStyle = {
  domain: 'synth-studio',
  look: 'clean, bright, evenly lit pale background',
  paintBackground(canvas, random) {
    const tint = random.uniform(-8, 8);
    fill(canvas, (_x, y) => [236 - 18 * y + tint, 238 - 16 * y, 242 - 10 * y - tint]);
  },
  finish(canvas, random) {
    addNoise(canvas, random, 1.5);
  },
};

const lowres: DomainStyle = {
  domain: 'synth-lowres',
  look: 'a thumbnail upscaled: 16-22 px of real detail, blurred, muted plain background',
  paintBackground(canvas, random) {
    const base = [random.uniform(110, 190), random.uniform(110, 180), random.uniform(100, 170)];
    fill(canvas, (x) => [base[0] - 20 * x, base[1] - 10 * x, base[2]]);
  },
  finish(canvas, random) {
    degradeResolution(canvas, canvas.size / random.uniform(16, 22));
    addNoise(canvas, random, 2);
  },
};

const wild: DomainStyle = {
  domain: 'synth-wild',
  look: 'cluttered coloured background, side lighting and a strong colour cast',
  paintBackground(canvas, random) {
    const ground = [random.uniform(40, 200), random.uniform(40, 200), random.uniform(40, 200)];
    fill(canvas, (x, y) => [ground[0] + 40 * x, ground[1] + 30 * y, ground[2] - 30 * x]);
    const { size, data } = canvas;
    const shapes = 6 + Math.floor(random.next() * 8);
    for (let s = 0; s < shapes; s++) {
      const color = [random.uniform(0, 255), random.uniform(0, 255), random.uniform(0, 255)];
      const cx = random.uniform(0, size);
      const cy = random.uniform(0, size);
      const rx = random.uniform(0.05, 0.3) * size;
      const ry = random.uniform(0.05, 0.3) * size;
      const round = random.next() < 0.5;
      for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(size, Math.ceil(cy + ry)); y++) {
        for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(size, Math.ceil(cx + rx)); x++) {
          if (round && ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 > 1) continue;
          const offset = (y * size + x) * 3;
          for (let c = 0; c < 3; c++) data[offset + c] = color[c];
        }
      }
    }
  },
  finish(canvas, random) {
    const cast = [random.uniform(0.78, 1.2), random.uniform(0.78, 1.2), random.uniform(0.78, 1.2)];
    const angle = random.uniform(0, 2 * Math.PI);
    const strength = random.uniform(0.2, 0.5);
    const { size, data } = canvas;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const light = 1 + strength * ((x / size - 0.5) * Math.cos(angle) + (y / size - 0.5) * Math.sin(angle)) * 2;
        const offset = (y * size + x) * 3;
        for (let c = 0; c < 3; c++) data[offset + c] *= cast[c] * light;
      }
    }
    addNoise(canvas, random, 4);
  },
};

const dark: DomainStyle = {
  domain: 'synth-dark',
  look: 'low light: dim, low contrast, blue-shifted, with sensor noise',
  paintBackground(canvas, random) {
    const level = random.uniform(20, 60);
    fill(canvas, (x, y) => [level + 10 * x, level + 5 * y, level + 20]);
  },
  finish(canvas, random) {
    const gain = random.uniform(0.3, 0.5);
    const lift = random.uniform(6, 18);
    mapPixels(canvas, (value, channel) => lift + value * gain * (channel === 2 ? 1.2 : channel === 0 ? 0.85 : 1));
    addNoise(canvas, random, 3.5);
  },
};

const noisy: DomainStyle = {
  domain: 'synth-noisy',
  look: 'heavy Gaussian noise and blocky low-quality JPEG artefacts',
  paintBackground(canvas, random) {
    const base = random.uniform(90, 200);
    fill(canvas, (x, y) => [base - 30 * y, base - 20 * x, base]);
  },
  finish(canvas, random) {
    addNoise(canvas, random, random.uniform(16, 30));
  },
  jpegQuality(random) {
    return Math.round(random.uniform(10, 25));
  },
};

export const DOMAIN_STYLES: Record<SynthDomain, DomainStyle> = {
  'synth-studio': studio,
  'synth-lowres': lowres,
  'synth-wild': wild,
  'synth-dark': dark,
  'synth-noisy': noisy,
};
