import { generateSyntheticBenchmark } from '@fer/datasets';
import { waitUntil } from '@fer/testing';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';
import { terminateChangeListener } from '../../test/support/change-listener';
import { SubmissionCatalogCache } from './submission-catalog.cache';

/** A submission served from a kept catalog must resolve as a fresh read would, whoever changed benchmarks or datasets. */
describe('submission catalog cache', () => {
  let api: ApiHarness;
  let cache: SubmissionCatalogCache;
  let operator: Client;
  let root: string;
  let seed = 0;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'fer-catalog-'));
    const options = { perClassTrain: 1, perClassTest: 1, size: 32, domains: ['synth-studio', 'synth-dark'] as const };
    await generateSyntheticBenchmark({ ...options, outDir: join(root, 'v1'), seed: 'catalog-v1' });
    await generateSyntheticBenchmark({ ...options, outDir: join(root, 'v2'), seed: 'catalog-v2' });
    api = await startApiHarness('catalog', { FER_DATA_ROOTS: root });
    cache = api.app.get(SubmissionCatalogCache);
    operator = new Client({ connectionString: api.databaseUrl });
    await operator.connect();
    for (const domain of ['synth-studio', 'synth-dark']) {
      const imported = await api.request('POST', '/datasets', {
        body: { name: domain, format: 'imagefolder', path: join(root, 'v1', domain) },
      });
      assert.equal(imported.status, 201, imported.text);
    }
    for (const name of ['lab2', 'lab2-open']) {
      const lab = await api.request('POST', '/benchmarks', {
        key: api.keys.launch,
        body: { name, description: 'two domains', domains: ['synth-studio', 'synth-dark'] },
      });
      assert.equal(lab.status, 201, lab.text);
    }
  });
  after(async () => {
    await operator.end();
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });

  const submit = (benchmark = 'lab2') =>
    api.request('POST', '/runs', {
      key: api.keys.launch,
      body: { benchmark, source: 'synth-studio', seed: ++seed, config: { epochs: 1 } },
    });
  const health = async () => (await api.request('GET', '/health', { key: null })).body;
  const newestStudio = async () =>
    (
      await operator.query(
        `SELECT id FROM "Dataset" WHERE domain = 'synth-studio' ORDER BY "createdAt" DESC, version DESC LIMIT 1`,
      )
    ).rows[0].id as string;

  it('should keep a catalog after the first submission and serve the next one from memory, and say so on /health', async () => {
    assert.equal((await health()).catalogCache, 'listening');
    cache.invalidate();
    const first = await submit();
    assert.equal(first.status, 201, first.text);
    assert.equal(cache.size, 1, 'the catalog is kept');
    const second = await submit();
    assert.equal(second.status, 201, second.text);
    assert.equal(cache.size, 1, 'the same catalog served it');
    assert.equal(second.body.sourceDatasetId, first.body.sourceDatasetId);
  });

  it('should hear the triggers: with them disabled an archive made in psql goes unheard, with them it is refused', async () => {
    assert.equal((await submit()).status, 201);
    await operator.query(`ALTER TABLE "Benchmark" DISABLE TRIGGER "Benchmark_catalog_changed"`);
    try {
      await operator.query(`UPDATE "Benchmark" SET "archivedAt" = now() WHERE name = 'lab2'`);
      assert.equal((await submit()).status, 201, 'served from the kept catalog: only the trigger tells this process');
    } finally {
      await operator.query(`UPDATE "Benchmark" SET "archivedAt" = NULL WHERE name = 'lab2'`);
      await operator.query(`ALTER TABLE "Benchmark" ENABLE TRIGGER "Benchmark_catalog_changed"`);
    }
    await operator.query(`UPDATE "Benchmark" SET "archivedAt" = now() WHERE name = 'lab2'`);
    await waitUntil(async () => (await submit()).status === 400, 'the archived benchmark to be refused', 10_000, 20);
    const refused = await submit();
    assert.match(refused.body.error.message, /archived/);
    await operator.query(`UPDATE "Benchmark" SET "archivedAt" = NULL WHERE name = 'lab2'`);
    await waitUntil(async () => (await submit()).status === 201, 'the reopened benchmark to take runs', 10_000, 20);
  });

  it('should resolve to a version added in psql, refuse it once its train split is deleted there, and pass over it once it is not ready', async () => {
    const before = await submit();
    assert.equal(before.status, 201);
    await operator.query(
      `INSERT INTO "Dataset" (id, name, format, domain, root, version, checksum, status, counts, "importReport")
       VALUES ('ds-studio-psql', 'synth-studio', 'imagefolder', 'synth-studio', '/psql', 99, 'psql', 'ready', '{}', '{}')`,
    );
    await operator.query(
      `INSERT INTO "DatasetSample" ("datasetId", key, split, label, "contentHash") VALUES ('ds-studio-psql', 'a', 'train', 0, 'a'), ('ds-studio-psql', 'b', 'test', 0, 'b')`,
    );
    await waitUntil(
      async () => (await submit()).body.sourceDatasetId === 'ds-studio-psql',
      'the new version to be resolved',
      10_000,
      20,
    );

    await operator.query(`DELETE FROM "DatasetSample" WHERE "datasetId" = 'ds-studio-psql' AND split = 'train'`);
    await waitUntil(
      async () => (await submit()).status === 400,
      'the version without a train split to be refused',
      10_000,
      20,
    );
    const refused = await submit();
    assert.equal(refused.body.error.problems[0].field, 'source');
    assert.match(refused.body.error.problems[0].message, /train/);

    await operator.query(`UPDATE "Dataset" SET status = 'failed' WHERE id = 'ds-studio-psql'`);
    await waitUntil(
      async () => (await submit()).body.sourceDatasetId === before.body.sourceDatasetId,
      'the failed version to be passed over',
      10_000,
      20,
    );
  });

  it('should resolve a version imported through this API and refuse a benchmark archived through it on the very next submission, without waiting for a notification', async () => {
    assert.equal((await submit()).status, 201);
    // With the triggers off, only the importing or archiving process itself can forget what it kept.
    const triggers = [
      '"Dataset" DISABLE TRIGGER "Dataset_catalog_changed"',
      '"DatasetSample" DISABLE TRIGGER "DatasetSample_catalog_changed"',
      '"Benchmark" DISABLE TRIGGER "Benchmark_catalog_changed"',
    ];
    for (const trigger of triggers) await operator.query(`ALTER TABLE ${trigger}`);
    try {
      const imported = await api.request('POST', '/datasets', {
        body: { name: 'synth-studio', format: 'imagefolder', path: join(root, 'v2', 'synth-studio') },
      });
      assert.equal(imported.status, 201, imported.text);
      const next = await submit();
      assert.equal(next.status, 201, next.text);
      assert.equal(next.body.sourceDatasetId, imported.body.id);
      assert.equal(next.body.sourceDatasetId, await newestStudio());

      assert.equal((await api.request('POST', '/benchmarks/lab2/archive', { key: api.keys.launch })).status, 200);
      const refused = await submit();
      assert.equal(refused.status, 400, refused.text);
      assert.match(refused.body.error.message, /archived/);
    } finally {
      for (const trigger of triggers) await operator.query(`ALTER TABLE ${trigger.replace('DISABLE', 'ENABLE')}`);
    }
  });

  it('should read every catalog from PostgreSQL while its listener is gone, and keep them again once it is back', async () => {
    assert.equal((await submit('lab2-open')).status, 201);
    assert.ok(cache.size >= 1);
    await terminateChangeListener(operator);
    await waitUntil(
      async () => (await health()).catalogCache === 'reconnecting',
      'the cache to notice its lost listener',
      10_000,
      20,
    );
    assert.equal(cache.size, 0, 'nothing is kept while nothing can be heard');
    // A version nobody listens to: the next submission must still resolve to it.
    await operator.query(`UPDATE "Dataset" SET "createdAt" = now() + interval '1 hour' WHERE id = (
      SELECT id FROM "Dataset" WHERE domain = 'synth-studio' ORDER BY "createdAt", version LIMIT 1)`);
    const during = await submit('lab2-open');
    assert.equal(during.status, 201, during.text);
    assert.equal(during.body.sourceDatasetId, await newestStudio());
    assert.equal(cache.size, 0);
    await waitUntil(async () => (await health()).catalogCache === 'listening', 'the listener to reconnect', 10_000, 50);
    assert.equal((await submit('lab2-open')).body.sourceDatasetId, await newestStudio());
    assert.ok(cache.size >= 1, 'catalogs are kept again');
  });
});

describe('submission catalog cache turned off', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApiHarness('catalog-off', { FER_CATALOG_CACHE_ENTRIES: '0' });
  });
  after(async () => api.close());

  it('should keep nothing and say so on /health, while keys are still kept', async () => {
    const refused = await api.request('POST', '/runs', {
      key: api.keys.launch,
      body: { source: 'rafdb', seed: 1, config: { epochs: 1 } },
    });
    assert.equal(refused.status, 400, 'no dataset is imported here');
    assert.equal(api.app.get(SubmissionCatalogCache).size, 0);
    const health = (await api.request('GET', '/health', { key: null })).body;
    assert.equal(health.catalogCache, 'off');
    assert.equal(health.authCache, 'listening');
  });
});
