import type { ClassCount } from '@fer/contracts';

/** Folder and label names seen in FER datasets, lower-cased, → canonical index (7 = contempt). */
const EMOTION_SYNONYMS: Record<string, number> = {
  surprise: 0,
  surprised: 0,
  suprise: 0,
  fear: 1,
  fearful: 1,
  afraid: 1,
  scared: 1,
  disgust: 2,
  disgusted: 2,
  happiness: 3,
  happy: 3,
  joy: 3,
  sadness: 4,
  sad: 4,
  anger: 5,
  angry: 5,
  neutral: 6,
  contempt: 7,
};

export type EmotionNameResult = { label: number } | { dropped: 'contempt' } | undefined;

/** Maps an emotion name (case-insensitive, with common synonyms) to the canonical space; contempt is dropped in 7 classes. */
export function emotionFromName(name: string, numClasses: ClassCount): EmotionNameResult {
  const index = EMOTION_SYNONYMS[name.trim().toLowerCase()];
  if (index === undefined) return undefined;
  if (index === 7 && numClasses === 7) return { dropped: 'contempt' };
  return { label: index };
}
