import { SeededRandom } from '@fer/contracts';

/** Channels dropped per class group: round(dropRatio * groupSize), i.e. 10 of 73 with the paper's 10/73. */
export function droppedPerGroup(groupSize: number, dropRatio: number): number {
  return Math.min(groupSize - 1, Math.max(0, Math.round(dropRatio * groupSize)));
}

/**
 * The separation loss' channel-drop mask [C]: in each of the K groups of floor(C/K) channels, a fresh random
 * choice of channels is set to 0, as the official `Mask()` does with random.shuffle. One mask serves the whole
 * batch (as in the official code). Channels past K*groupSize are never pooled and stay 1.
 */
export function drawDropMask(rng: SeededRandom, channels: number, numClasses: number, dropRatio: number): Float32Array {
  const groupSize = Math.floor(channels / numClasses);
  const mask = new Float32Array(channels).fill(1);
  const drop = droppedPerGroup(groupSize, dropRatio);
  const slots = new Int32Array(groupSize);
  for (let k = 0; k < numClasses; k++) {
    for (let i = 0; i < groupSize; i++) slots[i] = i;
    // partial Fisher-Yates: the first `drop` slots are a uniform random subset
    for (let i = 0; i < drop; i++) {
      const j = i + rng.nextInt(groupSize - i);
      const tmp = slots[i];
      slots[i] = slots[j];
      slots[j] = tmp;
      mask[k * groupSize + slots[i]] = 0;
    }
  }
  return mask;
}
