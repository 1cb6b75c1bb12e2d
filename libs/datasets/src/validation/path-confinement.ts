import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** True when `candidate` is `root` or below it (both absolute, already normalised). */
export function isInside(root: string, candidate: string): boolean {
  const relativePath = relative(root, candidate);
  return (
    relativePath === '' || (relativePath !== '..' && !relativePath.startsWith(`..${sep}`) && !isAbsolute(relativePath))
  );
}

export type ConfinementResult =
  { ok: true; realPath: string } | { ok: false; reason: 'outside' | 'symlink-outside' | 'missing'; message: string };

/**
 * Confines a path to a set of roots: lexically first (a `..` that climbs out is refused even if the target does not
 * exist), then by realpath, so a symlink inside the root that points out of it is refused too.
 */
export async function confinePath(roots: readonly string[], candidate: string): Promise<ConfinementResult> {
  const absolute = resolve(candidate);
  const lexicalRoots = roots.map((root) => resolve(root));
  if (!lexicalRoots.some((root) => isInside(root, absolute))) {
    return { ok: false, reason: 'outside', message: `${candidate} is outside the data roots (FER_DATA_ROOTS)` };
  }
  let real: string;
  try {
    real = await realpath(absolute);
  } catch {
    return { ok: false, reason: 'missing', message: `${candidate} does not exist` };
  }
  const realRoots = await Promise.all(lexicalRoots.map((root) => realpath(root).catch(() => root)));
  if (!realRoots.some((root) => isInside(root, real))) {
    // Where the link leads is not said: the caller may not be allowed to learn the server's layout.
    return { ok: false, reason: 'symlink-outside', message: `${candidate} is a link that leads outside the data roots (FER_DATA_ROOTS)` };
  }
  return { ok: true, realPath: real };
}

export class PathConfinementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathConfinementError';
  }
}
