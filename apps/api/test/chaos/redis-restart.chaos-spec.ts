import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiHarness, startApiHarness } from '../support/api-test-harness';
import { waitUntil } from '@fer/testing';
import {
  assertCompleteWithoutDuplicates,
  importDomains,
  makeDomains,
  PrivateRedis,
  sleep,
  startChaosSweep,
  startPrivateRedis,
  tempHome,
  TARGETS,
  waitForSweep,
  Workers,
  workerEnv,
  waitUntilMidSweep,
} from './chaos-support';

const EPOCHS = 5;

/**
 * Redis is killed mid-sweep and comes back empty (no persistence): every job in it is gone. PostgreSQL still knows
 * every run; the reconciler (on its timer) gives the lost ones their jobs back and the sweep completes.
 */
describe('chaos: Redis killed and restarted empty mid-sweep', () => {
  let redis: PrivateRedis;
  let api: ApiHarness;
  let data: Awaited<ReturnType<typeof makeDomains>>;
  const home = tempHome();
  let workers: Workers;

  before(async () => {
    redis = await startPrivateRedis();
    data = await makeDomains(6, 2);
    api = await startApiHarness('chaos_redis', {
      REDIS_URL: redis.url,
      FER_DATA_ROOTS: data.root,
      FER_RECONCILE_INTERVAL_SECONDS: '2',
    });
    await importDomains(api, data.root);
    workers = new Workers(() => workerEnv(api, home.home, { REDIS_URL: redis.url }));
  });

  after(async () => {
    await workers?.stopAll();
    await api?.close();
    await redis?.kill('SIGKILL');
    data?.cleanup();
    home.cleanup();
  });

  it(
    'should finish every run, including one submitted while Redis was down, with nothing lost or written twice',
    { timeout: 240_000 },
    async () => {
      const { sweepId, prisma } = await startChaosSweep(api, workers, 'redis sweep', EPOCHS);

      // Mid-sweep: one run is through, another is training.
      await waitUntilMidSweep(prisma, sweepId, 2);
      const before = await prisma.run.groupBy({ by: ['status'], where: { sweepId }, _count: true });
      await redis.kill('SIGKILL');
      console.log(
        `redis chaos: killed Redis with runs ${JSON.stringify(before.map((g) => `${g.status}:${g._count}`))}`,
      );

      const health = await waitUntil(
        async () => {
          const response = await api.request('GET', '/health', { key: null });
          return response.status === 503 ? response : null;
        },
        'health to report Redis down',
        15_000,
      );
      assert.equal(health.body.redis, 'down');
      // Work submitted while Redis is down is stored (Postgres is the truth) and picked up later.
      const during = await api.request('POST', '/runs', {
        key: api.keys.launch,
        body: {
          benchmark: 'synth5',
          source: 'synth-studio',
          targets: [...TARGETS],
          seed: 7,
          config: { epochs: 2, batchSize: 8, maskNetHidden: 16, sourceValFraction: 0.2 },
        },
      });
      assert.equal(during.status, 201, JSON.stringify(during.body));
      await sleep(2000);

      await redis.start();
      console.log('redis chaos: Redis restarted, empty');
      const runs = await waitForSweep(prisma, sweepId, 180_000, () => workers.output().slice(-4000));
      assert.equal(runs.length, 4);
      const single = await waitUntil(
        async () => {
          const run = await prisma.run.findUnique({ where: { id: during.body.id } });
          return run && ['succeeded', 'failed', 'cancelled'].includes(run.status) ? run : null;
        },
        'the run created while Redis was down',
        60_000,
      );
      assert.equal(single.status, 'succeeded', single.error ?? '');
      assert.equal(await prisma.evaluation.count({ where: { runId: single.id } }), TARGETS.length * 2, 'both targets at both epochs');

      await assertCompleteWithoutDuplicates(prisma, sweepId, EPOCHS);
      assert.equal((await api.request('GET', '/health', { key: null })).status, 200);
      console.log(
        `redis chaos: sweep complete (${runs.length} runs + 1 submitted during the outage); attempts per run ${JSON.stringify(runs.map((r) => r.attempts))}`,
      );
    },
  );
});
