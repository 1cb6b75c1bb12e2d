import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { emptyDatabase } from './empty-database.spec-support';
import { migrationsBefore } from './migrations-before.spec-support';
import { migrateDatabase } from './migrator';
import { defaultMigrationsDir } from './repo-paths';

const MIGRATION = '20261129230500_owner_waiting_runs';

type Owner = string | null;

/**
 * "OwnerWaitingRuns" must always say what counting would: how many of each owner's runs are queued and not held.
 * Every test writes "Run" the ways the platform and an operator do, then compares the kept numbers with a fresh count.
 */
describe(`migration ${MIGRATION}: waiting runs kept per owner`, () => {
  let drop: (() => Promise<void>) | undefined;
  let url: string;
  let db: Client;
  let seq = 0;

  const insertRuns = async (
    client: Client,
    runs: { owner: Owner; status?: string; held?: string | null; id?: string }[],
  ) =>
    client.query(
      `INSERT INTO "Run" (id, "configId", "groupKey", "sourceDatasetId", "sourceDomain", targets, seed, epochs, status, "heldReason", "createdById", "updatedAt")
       SELECT r.id, 'cfg', 'cfg', 'ds', 'rafdb', '{}', 0, 1, r.status::"RunStatus", r.held, r.owner, now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS r(id, status, held, owner)
       ON CONFLICT (id) DO NOTHING`,
      [
        runs.map((r) => r.id ?? `run-${seq++}`),
        runs.map((r) => r.status ?? 'queued'),
        runs.map((r) => r.held ?? null),
        runs.map((r) => r.owner),
      ],
    );
  const many = (count: number, run: { owner: Owner; status?: string; held?: string | null }) =>
    Array.from({ length: count }, () => ({ ...run }));

  /** The kept numbers (owners at 0 left out) beside a count over "Run". */
  const assertKept = async (expected: Record<string, number>, why: string) => {
    const kept = await db.query<{ owner: string; runs: number }>(
      `SELECT owner, runs FROM "OwnerWaitingRuns" WHERE runs <> 0 ORDER BY owner`,
    );
    const counted = await db.query<{ owner: string; runs: number }>(
      `SELECT coalesce("createdById", '') AS owner, count(*)::int AS runs FROM "Run" WHERE status = 'queued' AND "heldReason" IS NULL GROUP BY 1 ORDER BY 1`,
    );
    assert.deepEqual(
      Object.fromEntries(counted.rows.map((r) => [r.owner, r.runs])),
      expected,
      `count over "Run" ${why}`,
    );
    assert.deepEqual(Object.fromEntries(kept.rows.map((r) => [r.owner, r.runs])), expected, `kept ${why}`);
  };

  before(async () => {
    const database = await emptyDatabase('owner_waiting_runs');
    drop = database.drop;
    url = database.url;
    await migrateDatabase(url, migrationsBefore(MIGRATION));
    db = new Client({ connectionString: url });
    await db.connect();
    for (const key of ['alice', 'bob'])
      await db.query(`INSERT INTO "ApiKey" (id, name, prefix, hash, role) VALUES ($1, $1, $1, $1, 'launch')`, [key]);
    await db.query(`INSERT INTO "Config" (id, method, body) VALUES ('cfg', 'cafe', '{}')`);
    await db.query(
      `INSERT INTO "Dataset" (id, name, format, domain, root, version, checksum, status, counts, "importReport") VALUES ('ds', 'rafdb', 'rafdb', 'rafdb', '/d', 1, 'c', 'ready', '{}', '{}')`,
    );
  });
  after(async () => {
    await db?.end();
    await drop?.();
  });

  it('should count the runs already waiting when it is applied: queued and not held, per owner, none under ""', async () => {
    await insertRuns(db, [
      ...many(3, { owner: 'alice' }),
      ...many(2, { owner: 'alice', held: 'maxConcurrentRuns' }),
      ...many(2, { owner: 'alice', status: 'running' }),
      ...many(1, { owner: 'bob' }),
      ...many(2, { owner: null }),
      ...many(1, { owner: 'bob', status: 'succeeded' }),
    ]);
    await migrateDatabase(url, defaultMigrationsDir());
    await assertKept({ alice: 3, bob: 1, '': 2 }, 'after the migration');
    const index = await db.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'Run_status_createdById_idx'`);
    assert.equal(index.rowCount, 0, 'the index that served the count is gone');
  });

  it('should follow inserts, one statement of many runs and runs that already exist alike', async () => {
    await insertRuns(db, [
      ...many(500, { owner: 'alice' }),
      ...many(3, { owner: 'bob', held: 'maxGpuHours' }),
      ...many(4, { owner: null }),
    ]);
    await insertRuns(db, [
      { id: 'run-0', owner: 'bob' },
      { id: 'run-1', owner: 'bob' },
    ]);
    await assertKept({ alice: 503, bob: 1, '': 6 }, 'after inserts (run-0 and run-1 existed: nothing inserted)');
  });

  it('should follow a worker taking a run, a run finishing, a retry, a cancel, a sweep releasing held runs and a change of owner', async () => {
    await db.query(
      `UPDATE "Run" SET status = 'running', "workerId" = NULL WHERE id = (SELECT id FROM "Run" WHERE "createdById" = 'alice' AND status = 'queued' ORDER BY id LIMIT 1)`,
    );
    await assertKept({ alice: 502, bob: 1, '': 6 }, 'after a run was taken');
    await db.query(`UPDATE "Run" SET progress = 0.5 WHERE status = 'running'`);
    await assertKept({ alice: 502, bob: 1, '': 6 }, 'after progress only');
    await db.query(`UPDATE "Run" SET status = 'succeeded' WHERE status = 'running' AND "createdById" = 'alice'`);
    await db.query(`UPDATE "Run" SET status = 'queued' WHERE status = 'succeeded' AND "createdById" = 'alice'`);
    await assertKept({ alice: 505, bob: 1, '': 6 }, "after alice's finished runs were retried");
    await db.query(
      `UPDATE "Run" SET status = 'cancelled' WHERE id IN (SELECT id FROM "Run" WHERE "createdById" IS NULL AND status = 'queued' ORDER BY id LIMIT 5)`,
    );
    await assertKept({ alice: 505, bob: 1, '': 1 }, 'after five cancels');
    await db.query(`UPDATE "Run" SET "heldReason" = NULL WHERE "heldReason" IS NOT NULL`);
    await assertKept({ alice: 507, bob: 4, '': 1 }, 'after the held runs were released');
    await db.query(
      `UPDATE "Run" SET "heldReason" = 'maxConcurrentRuns' WHERE "createdById" = 'bob' AND status = 'queued'`,
    );
    await assertKept({ alice: 507, '': 1 }, "after bob's runs were held");
    await db.query(`UPDATE "Run" SET "createdById" = 'bob' WHERE "createdById" IS NULL`);
    await assertKept(
      { alice: 507, bob: 1 },
      'after the unowned runs (one waiting, five cancelled) were given to bob, whose own are held',
    );
  });

  it('should follow deletes and a truncate', async () => {
    await db.query(
      `DELETE FROM "Run" WHERE id IN (SELECT id FROM "Run" WHERE "createdById" = 'alice' AND status = 'queued' ORDER BY id LIMIT 7)`,
    );
    await assertKept({ alice: 500, bob: 1 }, 'after seven deletes');
    await db.query(`TRUNCATE "Run" CASCADE`);
    await assertKept({}, 'after a truncate');
    await insertRuns(db, many(2, { owner: 'alice' }));
    await assertKept({ alice: 2 }, 'after inserts into the truncated table');
  });

  it('should keep the right number when two transactions insert runs of the same owner at once', async () => {
    const other = new Client({ connectionString: url });
    await other.connect();
    try {
      await db.query('BEGIN');
      await other.query('BEGIN');
      await insertRuns(db, many(10, { owner: 'bob' }));
      const blocked = insertRuns(other, [...many(5, { owner: 'bob' }), ...many(5, { owner: 'alice' })]);
      await db.query('COMMIT');
      await blocked;
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    await assertKept({ alice: 7, bob: 15 }, 'after two concurrent inserts');
  });
});
