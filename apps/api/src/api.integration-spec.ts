import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PrismaService } from './database/prisma.service';
import { ApiHarness, startApiHarness } from '../test/support/api-test-harness';

describe('API (real PostgreSQL and Redis)', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApiHarness('api');
  });
  after(async () => api.close());

  it('should boot and create a sweep without loading TF.js when no face cropping was asked for', async () => {
    const spec = { name: 'no-tfjs', benchmark: 'fer5', sources: ['missing-domain'], search: { kind: 'grid', parameters: { lambdaDiverse: [0, 5] } } };
    await api.request('POST', '/sweeps', { body: spec });
    const loaded = Object.keys(require.cache).filter((path) => /[\\/]@tensorflow[\\/]|[\\/]libs[\\/]cafe[\\/]/.test(path));
    assert.deepEqual(loaded, []);
  });

  it('should report PostgreSQL and Redis up on /health without a key', async () => {
    const { status, body } = await api.request('GET', '/health', { key: null });
    assert.equal(status, 200);
    assert.deepEqual({ database: body.database, redis: body.redis, status: body.status }, { database: 'up', redis: 'up', status: 'ok' });
  });

  it('should answer 401 when the API key is missing, unknown or revoked', async () => {
    assert.equal((await api.request('GET', '/sweeps', { key: null })).status, 401);
    assert.equal((await api.request('GET', '/sweeps', { key: 'fer_not-a-key' })).status, 401);
    const created = await api.request('POST', '/keys', { body: { name: 'temp', role: 'read' } });
    assert.equal(created.status, 201);
    assert.equal((await api.request('GET', '/sweeps', { key: created.body.key })).status, 200);
    assert.equal((await api.request('DELETE', `/keys/${created.body.id}`)).status, 200);
    const revoked = await api.request('GET', '/sweeps', { key: created.body.key });
    assert.equal(revoked.status, 401);
    assert.match(revoked.body.error.message, /revoked/);
  });

  it('should forbid launching with a read key and managing keys with a launch key', async () => {
    const launch = await api.request('POST', '/sweeps', { key: api.keys.read, body: { name: 'x', sources: ['rafdb'] } });
    assert.equal(launch.status, 403);
    const keys = await api.request('POST', '/keys', { key: api.keys.launch, body: { name: 'x', role: 'admin' } });
    assert.equal(keys.status, 403);
  });

  it('should answer 400 naming the field when a sweep spec is malformed, and store nothing', async () => {
    const bad = await api.request('POST', '/sweeps', {
      body: { name: 'bad', sources: ['rafdb'], base: { optimizer: { lr: -1 } }, unknownField: 1 },
    });
    assert.equal(bad.status, 400);
    const fields = bad.body.error.problems.map((p: { field: string }) => p.field);
    assert.ok(fields.includes('base.optimizer.lr'), JSON.stringify(fields));
    assert.ok(bad.body.error.problems.some((p: { message: string }) => /unknownField/.test(p.message)));
    const nan = await api.request('POST', '/sweeps', { raw: '{"name":"n","sources":["rafdb"],"base":{"lambdaDiverse":"NaN"}}' });
    assert.equal(nan.status, 400);
    assert.equal((await api.request('GET', '/sweeps')).body.total, 0);
  });

  it('should answer 400 for malformed JSON and 413 for an oversized body', async () => {
    const malformed = await api.request('POST', '/sweeps', { raw: '{"name": ' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'malformed_json');
    const huge = await api.request('POST', '/sweeps', { raw: JSON.stringify({ name: 'x'.repeat(2_000_000) }) });
    assert.equal(huge.status, 413);
  });

  it('should reject a sweep whose source has no dataset, naming the field and what to do', async () => {
    const response = await api.request('POST', '/sweeps', { body: { name: 'no-data', sources: ['rafdb'] } });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.problems[0].field, 'sources.0');
    assert.match(response.body.error.problems[0].message, /fer datasets import/);
  });

  it('should reject a search space of millions of runs before storing anything', async () => {
    const values = Array.from({ length: 200 }, (_, i) => i + 1);
    const response = await api.request('POST', '/sweeps', {
      body: { name: 'huge', sources: ['rafdb'], search: { kind: 'grid', parameters: { epochs: values, batchSize: values, maskNetHidden: values } } },
    });
    assert.equal(response.status, 400);
    assert.match(response.body.error.message, /limit/);
  });

  it('should serve the OpenAPI document', async () => {
    const response = await fetch(`${api.url}/api/docs-json`);
    assert.equal(response.status, 200);
    const document = (await response.json()) as { paths: Record<string, unknown> };
    assert.ok(document.paths['/api/v1/sweeps']);
    assert.ok(document.paths['/api/v1/leaderboards']);
  });

  it('should audit every successful write with the key that made it', async () => {
    await api.request('POST', '/keys', { body: { name: 'audited', role: 'read' } });
    const prisma = api.app.get(PrismaService).client;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const audits = await prisma.auditLog.findMany({ where: { action: 'POST /api/v1/keys' } });
    assert.ok(audits.length >= 1);
    assert.ok(audits.every((a) => a.apiKeyId !== null));
  });
});
