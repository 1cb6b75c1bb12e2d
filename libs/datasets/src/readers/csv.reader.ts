import { join } from 'node:path';
import { emotionFromName } from '../emotion-names';
import { applyLabelMap } from '../label-map';
import { addDrop } from '../sample';
import { splitFromName } from '../split-names';
import { toKey } from './class-folder-tree';
import { emptyOutput, type DatasetReader, type ReaderOutput } from './dataset-reader';
import { isProblem, parseCsvRows, readLabelFile } from './label-file';

export const DEFAULT_CSV_LABEL_FILE = 'labels.csv';

export const csvReader: DatasetReader = {
  format: 'csv',
  description:
    'CSV of path,label[,split] (optional header row "path,label,split"), paths relative to the CSV; labels through --label-map ' +
    '(emotion names work without one); split train|val|test (default train)',
  async read(root, options): Promise<ReaderOutput> {
    const output = emptyOutput();
    const file = options.labelFile ?? DEFAULT_CSV_LABEL_FILE;
    const labelFile = await readLabelFile(root, file);
    if (isProblem(labelFile)) {
      output.problems.push(labelFile);
      return output;
    }
    output.problems.push(...labelFile.problems);
    const parsed = parseCsvRows(labelFile.text, file);
    output.problems.push(...parsed.problems);
    let rows = parsed.rows;
    if (rows.length === 0) return output;
    const hasHeader = rows[0].fields[0]?.trim().toLowerCase() === 'path';
    const columns = rows[0].fields.length;
    if (hasHeader) rows = rows.slice(1);
    if (columns !== 2 && columns !== 3) {
      output.problems.push({
        kind: 'parse-error',
        file,
        line: parsed.rows[0].line,
        message: `expected 2 or 3 columns (path,label[,split]), found ${columns}`,
      });
      return output;
    }
    for (const { line, fields } of rows) {
      const at = { file, line };
      if (fields.length !== columns) {
        output.problems.push({
          ...at,
          kind: 'parse-error',
          message: `expected ${columns} columns like the first row, found ${fields.length}`,
        });
        continue;
      }
      const [imagePath, nativeLabel, splitText] = fields.map((field) => field.trim());
      if (imagePath === '') {
        output.problems.push({ ...at, kind: 'parse-error', field: 'path', message: 'empty path' });
        continue;
      }
      const split = splitText === undefined ? (options.defaultSplit ?? 'train') : splitFromName(splitText);
      if (split === undefined) {
        output.problems.push({
          ...at,
          kind: 'parse-error',
          field: 'split',
          message: `split "${splitText}" is not train, val or test`,
        });
        continue;
      }
      const mapped = options.labelMap
        ? applyLabelMap(options.labelMap, nativeLabel, options.numClasses)
        : emotionFromName(nativeLabel, options.numClasses);
      if (mapped === undefined) {
        output.problems.push({
          ...at,
          kind: 'unknown-label',
          field: 'label',
          message: options.labelMap
            ? `label "${nativeLabel}" is not in the label map`
            : `label "${nativeLabel}" is not an emotion name (give a label map)`,
        });
        continue;
      }
      if ('dropped' in mapped) {
        addDrop(output.dropped, mapped.dropped);
        continue;
      }
      output.samples.push({
        key: toKey(imagePath.replace(/\\/g, '/')).replace(/^\.\//, ''),
        split,
        label: mapped.label,
        image: { kind: 'file', path: join(root, imagePath) },
        source: at,
      });
    }
    return output;
  },
};
