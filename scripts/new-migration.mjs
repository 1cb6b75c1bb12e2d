#!/usr/bin/env node
// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL from the committed schema (HEAD) to the
// working prisma/schema.prisma, computed offline by `prisma migrate diff` (no database, no engine download).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const name = process.argv[2];
if (!name || name === '--help' || !/^[a-z0-9_]+$/.test(name)) {
  console.log('usage: npm run db:new-migration -- <snake_case_name>\nDiffs prisma/schema.prisma against its committed version and writes the SQL as a new migration.');
  process.exit(name === '--help' ? 0 : 1);
}
const root = resolve(import.meta.dirname, '..');
const previous = join(mkdtempSync(join(tmpdir(), 'fer-schema-')), 'schema.prisma');
writeFileSync(previous, execFileSync('git', ['show', 'HEAD:prisma/schema.prisma'], { cwd: root }));
const diff = spawnSync('npx', ['prisma', 'migrate', 'diff', '--from-schema-datamodel', previous, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'], {
  cwd: root,
  encoding: 'utf8',
  env: { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres', ...process.env },
});
if (diff.status !== 0) {
  process.stderr.write(diff.stderr);
  process.exit(1);
}
if (!diff.stdout.trim() || /This is an empty migration/.test(diff.stdout)) {
  console.log('prisma/schema.prisma does not differ from HEAD: nothing to migrate');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const folder = join(root, 'prisma', 'migrations', `${stamp}_${name}`);
mkdirSync(folder, { recursive: true });
writeFileSync(join(folder, 'migration.sql'), diff.stdout);
console.log(`wrote ${folder}/migration.sql; review it, then commit it with the schema`);
