import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from 'pg';
import { emptyDatabase } from './empty-database.spec-support';
import { migrateDatabase } from './migrator';
import { defaultMigrationsDir } from './repo-paths';

describe('migrateDatabase', () => {
  const databases: { drop(): Promise<void> }[] = [];
  after(async () => Promise.all(databases.map((db) => db.drop())));

  it('should create every table of the schema and record the migration when the database is empty', async () => {
    const db = await emptyDatabase('migrator');
    databases.push(db);
    const first = await migrateDatabase(db.url, defaultMigrationsDir());
    assert.ok(first.applied.length >= 1);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    const tables = rows.map((r) => r.table_name);
    for (const table of ['Dataset', 'Benchmark', 'Config', 'Sweep', 'Run', 'EpochMetric', 'Evaluation', 'Artifact', 'FeatureCacheEntry', 'Worker', 'ApiKey', 'Webhook', '_prisma_migrations']) {
      assert.ok(tables.includes(table), `table ${table} missing`);
    }
    await client.end();
    const again = await migrateDatabase(db.url, defaultMigrationsDir());
    assert.equal(again.applied.length, 0);
    assert.ok(again.alreadyApplied.length >= 1);
  });

  it('should roll a failing migration back whole and name it when its SQL is invalid', async () => {
    const db = await emptyDatabase('migrator_bad');
    databases.push(db);
    const dir = mkdtempSync(join(tmpdir(), 'fer-migrations-'));
    mkdirSync(join(dir, '0001_ok'));
    writeFileSync(join(dir, '0001_ok', 'migration.sql'), 'CREATE TABLE "a" (id int);');
    mkdirSync(join(dir, '0002_bad'));
    writeFileSync(join(dir, '0002_bad', 'migration.sql'), 'CREATE TABLE "b" (id int); SELECT nonsense FROM nowhere;');
    await assert.rejects(migrateDatabase(db.url, dir), /migration 0002_bad failed/);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query("SELECT to_regclass('public.b') AS b, to_regclass('public.a') AS a");
    assert.equal(rows[0].b, null, 'the failed migration left a table behind');
    assert.equal(rows[0].a, 'a');
    await client.end();
  });

  it('should refuse to run when an applied migration was edited', async () => {
    const db = await emptyDatabase('migrator_edit');
    databases.push(db);
    const dir = mkdtempSync(join(tmpdir(), 'fer-migrations-'));
    mkdirSync(join(dir, '0001_ok'));
    writeFileSync(join(dir, '0001_ok', 'migration.sql'), 'CREATE TABLE "a" (id int);');
    await migrateDatabase(db.url, dir);
    writeFileSync(join(dir, '0001_ok', 'migration.sql'), 'CREATE TABLE "a" (id bigint);');
    await assert.rejects(migrateDatabase(db.url, dir), /was edited after it was applied/);
  });
});
