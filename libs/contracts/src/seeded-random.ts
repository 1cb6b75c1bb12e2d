import { createHash } from 'node:crypto';

/**
 * The platform's one seeded PRNG (xoshiro128**), for everything random: training (initialisation, shuffling, drop
 * masks, augmentation), the synthetic benchmark, random sweep search and the chaos suite's fault schedule. Its whole
 * state is four uint32 words, saved in every checkpoint so that a resumed run draws exactly the numbers an
 * uninterrupted one would.
 */
export type RandomState = [number, number, number, number];

export class SeededRandom {
  private s: Uint32Array;

  constructor(seed: number | RandomState) {
    this.s = new Uint32Array(4);
    if (Array.isArray(seed)) {
      this.setState(seed);
      return;
    }
    // splitmix32 spreads a small integer seed over the 128-bit state (an all-zero state would be stuck).
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** Seeded from the sha256 of a text: the same text gives the same stream on any machine. */
  static fromText(text: string): SeededRandom {
    const digest = createHash('sha256').update(text).digest();
    const state: RandomState = [
      digest.readUInt32LE(0),
      digest.readUInt32LE(4),
      digest.readUInt32LE(8),
      digest.readUInt32LE(12),
    ];
    return new SeededRandom(state.every((word) => word === 0) ? 1 : state);
  }

  /** Uniform uint32. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** One of the items, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.nextInt(items.length)];
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller; no cached spare so that the state stays four words). */
  normal(): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    return order;
  }

  getState(): RandomState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  setState(state: RandomState): void {
    if (state.length !== 4 || state.every((w) => w === 0))
      throw new Error('random state must be four uint32 words, not all zero');
    for (let i = 0; i < 4; i++) this.s[i] = state[i] >>> 0;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
