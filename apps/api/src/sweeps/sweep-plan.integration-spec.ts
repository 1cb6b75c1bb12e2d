import type { PrismaClient } from '@fer/db';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PrismaService } from '../database/prisma.service';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';
import { assertRefused, rowCounts } from '../../test/bad-input/bad-input-support';

const DOMAINS = ['synth-studio', 'synth-dark'];

describe('POST /sweeps/plan: a dry run of a sweep spec', () => {
  let api: ApiHarness;
  let prisma: PrismaClient;
  before(async () => {
    api = await startApiHarness('sweep_plan');
    prisma = api.app.get(PrismaService).client;
    for (const domain of DOMAINS) {
      await prisma.dataset.create({
        data: { id: `ds-${domain}`, name: domain, domain, format: 'imagefolder', root: '/nowhere', version: 1, checksum: domain, status: 'ready', counts: {}, importReport: {}, samples: { create: [{ key: 'a', split: 'train', label: 0, contentHash: `a-${domain}` }, { key: 'b', split: 'test', label: 0, contentHash: `b-${domain}` }] } },
      });
    }
  });
  after(async () => api.close());

  const spec = { name: 'plan', benchmark: 'synth5', sources: DOMAINS, targets: DOMAINS, seeds: [0, 1, 2], base: { epochs: 2 }, search: { kind: 'grid', parameters: { lambdaDiverse: [0, 5], method: ['cafe', 'linear-probe'] } } };

  it('should count the runs a spec creates (configs x sources x seeds) as creating it would, storing and auditing nothing, with a read key', async () => {
    const before = await rowCounts(prisma);
    const audits = await prisma.auditLog.count();
    const plan = await api.request('POST', '/sweeps/plan', { key: api.keys.read, body: spec });
    assert.equal(plan.status, 200, plan.text);
    // linear-probe ignores lambdaDiverse, but the value is part of its config, so 4 distinct configs
    assert.equal(plan.body.configs.length, 4);
    assert.equal(plan.body.runs, 4 * 2 * 3);
    assert.deepEqual(plan.body.sources, DOMAINS);
    assert.deepEqual(await rowCounts(prisma), before, 'nothing stored');
    assert.equal(await prisma.auditLog.count(), audits, 'a dry run is not a write');
    const created = await api.request('POST', '/sweeps', { key: api.keys.launch, body: spec });
    assert.equal(created.body.runsCreated, plan.body.runs, 'creating it makes exactly the planned runs');
  });

  it('should refuse what creating would refuse, naming the field', async () => {
    await assertRefused(prisma, 'plan: a source without a dataset', () => api.request('POST', '/sweeps/plan', { key: api.keys.read, body: { ...spec, sources: ['nowhere'] } }), { status: 400, names: /nowhere/, field: 'sources.0' });
    await assertRefused(prisma, 'plan: a bad grid value', () => api.request('POST', '/sweeps/plan', { key: api.keys.read, body: { ...spec, search: { kind: 'grid', parameters: { lambdaDiverse: ['NaN'] } } } }), { status: 400, names: /lambdaDiverse/ });
  });
});
