import { contentId, trainingConfigSchema } from '@fer/contracts';
import type { PrismaClient } from '@fer/db';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PrismaService } from '../database/prisma.service';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';

const DOMAINS = ['a', 'b', 'c'];

/**
 * 12 runs: lambdaDiverse 0/1/5 (cafe) and a probe, seeds 0-2, trained on `a`, scored on a, b, c at epochs 1 and 2;
 * accuracy at epoch 2 = 0.4 + 0.05·lambda + 0.01·seed on every domain, epoch 1 is 0.1 lower (source-val best epoch 1);
 * one run is still running, unscored.
 */
async function seed(prisma: PrismaClient) {
  for (const domain of DOMAINS) {
    await prisma.dataset.create({
      data: { id: `ds-${domain}`, name: domain, domain, format: 'imagefolder', root: '/x', version: 1, checksum: domain, status: 'ready', counts: {}, importReport: {} },
    });
  }
  const configs = [0, 1, 5].map((lambda) => ({ lambda, method: 'cafe', body: trainingConfigSchema.parse({ method: 'cafe', lambdaDiverse: lambda }) }));
  configs.push({ lambda: 0, method: 'linear-probe', body: trainingConfigSchema.parse({ method: 'linear-probe' }) });
  for (const config of configs) {
    const id = contentId('cfg', config.body);
    await prisma.config.upsert({ where: { id }, create: { id, method: config.method, body: config.body as object }, update: {} });
    for (let s = 0; s < 3; s++) {
      const runId = `run-${config.method}-${config.lambda}-${s}`;
      const running = config.lambda === 5 && s === 2;
      await prisma.run.create({
        data: { id: runId, configId: id, groupKey: id, params: { method: config.method, lambdaDiverse: config.lambda }, sourceDatasetId: 'ds-a', sourceDomain: 'a', targets: DOMAINS, seed: s, epochs: 2, sourceValBestEpoch: 1, status: running ? 'running' : 'succeeded' },
      });
      if (running) continue;
      for (const domain of DOMAINS)
        for (const epoch of [1, 2])
          await prisma.evaluation.create({
            data: { id: `${runId}-${domain}-${epoch}`, runId, datasetId: `ds-${domain}`, domain, checkpoint: 'epoch', split: 'test', epoch, accuracy: 0.4 + 0.05 * config.lambda + 0.01 * s - (epoch === 1 ? 0.1 : 0), perClassAccuracy: [], macroF1: 0, confusion: [], n: 10 },
          });
    }
  }
}

describe('runs table', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApiHarness('runs_table');
    await seed(api.app.get(PrismaService).client);
  });
  after(async () => api.close());
  const table = async (query: string) => {
    const answer = await api.request('GET', `/runs/table?${query}`, { key: api.keys.read });
    assert.equal(answer.status, 200, answer.text);
    return answer.body;
  };

  it('should filter, sort and page on the server, each run with its parameters and metrics under the selection', async () => {
    const body = await table(`filter=${encodeURIComponent('method = cafe and lambdaDiverse > 0')}&sort=targetMean&order=desc&limit=2`);
    assert.equal(body.total, 6, 'lambda 1 and 5, three seeds each, the running one included');
    assert.deepEqual(body.rows.map((r: { id: string }) => r.id), ['run-cafe-5-1', 'run-cafe-5-0']);
    assert.ok(Math.abs(body.rows[0].targetMean - 66) < 1e-9, '0.4 + 0.25 + 0.01 on the targets b and c');
    assert.ok(Math.abs(body.rows[0].sourceAccuracy - 66) < 1e-9);
    assert.deepEqual(body.rows[0].params, { method: 'cafe', lambdaDiverse: 5 });
    assert.deepEqual(body.domains, DOMAINS);
    const next = await table(`filter=${encodeURIComponent('method = cafe and lambdaDiverse > 0')}&sort=targetMean&order=desc&limit=2&offset=4`);
    assert.deepEqual(next.rows.map((r: { id: string }) => r.id), ['run-cafe-1-0', 'run-cafe-5-2'], 'the unscored run sorts last');
    assert.equal(next.rows[1].targetMean, null);
    const sourceVal = await table(`filter=${encodeURIComponent('seed = 1 and lambdaDiverse = 5')}&selection=source-val`);
    assert.ok(Math.abs(sourceVal.rows[0].targetMean - 56) < 1e-9, 'source-val picks epoch 1');
    assert.equal((await table(`filter=${encodeURIComponent('acc.b >= 60')}`)).total, 2, 'a domain column filters too: lambda 5, its two scored seeds');
  });

  it('should group the filtered runs by a parameter with mean ± std over seeds', async () => {
    const body = await table(`filter=${encodeURIComponent('method = cafe')}&groupBy=lambdaDiverse`);
    const five = body.groups.find((g: { value: string }) => g.value === '5');
    assert.deepEqual([five.runs, five.scored], [3, 2]);
    assert.ok(Math.abs(five.targetMean - 65.5) < 1e-9);
    assert.ok(Math.abs(five.targetStd - Math.sqrt(0.5)) < 1e-9);
    assert.equal(body.groups[0].value, '5', 'best group first');
  });

  it('should answer 400 naming the filter when a clause does not parse, and the sort when it is not a field', async () => {
    const bad = await api.request('GET', `/runs/table?filter=${encodeURIComponent('method = cafe and >')}`, { key: api.keys.read });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.problems[0].field, 'filter');
    const sort = await api.request('GET', `/runs/table?sort=${encodeURIComponent('x; drop')}`, { key: api.keys.read });
    assert.equal(sort.status, 400);
    assert.equal(sort.body.error.problems[0].field, 'sort');
  });
});
