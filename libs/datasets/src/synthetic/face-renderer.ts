import type { FaceGeometry } from './expression-geometry';

/** An RGB float canvas (0-255), row-major; styles paint the background and post-process it. */
export interface Canvas {
  size: number;
  data: Float32Array;
}

export function createCanvas(size: number): Canvas {
  return { size, data: new Float32Array(size * size * 3) };
}

type Rgb = readonly [number, number, number];

function coverage(signedDistance: number, pixel: number): number {
  const value = 0.5 - signedDistance / pixel;
  return value <= 0 ? 0 : value >= 1 ? 1 : value;
}

/** Approximate signed distance to an axis-aligned ellipse (negative inside), good enough for 1-px antialiasing. */
function ellipseDistance(u: number, v: number, cu: number, cv: number, a: number, b: number): number {
  const du = (u - cu) / a;
  const dv = (v - cv) / b;
  return (Math.sqrt(du * du + dv * dv) - 1) * Math.min(a, b);
}

function segmentDistance(u: number, v: number, u0: number, v0: number, u1: number, v1: number): number {
  const du = u1 - u0;
  const dv = v1 - v0;
  const t = Math.max(0, Math.min(1, ((u - u0) * du + (v - v0) * dv) / (du * du + dv * dv)));
  const eu = u - (u0 + t * du);
  const ev = v - (v0 + t * dv);
  return Math.sqrt(eu * eu + ev * ev);
}

// One pixel's colour while layers are painted over it (module-level: no allocation per pixel).
const pen = new Float32Array(3);

function paint(color: Rgb, alpha: number, shade = 1): void {
  if (alpha <= 0) return;
  pen[0] += (color[0] * shade - pen[0]) * alpha;
  pen[1] += (color[1] * shade - pen[1]) * alpha;
  pen[2] += (color[2] * shade - pen[2]) * alpha;
}

