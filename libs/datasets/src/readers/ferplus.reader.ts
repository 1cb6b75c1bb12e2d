import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassCount } from '@fer/contracts';
import { addDrop, type ReaderOptions, type Split } from '../sample';
import { splitFromName } from '../split-names';
import { emptyOutput, type DatasetReader, type ReaderOutput } from './dataset-reader';
import { readSplitClassTree } from './imagefolder.reader';
import { isProblem, parseCsvRows, parseStrictInteger, readLabelFile, type CsvRow } from './label-file';

export const FER2013_CSV = 'fer2013.csv';
export const FERPLUS_CSV = 'fer2013new.csv';
/** The folders written by Microsoft's FERPlus `generate_training_data.py`, each with a `label.csv`. */
export const FERPLUS_EXPORT_FOLDERS: Record<string, Split> = {
  FER2013Train: 'train',
  FER2013Valid: 'val',
  FER2013Test: 'test',
};

/** FERPlus vote columns in file order → canonical index; unknown and not-face are never labels. */
const VOTE_COLUMNS = [
  'neutral',
  'happiness',
  'surprise',
  'sadness',
  'anger',
  'disgust',
  'fear',
  'contempt',
  'unknown',
  'NF',
];
const VOTE_TO_CANONICAL = [6, 3, 0, 4, 5, 2, 1, 7];
const FER_SIDE = 48;

export type VoteOutcome =
  { label: number } | { dropped: 'tie' | 'no-majority' | 'unknown' | 'not-face' | 'contempt' | 'no-votes' };

/**
 * How FERPlus's ten vote counts become one label:
 * - `majority` (the default): FERPlus's own protocol, Microsoft's `majority` training mode (`FERPlusReader._process_data`
 *   in the FERPlus repository's src/ferplus.py, the labels papers report on): votes of 1 are removed as outliers, then
 *   an emotion labels the image only when it holds more than half of the remaining votes; otherwise the image is
 *   unknown and dropped.
 * - `plurality`: the strictly most-voted column, ties dropped (this platform's rule before `majority`; kept as a named
 *   option, and for datasets imported with it).
 * Either way a winner of unknown or not-face drops the image, and contempt does in a 7-class space.
 */
export const FERPLUS_LABEL_RULES = ['majority', 'plurality'] as const;
export type FerplusLabelRule = (typeof FERPLUS_LABEL_RULES)[number];

export function ferplusVote(
  votes: readonly number[],
  numClasses: ClassCount,
  rule: FerplusLabelRule = 'majority',
): VoteOutcome {
  const winner = rule === 'majority' ? majorityWinner(votes) : pluralityWinner(votes);
  if (typeof winner !== 'number') return winner;
  if (winner === 8) return { dropped: 'unknown' };
  if (winner === 9) return { dropped: 'not-face' };
  if (winner === 7 && numClasses === 7) return { dropped: 'contempt' };
  return { label: VOTE_TO_CANONICAL[winner] };
}

function pluralityWinner(votes: readonly number[]): number | { dropped: 'tie' | 'no-votes' } {
  const top = Math.max(...votes);
  if (top <= 0) return { dropped: 'no-votes' };
  const winners = votes.flatMap((count, index) => (count === top ? [index] : []));
  return winners.length > 1 ? { dropped: 'tie' } : winners[0];
}

function majorityWinner(votes: readonly number[]): number | { dropped: 'no-majority' | 'no-votes' } {
  if (Math.max(...votes) <= 0) return { dropped: 'no-votes' };
  const kept = votes.map((count) => (count <= 1 ? 0 : count)); // single votes are outliers
  const total = kept.reduce((a, b) => a + b, 0);
  const top = Math.max(...kept);
  // more than half of the remaining votes (a total of 0 never passes: 0 > 0 is false)
  return top > 0.5 * total ? kept.indexOf(top) : { dropped: 'no-majority' };
}

