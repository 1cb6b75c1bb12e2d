import type { PrismaClient } from '@fer/db';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PrismaService } from '../database/prisma.service';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';
import { assertRefused } from '../../test/bad-input/bad-input-support';

const LAB = ['lab-a', 'lab-b', 'lab-c'];

describe('custom benchmarks', () => {
  let api: ApiHarness;
  let prisma: PrismaClient;
  before(async () => {
    api = await startApiHarness('benchmarks');
    prisma = api.app.get(PrismaService).client;
    for (const domain of LAB) {
      await prisma.dataset.create({
        data: { id: `ds-${domain}`, name: domain, domain, format: 'imagefolder', root: '/nowhere', version: 1, checksum: domain, status: 'ready', counts: {}, importReport: {}, samples: { create: [{ key: 'a', split: 'train', label: 0, contentHash: `a-${domain}` }, { key: 'b', split: 'test', label: 0, contentHash: `b-${domain}` }] } },
      });
    }
  });
  after(async () => api.close());

  const create = (body: object, key = api.keys.launch) => () => api.request('POST', '/benchmarks', { key, body });

  it('should create a benchmark with its domains in order, list it with its datasets, and run a sweep on it', async () => {
    const created = await create({ name: 'lab3', description: 'our lab', domains: ['lab-c', 'lab-a', 'lab-b'] })();
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body.domains, ['lab-c', 'lab-a', 'lab-b']);
    assert.deepEqual(created.body.datasets, { 'lab-c': 'ds-lab-c', 'lab-a': 'ds-lab-a', 'lab-b': 'ds-lab-b' });
    assert.equal(created.body.builtIn, false);
    const listed = await api.request('GET', '/benchmarks', { key: api.keys.read });
    assert.ok(listed.body.some((b: { name: string }) => b.name === 'lab3'));
    const sweep = await api.request('POST', '/sweeps', { key: api.keys.launch, body: { name: 'on lab3', benchmark: 'lab3', sources: ['lab-a'], base: { epochs: 1 } } });
    assert.equal(sweep.status, 201, sweep.text);
    const runs = await prisma.run.findMany({ where: { sweepId: sweep.body.sweep.id } });
    assert.deepEqual(runs[0].targets, ['lab-c', 'lab-a', 'lab-b'], 'every domain of the benchmark, in its order');
    const board = await api.request('GET', '/leaderboards?benchmark=lab3&source=lab-a', { key: api.keys.read });
    assert.equal(board.status, 200, board.text);
    assert.deepEqual(board.body.domains, ['lab-c', 'lab-a', 'lab-b']);
  });

  it('should refuse bad names, repeated or too few domains, a taken name and a read key, storing nothing', async () => {
    await assertRefused(prisma, 'upper-case name', create({ name: 'Lab 3', domains: LAB }), { status: 400, names: /lower-case/, field: 'name' });
    await assertRefused(prisma, 'a domain twice', create({ name: 'twice', domains: ['lab-a', 'lab-a'] }), { status: 400, names: /each domain once/, field: 'domains' });
    await assertRefused(prisma, 'one domain', create({ name: 'alone', domains: ['lab-a'] }), { status: 400, names: /at least two domains/, field: 'domains' });
    await assertRefused(prisma, 'an unknown field', create({ name: 'extra', domains: LAB, colour: 'red' }), { status: 400, names: /colour/ });
    await assertRefused(prisma, 'a taken name', create({ name: 'fer5', domains: LAB }), { status: 409, names: /exists already/ });
    await assertRefused(prisma, 'a read key', create({ name: 'readers', domains: LAB }, api.keys.read), { status: 403, names: /role/ });
  });

  it('should delete an unused benchmark, archive one in use instead of deleting it, and close it to new sweeps', async () => {
    assert.equal((await create({ name: 'unused', domains: LAB })()).status, 201);
    const removed = await api.request('DELETE', '/benchmarks/unused', { key: api.keys.launch });
    assert.equal(removed.status, 200, removed.text);
    assert.equal(await prisma.benchmark.count({ where: { name: 'unused' } }), 0);

    const refused = await api.request('DELETE', '/benchmarks/lab3', { key: api.keys.launch });
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /used by 1 sweep: archive it instead/);
    assert.equal((await api.request('DELETE', '/benchmarks/fer5', { key: api.keys.launch })).status, 409, 'built-ins stay');

    const archived = await api.request('POST', '/benchmarks/lab3/archive', { key: api.keys.launch });
    assert.equal(archived.status, 200, archived.text);
    assert.ok(archived.body.archivedAt);
    const open = (await api.request('GET', '/benchmarks', { key: api.keys.read })).body.map((b: { name: string }) => b.name);
    assert.ok(!open.includes('lab3'), 'hidden from pickers');
    const all = (await api.request('GET', '/benchmarks?archived=true', { key: api.keys.read })).body.map((b: { name: string }) => b.name);
    assert.ok(all.includes('lab3'));
    await assertRefused(prisma, 'a sweep on an archived benchmark', () => api.request('POST', '/sweeps', { key: api.keys.launch, body: { name: 'late', benchmark: 'lab3', sources: ['lab-a'], base: { epochs: 2 } } }), {
      status: 400,
      names: /archived/,
      field: 'benchmark',
    });
    // A single run is refused alike (POST /runs resolves the benchmark and its datasets in one statement).
    await assertRefused(prisma, 'a run on an archived benchmark', () => api.request('POST', '/runs', { key: api.keys.launch, body: { benchmark: 'lab3', source: 'lab-a', seed: 1 } }), {
      status: 400,
      names: /archived/,
      field: 'benchmark',
    });
    await assertRefused(prisma, 'a run on an unknown benchmark', () => api.request('POST', '/runs', { key: api.keys.launch, body: { benchmark: 'nope', source: 'lab-a', seed: 1 } }), {
      status: 400,
      names: /unknown benchmark "nope"/,
      field: 'benchmark',
    });
    assert.equal((await api.request('GET', '/leaderboards?benchmark=lab3&source=lab-a', { key: api.keys.read })).status, 200, 'its numbers stay readable');
  });
});
