import type { SeededRandom } from '@fer/contracts';

/** What an expression does to the face; units are face half-widths, v grows downwards. */
export interface ExpressionShape {
  /** Mouth corners up (+, smile) or down (-). */
  mouthCurve: number;
  /** Lip separation, 0 closed. */
  mouthOpen: number;
  mouthHalfWidth: number;
  /** Extra brow lift (+ up). */
  browLift: number;
  /** Inner brow ends up (+, sad/fear) or down (-, anger). */
  browTilt: number;
  /** Eye opening relative to neutral. */
  eyeOpen: number;
  /** One mouth corner raised (disgust's sneer). */
  mouthSkew: number;
  teeth: boolean;
  noseWrinkle: boolean;
}

/** Canonical order: surprise, fear, disgust, happiness, sadness, anger, neutral. */
export const EXPRESSION_SHAPES: readonly ExpressionShape[] = [
  {
    mouthCurve: 0,
    mouthOpen: 1,
    mouthHalfWidth: 0.15,
    browLift: 0.11,
    browTilt: 0,
    eyeOpen: 1.5,
    mouthSkew: 0,
    teeth: false,
    noseWrinkle: false,
  },
  {
    mouthCurve: -0.35,
    mouthOpen: 0.45,
    mouthHalfWidth: 0.32,
    browLift: 0.07,
    browTilt: 0.75,
    eyeOpen: 1.4,
    mouthSkew: 0,
    teeth: true,
    noseWrinkle: false,
  },
  {
    mouthCurve: -0.45,
    mouthOpen: 0.12,
    mouthHalfWidth: 0.26,
    browLift: -0.05,
    browTilt: -0.35,
    eyeOpen: 0.55,
    mouthSkew: 0.7,
    teeth: false,
    noseWrinkle: true,
  },
  {
    mouthCurve: 1,
    mouthOpen: 0.38,
    mouthHalfWidth: 0.37,
    browLift: 0.02,
    browTilt: 0,
    eyeOpen: 0.7,
    mouthSkew: 0,
    teeth: true,
    noseWrinkle: false,
  },
  {
    mouthCurve: -0.9,
    mouthOpen: 0,
    mouthHalfWidth: 0.28,
    browLift: 0,
    browTilt: 0.9,
    eyeOpen: 0.65,
    mouthSkew: 0,
    teeth: false,
    noseWrinkle: false,
  },
  {
    mouthCurve: -0.3,
    mouthOpen: 0,
    mouthHalfWidth: 0.24,
    browLift: -0.09,
    browTilt: -1,
    eyeOpen: 0.7,
    mouthSkew: 0,
    teeth: false,
    noseWrinkle: false,
  },
  {
    mouthCurve: 0,
    mouthOpen: 0,
    mouthHalfWidth: 0.28,
    browLift: 0,
    browTilt: 0,
    eyeOpen: 1,
    mouthSkew: 0,
    teeth: false,
    noseWrinkle: false,
  },
];

export interface FaceGeometry extends ExpressionShape {
  /** Centre in pixels, roll in radians, scale = pixels per face unit. */
  centerX: number;
  centerY: number;
  roll: number;
  scale: number;
  /** Horizontal feature shift that mimics a little yaw. */
  yaw: number;
  faceHalfWidth: number;
  faceHalfHeight: number;
  eyeSpacing: number;
  eyeHeight: number;
  mouthHeight: number;
  skin: [number, number, number];
  hair: [number, number, number];
  hairVolume: number;
  iris: [number, number, number];
}

const SKIN_TONES: [number, number, number][] = [
  [250, 220, 196],
  [236, 192, 160],
  [210, 160, 122],
  [170, 118, 84],
  [120, 80, 56],
];

function mix(a: readonly number[], b: readonly number[], t: number): [number, number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** The label's expression with per-sample jitter, on a random identity and pose. */
export function sampleFaceGeometry(label: number, size: number, random: SeededRandom): FaceGeometry {
  const base = EXPRESSION_SHAPES[label];
  const jitter = (spread: number): number => random.normal() * spread;
  const toneIndex = random.uniform(0, SKIN_TONES.length - 1);
  const lower = Math.floor(toneIndex);
  const hairDark = random.uniform(0.05, 0.6);
  return {
    mouthCurve: base.mouthCurve + jitter(0.12),
    mouthOpen: Math.max(0, base.mouthOpen + jitter(0.06)),
    mouthHalfWidth: Math.max(0.1, base.mouthHalfWidth + jitter(0.025)),
    browLift: base.browLift + jitter(0.02),
    browTilt: base.browTilt + jitter(0.12),
    eyeOpen: Math.max(0.3, base.eyeOpen + jitter(0.08)),
    mouthSkew: base.mouthSkew * (random.next() < 0.5 ? -1 : 1) + jitter(0.08),
    teeth: base.teeth,
    noseWrinkle: base.noseWrinkle,
    centerX: size * (0.5 + jitter(0.025)),
    centerY: size * (0.52 + jitter(0.025)),
    roll: jitter(0.08),
    scale: size * 0.34 * random.uniform(0.88, 1.06),
    yaw: jitter(0.05),
    faceHalfWidth: random.uniform(0.82, 1.02),
    faceHalfHeight: random.uniform(1.15, 1.32),
    eyeSpacing: random.uniform(0.33, 0.41),
    eyeHeight: random.uniform(-0.22, -0.12),
    mouthHeight: random.uniform(0.5, 0.62),
    skin: mix(SKIN_TONES[lower], SKIN_TONES[Math.min(lower + 1, SKIN_TONES.length - 1)], toneIndex - lower),
    hair: [40 + 160 * hairDark * random.next(), 30 + 90 * hairDark, 20 + 60 * hairDark],
    hairVolume: random.uniform(0.05, 0.3),
    iris: random.pick([
      [60, 40, 25],
      [40, 70, 110],
      [60, 90, 50],
      [30, 25, 20],
    ]),
  };
}
