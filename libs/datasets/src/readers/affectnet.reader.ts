import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassCount } from '@fer/contracts';
import { addDrop, type Split } from '../sample';
import { emptyOutput, type DatasetReader, type ReaderOutput } from './dataset-reader';
import { isProblem, parseCsvRows, parseStrictInteger, readLabelFile } from './label-file';

export const AFFECTNET_FILES: readonly { file: string; split: Split }[] = [
  { file: 'training.csv', split: 'train' },
  // AffectNet's test set is not public: its validation set is everyone's test set.
  { file: 'validation.csv', split: 'test' },
];
export const AFFECTNET_IMAGE_FOLDERS = ['Manually_Annotated_Images', 'Manually_Annotated/Manually_Annotated_Images'];
const COLUMNS = [
  'subDirectory_filePath',
  'face_x',
  'face_y',
  'face_width',
  'face_height',
  'facial_landmarks',
  'expression',
  'valence',
  'arousal',
];
const CODE_TO_CANONICAL = [6, 3, 4, 0, 1, 2, 5, 7];
const DROPPED_CODES: Record<number, string> = { 8: 'none', 9: 'uncertain', 10: 'non-face' };

export type AffectNetCodeOutcome = { label: number } | { dropped: string } | undefined;

/** AffectNet expression code 0-10 → canonical; undefined for a code outside 0-10. */
export function affectnetCode(code: number, numClasses: ClassCount): AffectNetCodeOutcome {
  if (code === 7 && numClasses === 7) return { dropped: 'contempt' };
  if (code >= 0 && code <= 7) return { label: CODE_TO_CANONICAL[code] };
  if (DROPPED_CODES[code]) return { dropped: DROPPED_CODES[code] };
  return undefined;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export const affectnetReader: DatasetReader = {
  format: 'affectnet',
  description:
    'AffectNet manual annotations: training.csv, validation.csv (subDirectory_filePath,face box,landmarks,expression 0-10,' +
    'valence,arousal) + Manually_Annotated_Images/<subDirectory_filePath>; validation → test',
  async read(root, options): Promise<ReaderOutput> {
    const output = emptyOutput();
    const imageFolder = AFFECTNET_IMAGE_FOLDERS.find((folder) => existsSync(join(root, folder))) ?? '';
    for (const { file, split } of AFFECTNET_FILES) {
      const labelFile = await readLabelFile(root, file);
      if (isProblem(labelFile)) {
        output.problems.push(labelFile);
        continue;
      }
      output.problems.push(...labelFile.problems);
      const parsed = parseCsvRows(labelFile.text, file);
      output.problems.push(...parsed.problems);
      // training.csv has a header; some copies of validation.csv do not.
      const rows = parsed.rows[0]?.fields[0]?.trim() === COLUMNS[0] ? parsed.rows.slice(1) : parsed.rows;
      for (const { line, fields } of rows) {
        const at = { file, line };
        if (fields.length !== COLUMNS.length) {
          output.problems.push({
            ...at,
            kind: 'parse-error',
            message: `expected ${COLUMNS.length} columns (${COLUMNS.join(',')}), found ${fields.length}`,
          });
          continue;
        }
        const box = [1, 2, 3, 4].map((column) => parseStrictInteger(fields[column]));
        const badBox = box.findIndex((value) => value === undefined || value < 0);
        if (badBox >= 0) {
          output.problems.push({
            ...at,
            kind: 'parse-error',
            field: COLUMNS[badBox + 1],
            message: `"${fields[badBox + 1]}" is not a non-negative integer`,
          });
          continue;
        }
        const badFloat = [7, 8].find((column) => !DECIMAL.test(fields[column].trim()));
        if (badFloat !== undefined) {
          output.problems.push({
            ...at,
            kind: 'parse-error',
            field: COLUMNS[badFloat],
            message: `"${fields[badFloat]}" is not a number`,
          });
          continue;
        }
        const code = parseStrictInteger(fields[6]);
        if (code === undefined) {
          output.problems.push({
            ...at,
            kind: 'parse-error',
            field: 'expression',
            message: `"${fields[6]}" is not an integer`,
          });
          continue;
        }
        const outcome = affectnetCode(code, options.numClasses);
        if (outcome === undefined) {
          output.problems.push({
            ...at,
            kind: 'unknown-label',
            field: 'expression',
            message: `expression code ${code} is not in 0-10`,
          });
          continue;
        }
        if ('dropped' in outcome) {
          addDrop(output.dropped, outcome.dropped);
          continue;
        }
        const relativeImage = imageFolder ? `${imageFolder}/${fields[0].trim()}` : fields[0].trim();
        const [x, y, width, height] = box as number[];
        output.samples.push({
          key: relativeImage,
          split,
          label: outcome.label,
          image: { kind: 'file', path: join(root, relativeImage) },
          source: at,
          ...(width > 0 && height > 0 ? { faceBox: { x, y, width, height } } : {}),
        });
      }
    }
    return output;
  },
};
