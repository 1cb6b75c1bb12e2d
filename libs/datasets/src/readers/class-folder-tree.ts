import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ClassCount } from '@fer/contracts';
import { emotionFromName } from '../emotion-names';
import { applyLabelMap, type LabelMap } from '../label-map';
import { addDrop, type Split } from '../sample';
import { isInside } from '../validation/path-confinement';
import type { ReaderOutput } from './dataset-reader';

const IGNORED_FILES = new Set(['thumbs.db', 'desktop.ini']);

export interface SplitFolder {
  /** Relative to the dataset root. */
  folder: string;
  split: Split;
}

/** Lists sub-folders of a folder (following symlinks that stay inside the root), sorted by name. */
export async function listFolders(root: string, relativeFolder: string): Promise<string[]> {
  const entries = await readdir(join(root, relativeFolder), { withFileTypes: true }).catch(() => []);
  const folders: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) folders.push(entry.name);
    else if (entry.isSymbolicLink()) {
      const target = await stat(join(root, relativeFolder, entry.name)).catch(() => undefined);
      if (target?.isDirectory()) folders.push(entry.name);
    }
  }
  return folders.sort();
}

/**
 * Every file below a folder, relative to the root, sorted. A symlinked folder that resolves outside the root is not
 * entered; it is reported. Symlinked files are listed and checked (realpath) later by the validator.
 */
export async function walkFiles(root: string, relativeFolder: string, output: ReaderOutput): Promise<string[]> {
  const realRoot = await realpath(root);
  const files: string[] = [];
  const visited = new Set<string>();
  const visit = async (folder: string): Promise<void> => {
    const absolute = join(root, folder);
    const real = await realpath(absolute).catch(() => undefined);
    if (real === undefined || visited.has(real)) return;
    if (!isInside(realRoot, real)) {
      output.problems.push({
        kind: 'path-escape',
        file: toKey(folder),
        message: `folder is a symlink to ${real}, outside the dataset root`,
      });
      return;
    }
    visited.add(real);
    const entries = await readdir(absolute, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || IGNORED_FILES.has(entry.name.toLowerCase())) continue;
      const child = join(folder, entry.name);
      let isDirectory = entry.isDirectory();
      if (entry.isSymbolicLink())
        isDirectory = (await stat(join(root, child)).catch(() => undefined))?.isDirectory() ?? false;
      if (isDirectory) await visit(child);
      else files.push(child);
    }
  };
  await visit(relativeFolder);
  return files;
}

export function toKey(relativePath: string): string {
  return relativePath.split(sep).join('/');
}

export type ClassNameMapper = (folderName: string) => { label: number } | { dropped: string } | undefined;

export function emotionFolderMapper(numClasses: ClassCount, labelMap?: LabelMap): ClassNameMapper {
  return (name) => (labelMap ? applyLabelMap(labelMap, name, numClasses) : emotionFromName(name, numClasses));
}

/** Reads `<split folder>/<class folder>/**` trees: one sample per file, labelled by its class folder's name. */
export async function readClassFolders(
  root: string,
  splitFolders: readonly SplitFolder[],
  mapClass: ClassNameMapper,
  output: ReaderOutput,
): Promise<void> {
  for (const { folder, split } of splitFolders) {
    for (const classFolder of await listFolders(root, folder)) {
      const relativeClassFolder = join(folder, classFolder);
      const mapped = mapClass(classFolder);
      if (mapped === undefined) {
        output.problems.push({
          kind: 'unknown-label',
          file: toKey(relativeClassFolder),
          field: 'class folder',
          message: `folder name "${classFolder}" is not an emotion name (give a label map to map it)`,
        });
        continue;
      }
      const files = await walkFiles(root, relativeClassFolder, output);
      if ('dropped' in mapped) {
        addDrop(output.dropped, mapped.dropped, files.length);
        continue;
      }
      for (const file of files) {
        output.samples.push({
          key: toKey(file),
          split,
          label: mapped.label,
          image: { kind: 'file', path: join(root, file) },
        });
      }
    }
  }
}

/** Finds the child folder whose name matches one of `names`, case-insensitively. */
export async function findFolder(
  root: string,
  relativeFolder: string,
  names: readonly string[],
): Promise<string | undefined> {
  const wanted = names.map((name) => name.toLowerCase());
  const match = (await listFolders(root, relativeFolder)).find((name) => wanted.includes(name.toLowerCase()));
  return match === undefined ? undefined : join(relativeFolder, match);
}

export function relativeKey(root: string, absolutePath: string): string {
  return toKey(relative(root, absolutePath));
}
