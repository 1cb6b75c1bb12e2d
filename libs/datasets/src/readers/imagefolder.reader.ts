import type { ReaderOptions } from '../sample';
import { splitFromName } from '../split-names';
import { emotionFolderMapper, listFolders, readClassFolders, type SplitFolder } from './class-folder-tree';
import { emptyOutput, type DatasetReader, type ReaderOutput } from './dataset-reader';

/** Split folders directly under the root, recognised by name (train/training, val/valid/validation/dev, test/testing). */
export async function findSplitFolders(root: string, relativeFolder = ''): Promise<SplitFolder[]> {
  const folders: SplitFolder[] = [];
  for (const name of await listFolders(root, relativeFolder)) {
    const split = splitFromName(name);
    if (split) folders.push({ folder: relativeFolder ? `${relativeFolder}/${name}` : name, split });
  }
  return folders;
}

export async function readSplitClassTree(root: string, options: ReaderOptions, output: ReaderOutput): Promise<void> {
  const splitFolders = await findSplitFolders(root);
  if (splitFolders.length === 0) {
    output.problems.push({
      kind: 'bad-layout',
      file: '.',
      message: 'no split folders (train/ val/ test/) found under the dataset root',
    });
    return;
  }
  await readClassFolders(root, splitFolders, emotionFolderMapper(options.numClasses, options.labelMap), output);
}

export const imagefolderReader: DatasetReader = {
  format: 'imagefolder',
  description:
    '<split>/<class>/**/<image>: split folders train|val|valid|validation|test, class folders named by emotion (or --label-map)',
  async read(root, options) {
    const output = emptyOutput();
    await readSplitClassTree(root, options, output);
    return output;
  },
};