function parseVotes(row: CsvRow, firstColumn: number, file: string, output: ReaderOutput): number[] | undefined {
  const votes: number[] = [];
  for (let column = 0; column < VOTE_COLUMNS.length; column++) {
    const text = row.fields[firstColumn + column];
    const value = parseStrictInteger(text);
    if (value === undefined || value < 0) {
      output.problems.push({
        kind: 'parse-error',
        file,
        line: row.line,
        field: VOTE_COLUMNS[column],
        message: `vote count "${text}" is not a non-negative integer`,
      });
      return undefined;
    }
    votes.push(value);
  }
  return votes;
}

function dataRows(rows: CsvRow[], headerFirstField: string): CsvRow[] {
  return rows.length > 0 && rows[0].fields[0]?.trim().toLowerCase() === headerFirstField.toLowerCase()
    ? rows.slice(1)
    : rows;
}

async function readFer2013Csv(root: string, options: ReaderOptions, output: ReaderOutput): Promise<void> {
  const [pixelsFile, votesFile] = await Promise.all([
    readLabelFile(root, FER2013_CSV),
    readLabelFile(root, FERPLUS_CSV),
  ]);
  for (const file of [pixelsFile, votesFile]) if (isProblem(file)) output.problems.push(file);
  if (isProblem(pixelsFile) || isProblem(votesFile)) return;
  output.problems.push(...pixelsFile.problems, ...votesFile.problems);
  const pixelsParsed = parseCsvRows(pixelsFile.text, FER2013_CSV);
  const votesParsed = parseCsvRows(votesFile.text, FERPLUS_CSV);
  output.problems.push(...pixelsParsed.problems, ...votesParsed.problems);
  const pixelRows = dataRows(pixelsParsed.rows, 'emotion');
  const voteRows = dataRows(votesParsed.rows, 'Usage');
  if (pixelRows.length !== voteRows.length) {
    output.problems.push({
      kind: 'bad-layout',
      file: FERPLUS_CSV,
      message: `${FERPLUS_CSV} has ${voteRows.length} data rows but ${FER2013_CSV} has ${pixelRows.length}; rows pair up by position`,
    });
    return;
  }
  for (let index = 0; index < pixelRows.length; index++) {
    const pixelRow = pixelRows[index];
    const voteRow = voteRows[index];
    if (pixelRow.fields.length !== 3) {
      output.problems.push({
        kind: 'parse-error',
        file: FER2013_CSV,
        line: pixelRow.line,
        message: `expected 3 columns (emotion,pixels,Usage), found ${pixelRow.fields.length}`,
      });
      continue;
    }
    if (voteRow.fields.length !== 12) {
      output.problems.push({
        kind: 'parse-error',
        file: FERPLUS_CSV,
        line: voteRow.line,
        message: `expected 12 columns (Usage,Image name,10 votes), found ${voteRow.fields.length}`,
      });
      continue;
    }
    const usage = pixelRow.fields[2].trim();
    const split = splitFromName(usage);
    if (split === undefined || !['training', 'publictest', 'privatetest'].includes(usage.toLowerCase())) {
      output.problems.push({
        kind: 'parse-error',
        file: FER2013_CSV,
        line: pixelRow.line,
        field: 'Usage',
        message: `Usage "${usage}" is not Training, PublicTest or PrivateTest`,
      });
      continue;
    }
    if (voteRow.fields[0].trim() !== usage) {
      output.problems.push({
        kind: 'bad-layout',
        file: FERPLUS_CSV,
        line: voteRow.line,
        field: 'Usage',
        message: `Usage "${voteRow.fields[0]}" does not match ${FER2013_CSV} line ${pixelRow.line} ("${usage}")`,
      });
      continue;
    }
    const votes = parseVotes(voteRow, 2, FERPLUS_CSV, output);
    if (!votes) continue;
    const pixelTexts = pixelRow.fields[1].trim().split(/\s+/);
    if (pixelTexts.length !== FER_SIDE * FER_SIDE) {
      output.problems.push({
        kind: 'parse-error',
        file: FER2013_CSV,
        line: pixelRow.line,
        field: 'pixels',
        message: `expected ${FER_SIDE * FER_SIDE} pixel values, found ${pixelTexts.length}`,
      });
      continue;
    }
    const data = new Uint8Array(FER_SIDE * FER_SIDE);
    let bad: string | undefined;
    for (let i = 0; i < pixelTexts.length; i++) {
      const value = /^\d{1,3}$/.test(pixelTexts[i]) ? Number(pixelTexts[i]) : 256;
      if (value > 255) {
        bad = pixelTexts[i];
        break;
      }
      data[i] = value;
    }
    if (bad !== undefined) {
      output.problems.push({
        kind: 'parse-error',
        file: FER2013_CSV,
        line: pixelRow.line,
        field: 'pixels',
        message: `pixel value "${bad}" is not an integer 0-255`,
      });
      continue;
    }
    const outcome = ferplusVote(votes, options.numClasses, options.ferplusLabels);
    if ('dropped' in outcome) {
      addDrop(output.dropped, outcome.dropped);
      continue;
    }
    output.samples.push({
      key: `fer2013/fer${String(index).padStart(7, '0')}`,
      split,
      label: outcome.label,
      image: { kind: 'pixels', width: FER_SIDE, height: FER_SIDE, channels: 1, data },
      source: { file: FER2013_CSV, line: pixelRow.line },
    });
  }
}

