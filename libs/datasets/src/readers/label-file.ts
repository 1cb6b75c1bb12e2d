import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { DatasetProblem } from '../validation/dataset-problem';

export interface LabelFileText {
  /** Lines with invalid UTF-8 are blanked, so line numbers still match the file. */
  text: string;
  problems: DatasetProblem[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a label file strictly: each line that is not valid UTF-8 is a problem naming its line, never mojibake. */
export async function readLabelFile(root: string, relativePath: string): Promise<LabelFileText | DatasetProblem> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(root, relativePath));
  } catch (error) {
    return {
      kind: 'missing-label-file',
      file: relativePath,
      message: `cannot read label file: ${(error as Error).message}`,
    };
  }
  const problems: DatasetProblem[] = [];
  try {
    return { text: stripBom(utf8.decode(bytes)), problems };
  } catch {
    const lines: string[] = [];
    let start = 0;
    for (let lineNumber = 1; start <= bytes.length; lineNumber++) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      try {
        lines.push(utf8.decode(bytes.subarray(start, end)));
      } catch {
        problems.push({
          kind: 'invalid-utf8',
          file: relativePath,
          line: lineNumber,
          message: 'line is not valid UTF-8',
        });
        lines.push('');
      }
      start = end + 1;
    }
    return { text: stripBom(lines.join('\n')), problems };
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function isProblem(value: unknown): value is DatasetProblem {
  return typeof value === 'object' && value !== null && 'kind' in value && 'message' in value;
}

export interface CsvRow {
  line: number;
  fields: string[];
}

/** Parses CSV text into rows with their 1-based line numbers; column counts are checked by the caller. */
export function parseCsvRows(text: string, file: string): { rows: CsvRow[]; problems: DatasetProblem[] } {
  try {
    const records = parse(text, {
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
      trim: false,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    return { rows: records.map(({ record, info }) => ({ line: info.lines, fields: record })), problems: [] };
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    return {
      rows: [],
      problems: [{ kind: 'parse-error', file, line, message: `not valid CSV: ${(error as Error).message}` }],
    };
  }
}

/** Splits plain text into non-empty lines with their 1-based numbers. */
export function textLines(text: string): { line: number; content: string }[] {
  return text
    .split('\n')
    .map((content, index) => ({ line: index + 1, content: content.replace(/\r$/, '') }))
    .filter(({ content }) => content.trim() !== '');
}

/** A strict integer parse: `"5"` → 5; `"5.0"`, `"5x"`, `""` → undefined. */
export function parseStrictInteger(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}
