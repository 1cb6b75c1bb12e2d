import { z } from 'zod';
import { DEFAULT_MODEL_SELECTION } from './leaderboard';
import { MODEL_SELECTIONS } from './training-config.schema';

/** `?selection=` of every view that shows accuracies (leaderboard, transfer matrix, run page, sweep ablation). */
export const selectionQuerySchema = z.object({
  selection: z.enum(MODEL_SELECTIONS).default(DEFAULT_MODEL_SELECTION),
});