/** Draws one face over whatever the canvas holds; every feature is evaluated per pixel in face coordinates. */
export function drawFace(canvas: Canvas, face: FaceGeometry): void {
  const { size, data } = canvas;
  const pixel = 1 / face.scale;
  const cos = Math.cos(face.roll);
  const sin = Math.sin(face.roll);
  const reach = face.scale * 2.2;
  const x0 = Math.max(0, Math.floor(face.centerX - reach));
  const x1 = Math.min(size - 1, Math.ceil(face.centerX + reach));
  const y0 = Math.max(0, Math.floor(face.centerY - reach));
  const y1 = size - 1;
  const a = face.faceHalfWidth;
  const b = face.faceHalfHeight;
  const skin = face.skin;
  const lip: Rgb = [skin[0] * 0.78 + 20, skin[1] * 0.5, skin[2] * 0.5];
  const feature: Rgb = [skin[0] * 0.55, skin[1] * 0.5, skin[2] * 0.5];
  const brow: Rgb = [face.hair[0] * 0.7, face.hair[1] * 0.7, face.hair[2] * 0.7];
  const eyeHalfHeight = 0.075 * face.eyeOpen;
  const browBase = face.eyeHeight - 0.17 - face.browLift;
  const mouthU = face.yaw;
  const mouthV = face.mouthHeight;
  const mouthW = face.mouthHalfWidth;

  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - face.centerX;
      const dy = y + 0.5 - face.centerY;
      const u = (dx * cos + dy * sin) / face.scale;
      const v = (-dx * sin + dy * cos) / face.scale;
      const offset = (y * size + x) * 3;
      pen[0] = data[offset];
      pen[1] = data[offset + 1];
      pen[2] = data[offset + 2];

      // Neck and shoulders, then hair behind the face.
      if (v > 0.6) {
        const neck = Math.max(Math.abs(u) - 0.42 - Math.max(0, v - 1.6) * 1.2, 0.7 - v);
        paint(skin, coverage(neck, pixel), 0.82);
      }
      paint(
        face.hair,
        coverage(ellipseDistance(u, v, 0, -0.28, a + 0.1 + face.hairVolume * 0.4, b * 0.86 + face.hairVolume), pixel),
      );

      const faceDistance = ellipseDistance(u, v, 0, 0, a, b);
      const inFace = coverage(faceDistance, pixel);
      if (inFace <= 0) {
        data[offset] = pen[0];
        data[offset + 1] = pen[1];
        data[offset + 2] = pen[2];
        continue;
      }
      const radial = (u / a) * (u / a) + (v / b) * (v / b);
      paint(skin, inFace, 1.04 - 0.2 * radial);

      const fu = u - face.yaw * 0.6;
      for (let side = -1; side <= 1 && Math.abs(v - face.eyeHeight) < 0.45; side += 2) {
        const eu = side * face.eyeSpacing;
        const eyeDistance = ellipseDistance(fu, v, eu, face.eyeHeight, 0.15, eyeHalfHeight);
        const sclera = coverage(eyeDistance, pixel);
        if (sclera > 0) {
          paint([238, 236, 230], sclera);
          const irisDistance = Math.hypot(fu - eu, v - face.eyeHeight) - 0.068;
          paint(face.iris, Math.min(sclera, coverage(irisDistance, pixel)));
          paint([10, 10, 10], Math.min(sclera, coverage(irisDistance + 0.036, pixel)));
        }
        paint(feature, coverage(Math.abs(eyeDistance) - 0.014, pixel), 0.6);

        const innerU = side * 0.11;
        const outerU = side * 0.5;
        const innerV = browBase - face.browTilt * 0.075;
        const outerV = browBase + face.browTilt * 0.03;
        const midU = (innerU + outerU) / 2;
        const midV = (innerV + outerV) / 2 - 0.03;
        const browDistance = Math.min(
          segmentDistance(fu, v, innerU, innerV, midU, midV),
          segmentDistance(fu, v, midU, midV, outerU, outerV),
        );
        paint(brow, coverage(browDistance - 0.045, pixel));
      }

      const noseTop = face.eyeHeight + 0.06;
      if (v > noseTop - 0.1 && v < mouthV - 0.1 && Math.abs(fu) < 0.2) {
        const noseBottom = mouthV - 0.2;
        paint(feature, coverage(segmentDistance(fu, v, 0.02, noseTop, 0.06, noseBottom) - 0.012, pixel), 1.1);
        paint(
          feature,
          coverage(segmentDistance(fu, v, -0.08, noseBottom + 0.02, 0.08, noseBottom + 0.02) - 0.016, pixel),
        );
        if (face.noseWrinkle) {
          for (const wrinkle of [0.0, 0.06]) {
            paint(
              feature,
              coverage(
                segmentDistance(fu, v, -0.08, noseTop + wrinkle, 0.08, noseTop + wrinkle - 0.015) - 0.012,
                pixel,
              ),
            );
          }
        }
      }

      const t = (u - mouthU) / mouthW;
      if (Math.abs(t) < 1.3 && Math.abs(v - mouthV) < 0.4) {
        const clampedT = Math.max(-1, Math.min(1, t));
        const centre = mouthV - face.mouthCurve * 0.13 * clampedT * clampedT + face.mouthSkew * 0.07 * clampedT;
        const slope = Math.abs((2 * face.mouthCurve * 0.13 * clampedT) / mouthW) + 1;
        const bulge = face.mouthOpen * 0.13 * Math.sqrt(Math.max(0, 1 - clampedT * clampedT));
        const top = centre - bulge * 0.55;
        const bottom = centre + bulge * 1.45;
        const ends = coverage((Math.abs(t) - 1) * mouthW, pixel);
        if (face.mouthOpen > 0.03 && v > top && v < bottom) {
          const inside = Math.min(ends, coverage(Math.max(top - v, v - bottom), pixel));
          const teeth = face.teeth && v < top + (bottom - top) * 0.4;
          paint(teeth ? [240, 238, 228] : [70, 18, 24], inside);
        }
        const lipDistance = Math.min(Math.abs(v - top), Math.abs(v - bottom)) / slope - 0.036;
        paint(lip, Math.min(ends, coverage(lipDistance, pixel)));
      }

      data[offset] = pen[0];
      data[offset + 1] = pen[1];
      data[offset + 2] = pen[2];
    }
  }
}