async function readMicrosoftExport(root: string, options: ReaderOptions, output: ReaderOutput): Promise<void> {
  for (const [folder, split] of Object.entries(FERPLUS_EXPORT_FOLDERS)) {
    if (!existsSync(join(root, folder))) continue;
    const labelPath = `${folder}/label.csv`;
    const labelFile = await readLabelFile(root, labelPath);
    if (isProblem(labelFile)) {
      output.problems.push(labelFile);
      continue;
    }
    output.problems.push(...labelFile.problems);
    const parsed = parseCsvRows(labelFile.text, labelPath);
    output.problems.push(...parsed.problems);
    for (const row of parsed.rows) {
      if (row.fields.length !== 12) {
        output.problems.push({
          kind: 'parse-error',
          file: labelPath,
          line: row.line,
          message: `expected 12 columns (image,box,10 votes), found ${row.fields.length}`,
        });
        continue;
      }
      const name = row.fields[0].trim();
      if (name === '' || name.includes('/') || name.includes('\\')) {
        output.problems.push({
          kind: 'parse-error',
          file: labelPath,
          line: row.line,
          field: 'image',
          message: `bad image name "${name}"`,
        });
        continue;
      }
      const votes = parseVotes(row, 2, labelPath, output);
      if (!votes) continue;
      const outcome = ferplusVote(votes, options.numClasses, options.ferplusLabels);
      if ('dropped' in outcome) {
        addDrop(output.dropped, outcome.dropped);
        continue;
      }
      output.samples.push({
        key: `${folder}/${name}`,
        split,
        label: outcome.label,
        image: { kind: 'file', path: join(root, folder, name) },
        source: { file: labelPath, line: row.line },
      });
    }
  }
}

export const ferplusReader: DatasetReader = {
  format: 'ferplus',
  description:
    `FERPlus: ${FER2013_CSV} (emotion,pixels,Usage) + ${FERPLUS_CSV} (votes); or FER2013Train|Valid|Test/label.csv + images; ` +
    'or a train|val|test/<emotion>/ image-folder export',
  async read(root, options) {
    const output = emptyOutput();
    if (existsSync(join(root, FER2013_CSV)) || existsSync(join(root, FERPLUS_CSV))) {
      await readFer2013Csv(root, options, output);
    } else if (Object.keys(FERPLUS_EXPORT_FOLDERS).some((folder) => existsSync(join(root, folder)))) {
      await readMicrosoftExport(root, options, output);
    } else {
      await readSplitClassTree(root, options, output);
    }
    return output;
  },
};
