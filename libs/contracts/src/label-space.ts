/**
 * The canonical label space: RAF-DB basic order, 0-based. Every dataset reader maps its native labels here.
 * Contempt (index 7) exists only in benchmarks that ask for 8 classes.
 */
export const CANONICAL_EMOTIONS = ['surprise', 'fear', 'disgust', 'happiness', 'sadness', 'anger', 'neutral'] as const;
export const EIGHT_CLASS_EMOTIONS = [...CANONICAL_EMOTIONS, 'contempt'] as const;

export type Emotion = (typeof EIGHT_CLASS_EMOTIONS)[number];
export type ClassCount = 7 | 8;

export function emotionsFor(numClasses: ClassCount): readonly Emotion[] {
  return numClasses === 8 ? EIGHT_CLASS_EMOTIONS : CANONICAL_EMOTIONS;
}

export function emotionIndex(emotion: Emotion, numClasses: ClassCount = 7): number {
  const index = emotionsFor(numClasses).indexOf(emotion);
  if (index < 0) throw new Error(`emotion "${emotion}" is not in the ${numClasses}-class label space`);
  return index;
}
