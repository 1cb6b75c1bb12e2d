import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultMigrationsDir } from './repo-paths';

/** The migrations before `name`, in a folder of their own: a database as it was when `name` was applied to it. */
export function migrationsBefore(name: string): string {
  const all = defaultMigrationsDir();
  const dir = mkdtempSync(join(tmpdir(), 'fer-migrations-'));
  for (const entry of readdirSync(all).filter((e) => e < name && !e.endsWith('.toml'))) {
    mkdirSync(join(dir, entry));
    copyFileSync(join(all, entry, 'migration.sql'), join(dir, entry, 'migration.sql'));
  }
  return dir;
}
