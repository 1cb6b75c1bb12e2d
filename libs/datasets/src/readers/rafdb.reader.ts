import { join } from 'node:path';
import type { DatasetReader, ReaderOutput } from './dataset-reader';
import { emptyOutput } from './dataset-reader';
import { isProblem, parseStrictInteger, readLabelFile, textLines } from './label-file';
import type { Split } from '../sample';

export const RAFDB_LABEL_FILE = 'EmoLabel/list_patition_label.txt';
export const RAFDB_IMAGE_FOLDER = 'Image/aligned';

/** RAF-DB basic: labels 1-7 are already the canonical order, 1-based. No val split is distributed. */
export const rafdbReader: DatasetReader = {
  format: 'rafdb',
  description: `RAF-DB basic: ${RAFDB_LABEL_FILE} ("train_00001.jpg 5", labels 1-7) + ${RAFDB_IMAGE_FOLDER}/<name>_aligned.jpg`,
  async read(root): Promise<ReaderOutput> {
    const output = emptyOutput();
    const labelFile = await readLabelFile(root, RAFDB_LABEL_FILE);
    if (isProblem(labelFile)) {
      output.problems.push(labelFile);
      return output;
    }
    output.problems.push(...labelFile.problems);
    for (const { line, content } of textLines(labelFile.text)) {
      const fields = content.trim().split(/\s+/);
      const problem = { file: RAFDB_LABEL_FILE, line };
      if (fields.length !== 2) {
        output.problems.push({
          ...problem,
          kind: 'parse-error',
          message: `expected "<image> <label>", found ${fields.length} fields`,
        });
        continue;
      }
      const [name, labelText] = fields;
      const split: Split | undefined = name.startsWith('train_')
        ? 'train'
        : name.startsWith('test_')
          ? 'test'
          : undefined;
      const match = /^(.+)\.(jpg|jpeg|png)$/i.exec(name);
      if (split === undefined || match === null || name.includes('/') || name.includes('\\')) {
        output.problems.push({
          ...problem,
          kind: 'parse-error',
          field: 'image',
          message: `image name "${name}" is not train_*.jpg or test_*.jpg`,
        });
        continue;
      }
      const nativeLabel = parseStrictInteger(labelText);
      if (nativeLabel === undefined) {
        output.problems.push({
          ...problem,
          kind: 'parse-error',
          field: 'label',
          message: `label "${labelText}" is not an integer`,
        });
        continue;
      }
      if (nativeLabel < 1 || nativeLabel > 7) {
        output.problems.push({
          ...problem,
          kind: 'unknown-label',
          field: 'label',
          message: `label ${nativeLabel} is not in 1-7`,
        });
        continue;
      }
      const imagePath = `${RAFDB_IMAGE_FOLDER}/${match[1]}_aligned.${match[2]}`;
      output.samples.push({
        key: imagePath,
        split,
        label: nativeLabel - 1,
        image: { kind: 'file', path: join(root, imagePath) },
        source: { file: RAFDB_LABEL_FILE, line },
      });
    }
    return output;
  },
};
