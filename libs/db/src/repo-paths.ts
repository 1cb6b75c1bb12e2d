import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The monorepo root: the nearest folder above this file holding `prisma/schema.prisma`. */
export function findRepoRoot(start = __dirname): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'prisma', 'schema.prisma'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root (prisma/schema.prisma) above ${start}`);
    dir = parent;
  }
}

export function defaultMigrationsDir(): string {
  return join(findRepoRoot(), 'prisma', 'migrations');
}
