import { emotionFolderMapper, findFolder, readClassFolders, type SplitFolder } from './class-folder-tree';
import { emptyOutput, type DatasetReader } from './dataset-reader';

export const mmaReader: DatasetReader = {
  format: 'mma',
  description:
    'MMA Facial Expression: train/, valid/, test/ each with <emotion>/ folders (angry, disgust, fear, happy, neutral, sad, surprise)',
  async read(root, options) {
    const output = emptyOutput();
    const splitFolders: SplitFolder[] = [];
    for (const [name, split] of [
      ['train', 'train'],
      ['valid', 'val'],
      ['test', 'test'],
    ] as const) {
      const folder = await findFolder(root, '', [name]);
      if (folder === undefined)
        output.problems.push({ kind: 'bad-layout', file: `${name}/`, message: `MMA folder ${name}/ is missing` });
      else splitFolders.push({ folder, split });
    }
    await readClassFolders(root, splitFolders, emotionFolderMapper(options.numClasses, options.labelMap), output);
    return output;
  },
};
