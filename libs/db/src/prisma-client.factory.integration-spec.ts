import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { emptyDatabase } from './empty-database.spec-support';
import { createDatabase } from './prisma-client.factory';

/** Prisma stores `timestamp` columns as UTC; the pool's prepared statements must read them the same way in any TZ. */
describe('createDatabase in a process whose time zone is not UTC', () => {
  const zone = process.env.TZ;
  let db: { url: string; drop(): Promise<void> };
  let database: ReturnType<typeof createDatabase>;
  before(async () => {
    process.env.TZ = 'Europe/Paris';
    db = await emptyDatabase('utc_timestamps');
    database = createDatabase(db.url, { poolSize: 1 });
    await database.pool.query('CREATE TABLE stamped (at timestamp(3) NOT NULL)');
  });
  after(async () => {
    await database.close();
    await db.drop();
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it('should read a timestamp written by Prisma as the same instant through the pool', async () => {
    assert.notEqual(new Date('2026-01-02T03:04:05.678Z').getHours(), 3, 'the process runs an hour off UTC');
    const at = new Date('2026-01-02T03:04:05.678Z');
    await database.prisma.$executeRaw`INSERT INTO stamped (at) VALUES (${at})`;
    const { rows } = await database.pool.query<{ at: Date; text: string }>({
      name: 'read-stamp',
      text: 'SELECT at, at::text AS text FROM stamped',
    });
    assert.equal(rows[0].text, '2026-01-02 03:04:05.678', 'Prisma wrote UTC');
    assert.equal(rows[0].at.toISOString(), at.toISOString());
    const [read] = await database.prisma.$queryRaw<{ at: Date }[]>`SELECT at FROM stamped`;
    assert.equal(read.at.toISOString(), at.toISOString(), 'Prisma reads it back as the same instant');
  });
});
