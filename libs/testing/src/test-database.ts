import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { defaultMigrationsDir, migrateDatabase } from '@fer/db';

/**
 * A fresh, migrated database for one integration-test file, dropped afterwards.
 * Server from TEST_DATABASE_URL / DATABASE_URL (default: the local PostgreSQL on 5432).
 */
export async function createTestDatabase(label = 'test'): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl =
    process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const name = `fer_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString(), defaultMigrationsDir());
  return {
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}
