import { emotionFolderMapper, findFolder, listFolders, readClassFolders, type SplitFolder } from './class-folder-tree';
import { emptyOutput, type DatasetReader } from './dataset-reader';

/**
 * SFEW 2.0: `Train/<Emotion>/` and `Val/<Emotion>/`; some copies put the emotion folders one level down in
 * `Train/Train_Aligned_Faces/`. Its test labels were never released, so Val is the test split.
 */
export const sfewReader: DatasetReader = {
  format: 'sfew',
  description:
    'SFEW 2.0: Train/<Emotion>/ and Val/<Emotion>/ (Angry, Disgust, Fear, Happy, Neutral, Sad, Surprise); Val → test',
  async read(root, options) {
    const output = emptyOutput();
    const splitFolders: SplitFolder[] = [];
    for (const [name, split] of [
      ['Train', 'train'],
      ['Val', 'test'],
    ] as const) {
      const folder = await findFolder(root, '', [name]);
      if (folder === undefined) {
        output.problems.push({ kind: 'bad-layout', file: `${name}/`, message: `SFEW folder ${name}/ is missing` });
        continue;
      }
      const children = await listFolders(root, folder);
      const aligned = children.find((child) => /aligned_faces$/i.test(child));
      splitFolders.push({ folder: aligned ? `${folder}/${aligned}` : folder, split });
    }
    await readClassFolders(root, splitFolders, emotionFolderMapper(options.numClasses, options.labelMap), output);
    return output;
  },
};
