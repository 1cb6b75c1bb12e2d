import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiHarness, startApiHarness } from '../support/api-test-harness';
import { waitUntil } from '@fer/testing';
import {
  assertCompleteWithoutDuplicates,
  chaosSweep,
  dropQueueKeys,
  importDomains,
  makeDomains,
  PrivatePostgres,
  sleep,
  startChaosSweep,
  startPrivatePostgres,
  tempHome,
  waitForSweep,
  Workers,
  workerEnv,
  waitUntilMidSweep,
} from './chaos-support';

const EPOCHS = 5;
const OUTAGE_MS = Number(process.env.FER_CHAOS_PG_OUTAGE_SECONDS ?? 10) * 1000;

/**
 * A private embedded PostgreSQL (never the shared one) stopped for ~10 s mid-sweep: the API answers 503 with its
 * error envelope for everything that needs the database, the worker retries its writes, and once PostgreSQL is back
 * the sweep completes with nothing lost or written twice.
 */
describe('chaos: PostgreSQL stopped for 10 s mid-sweep', () => {
  let pg: PrivatePostgres;
  let api: ApiHarness;
  let data: Awaited<ReturnType<typeof makeDomains>>;
  const home = tempHome();
  let workers: Workers;

  before(async () => {
    pg = await startPrivatePostgres();
    process.env.TEST_DATABASE_URL = pg.serverUrl; // startApiHarness makes its database there
    data = await makeDomains(6, 2);
    api = await startApiHarness('chaos_pg', { FER_DATA_ROOTS: data.root });
    await importDomains(api, data.root);
    workers = new Workers(() => workerEnv(api, home.home));
  });

  after(async () => {
    await workers?.stopAll();
    await pg?.start().catch(() => undefined);
    await dropQueueKeys(api);
    await api?.close().catch(() => undefined);
    await pg?.destroy();
    data?.cleanup();
    home.cleanup();
  });

  it(
    'should answer 503 while PostgreSQL is down and complete the sweep after it returns',
    { timeout: 240_000 },
    async () => {
      const { sweepId, prisma } = await startChaosSweep(api, workers, 'postgres sweep', EPOCHS);

      await waitUntilMidSweep(prisma, sweepId, 1);
      const stoppedAt = Date.now();
      await pg.stop();
      console.log('postgres chaos: PostgreSQL stopped mid-sweep');

      // While it is down: every request that needs the database is a 503 with the envelope, never a 500 or a hang.
      const seen = new Map<string, number>();
      const calls: [string, string, unknown?][] = [
        ['GET', `/sweeps/${sweepId}`],
        ['GET', '/runs?limit=10'],
        ['GET', '/leaderboards?benchmark=synth5&source=synth-studio'],
        ['POST', '/sweeps', chaosSweep('during the outage', 1)],
        ['POST', '/queues/reconcile'],
      ];
      while (Date.now() - stoppedAt < OUTAGE_MS) {
        for (const [method, path, body] of calls) {
          const started = Date.now();
          const response = await api.request(method, path, { body, headers: {} });
          const key = `${method} ${path.split('?')[0]} → ${response.status}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
          assert.equal(response.status, 503, `${method} ${path} while PostgreSQL is down: ${response.text}`);
          assert.equal(response.body.error.code, 'dependency_unavailable');
          assert.equal(response.body.error.status, 503);
          assert.match(response.body.error.message, /PostgreSQL is unavailable/);
          assert.ok(Date.now() - started < 10_000, `${method} ${path} answered within 10 s`);
        }
        const health = await api.request('GET', '/health', { key: null });
        assert.equal(health.status, 503);
        assert.deepEqual(
          { database: health.body.database, redis: health.body.redis },
          { database: 'down', redis: 'up' },
        );
        await sleep(500);
      }
      console.log(`postgres chaos: answers while down ${JSON.stringify(Object.fromEntries(seen))}`);

      await pg.start();
      console.log(`postgres chaos: PostgreSQL back after ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s`);
      await waitUntil(
        async () => (await api.request('GET', '/health', { key: null })).status === 200,
        'health to recover',
        30_000,
      );
      assert.equal((await api.request('GET', `/sweeps/${sweepId}`)).status, 200);

      const runs = await waitForSweep(prisma, sweepId, 180_000, () => workers.output().slice(-6000));
      await assertCompleteWithoutDuplicates(prisma, sweepId, EPOCHS);
      assert.equal(
        await prisma.sweep.count({ where: { name: 'during the outage' } }),
        0,
        'the refused sweep stored nothing',
      );
      assert.ok(workers.live().length === 1, 'the worker rode out the outage without dying');
      const failures = workers
        .output()
        .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
        .split('\n')
        .filter((line) => / attempt \d+ failed: /.test(line));
      console.log(
        `postgres chaos: ${failures.length} job failures in the worker log${failures.length ? `: ${failures.slice(0, 3).join(' | ').slice(0, 3000)}` : ''}`,
      );
      console.log(`postgres chaos: sweep complete, attempts per run ${JSON.stringify(runs.map((r) => r.attempts))}`);
    },
  );
});
