import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client } from 'pg';
import { emptyDatabase } from './empty-database.spec-support';
import { migrationsBefore } from './migrations-before.spec-support';
import { migrateDatabase } from './migrator';
import { defaultMigrationsDir } from './repo-paths';

const MIGRATION = '20261129113134_method_renames';

describe('migration 20261129113134_method_renames', () => {
  let drop: (() => Promise<void>) | undefined;
  after(async () => drop?.());

  it('should rename finetune to mlp-probe or erm, pin old cafe mlp configs to no final ReLU, and keep every id and reference', async () => {
    const db = await emptyDatabase('method_renames');
    drop = db.drop;
    await migrateDatabase(db.url, migrationsBefore(MIGRATION));
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const configs: Record<string, object> = {
        'cfg-probe': { method: 'finetune', maskNet: 'mlp', epochs: 3 },
        'cfg-erm': { method: 'finetune', maskNet: 'resnet18', imageSize: 112 },
        'cfg-cafe': { method: 'cafe', maskNet: 'mlp', useMask: true },
        'cfg-cafe-image': { method: 'cafe', maskNet: 'resnet18' },
        'cfg-linear': { method: 'linear-probe', maskNet: 'mlp' },
      };
      for (const [id, body] of Object.entries(configs))
        await client.query('INSERT INTO "Config" (id, method, body) VALUES ($1, $2, $3)', [id, (body as { method: string }).method, JSON.stringify(body)]);
      await client.query(
        `INSERT INTO "Dataset" (id, name, format, domain, root, version, checksum, counts, "importReport") VALUES ('ds', 'd', 'rafdb', 'rafdb', '/d', 1, 'c', '{}', '{}')`,
      );
      for (const [runId, configId] of [['run-probe', 'cfg-probe'], ['run-erm', 'cfg-erm'], ['run-cafe', 'cfg-cafe']])
        await client.query(
          `INSERT INTO "Run" (id, "configId", "groupKey", params, "sourceDatasetId", "sourceDomain", targets, seed, epochs, "updatedAt") VALUES ($1, $2, $2, $3, 'ds', 'rafdb', '{}', 0, 3, now())`,
          [runId, configId, JSON.stringify({ method: runId === 'run-cafe' ? 'cafe' : 'finetune', lambdaDiverse: 5 })],
        );

      await client.query(`INSERT INTO "Benchmark" (name, description, domains) VALUES ('fer5', 'b', '{rafdb}') ON CONFLICT DO NOTHING`);
      for (const [id, base] of [['swp-probe', { method: 'finetune', maskNet: 'mlp' }], ['swp-cafe', { method: 'cafe', maskNet: 'mlp' }]] as const)
        await client.query(
          `INSERT INTO "Sweep" (id, name, benchmark, spec, "baseConfig", "searchSpace", seeds, sources, targets) VALUES ($1, 's', 'fer5', '{}', $2, '{}', '{0}', '{rafdb}', '{}')`,
          [id, JSON.stringify(base)],
        );

      const result = await migrateDatabase(db.url, defaultMigrationsDir());
      assert.ok(result.applied.includes(MIGRATION));
      const sweeps = new Map((await client.query('SELECT id, "baseConfig" FROM "Sweep"')).rows.map((r) => [r.id, r.baseConfig]));
      assert.deepEqual(sweeps.get('swp-probe'), { method: 'mlp-probe', maskNet: 'mlp' }, 'a sweep base is renamed as its configs are');
      assert.deepEqual(sweeps.get('swp-cafe'), { method: 'cafe', maskNet: 'mlp', maskNetFinalRelu: false });

      const stored = new Map((await client.query('SELECT id, method, body FROM "Config"')).rows.map((r) => [r.id, r]));
      assert.equal(stored.size, 5, 'no config lost, ids unchanged');
      assert.deepEqual([stored.get('cfg-probe').method, stored.get('cfg-probe').body], ['mlp-probe', { method: 'mlp-probe', maskNet: 'mlp', epochs: 3 }]);
      assert.deepEqual([stored.get('cfg-erm').method, stored.get('cfg-erm').body], ['erm', { method: 'erm', maskNet: 'resnet18', imageSize: 112 }]);
      assert.equal(stored.get('cfg-cafe').body.maskNetFinalRelu, false);
      assert.equal('maskNetFinalRelu' in stored.get('cfg-cafe-image').body, false);
      assert.deepEqual(stored.get('cfg-linear').body, configs['cfg-linear']);
      const runs = new Map((await client.query('SELECT id, "configId", params FROM "Run"')).rows.map((r) => [r.id, r]));
      assert.deepEqual(
        [...runs.values()].map((r) => [r.id, r.configId, r.params.method]).sort(),
        [['run-cafe', 'cfg-cafe', 'cafe'], ['run-erm', 'cfg-erm', 'erm'], ['run-probe', 'cfg-probe', 'mlp-probe']],
      );
    } finally {
      await client.end();
    }
  });
});
