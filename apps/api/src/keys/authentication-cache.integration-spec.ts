import { waitUntil } from '@fer/testing';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';
import { terminateChangeListener } from '../../test/support/change-listener';
import { AuthenticationCache } from './authentication-cache';

/** Keys and sessions served from memory must end the moment PostgreSQL says they did, whoever changed them. */
describe('authentication cache', () => {
  let api: ApiHarness;
  let cache: AuthenticationCache;
  let operator: Client;
  before(async () => {
    api = await startApiHarness('authcache');
    cache = api.app.get(AuthenticationCache);
    operator = new Client({ connectionString: api.databaseUrl });
    await operator.connect();
  });
  after(async () => {
    await operator.end();
    await api.close();
  });

  const newKey = async (name: string) => {
    const created = await api.request('POST', '/keys', { body: { name, role: 'read' } });
    assert.equal(created.status, 201);
    return created.body as { id: string; key: string };
  };
  const statusWith = async (key: string) => (await api.request('GET', '/sweeps', { key })).status;
  const health = async () => (await api.request('GET', '/health', { key: null })).body;

  it('should serve a key from memory once it was read, and say so on /health', async () => {
    assert.equal((await health()).authCache, 'listening');
    const { key } = await newKey('cached');
    const before = cache.size;
    assert.equal(await statusWith(key), 200);
    assert.equal(cache.size, before + 1, 'the key is kept after its first request');
    assert.equal(await statusWith(key), 200);
  });

  it('should not store what a lookup read when a change was heard while it was reading', () => {
    const reading = { key: { id: 'k', name: 'k', role: 'read' as const, prefix: 'fer_k' }, expiresAt: null };
    const generation = cache.generation;
    cache.invalidate(); // a notification arrives between the read and the store
    cache.store('a-token-hash', reading, generation);
    assert.equal(cache.get('a-token-hash'), undefined);
    cache.store('a-token-hash', reading, cache.generation);
    assert.deepEqual(cache.get('a-token-hash'), reading);
    cache.invalidate();
  });

  it('should refuse a key revoked in psql by another connection, not only through this API', async () => {
    const { id, key } = await newKey('revoked-elsewhere');
    assert.equal(await statusWith(key), 200);
    await operator.query(`UPDATE "ApiKey" SET "revokedAt" = now() WHERE id = $1`, [id]);
    await waitUntil(async () => (await statusWith(key)) === 401, 'the revoked key to be refused', 10_000, 20);
    const refused = await api.request('GET', '/sweeps', { key });
    assert.match(refused.body.error.message, /revoked/);
  });

  it('should refuse a key on the very next request after DELETE /keys answered', async () => {
    const { id, key } = await newKey('revoked-here');
    assert.equal(await statusWith(key), 200);
    assert.equal((await api.request('DELETE', `/keys/${id}`)).status, 200);
    assert.equal(await statusWith(key), 401);
  });

  it('should refuse a role lowered in psql', async () => {
    const created = await api.request('POST', '/keys', { body: { name: 'demoted', role: 'launch' } });
    const launch = created.body.key as string;
    const cancel = () => api.request('POST', '/runs/no-such-run/cancel', { key: launch });
    assert.equal((await cancel()).status, 404, 'the launch role reaches the handler');
    await operator.query(`UPDATE "ApiKey" SET role = 'read' WHERE id = $1`, [created.body.id]);
    await waitUntil(async () => (await cancel()).status === 403, 'the lowered role to apply', 10_000, 20);
  });

  it('should end a session on sign-out at once, and on an expiry moved into the past in psql', async () => {
    const signIn = async () => {
      const response = await api.request('POST', '/sessions', { key: null, body: { key: api.keys.read } });
      assert.equal(response.status, 201);
      return response.body.token as string;
    };
    const signedOut = await signIn();
    assert.equal(await statusWith(signedOut), 200);
    assert.equal((await api.request('DELETE', '/sessions/current', { key: signedOut })).status, 200);
    assert.equal(await statusWith(signedOut), 401);

    const expired = await signIn();
    assert.equal(await statusWith(expired), 200);
    const { rowCount } = await operator.query(
      `UPDATE "Session" SET "expiresAt" = now() - interval '1 second' WHERE "endedAt" IS NULL AND "expiresAt" > now()`,
    );
    assert.ok(rowCount! >= 1);
    await waitUntil(async () => (await statusWith(expired)) === 401, 'the expired session to be refused', 10_000, 20);
  });

  it('should read every key from PostgreSQL while its listener is gone, and keep keys again once it is back', async () => {
    const { id, key } = await newKey('during-outage');
    assert.equal(await statusWith(key), 200);
    await terminateChangeListener(operator);
    await waitUntil(async () => (await health()).authCache === 'reconnecting', 'the cache to notice its lost listener', 10_000, 20);
    assert.equal(cache.size, 0, 'nothing is kept while nothing can be heard');
    // A revocation nobody listens to: the next request must still see it.
    await operator.query(`UPDATE "ApiKey" SET "revokedAt" = now() WHERE id = $1`, [id]);
    assert.equal(await statusWith(key), 401);
    await waitUntil(async () => (await health()).authCache === 'listening', 'the listener to reconnect', 10_000, 50);
    assert.equal(await statusWith(key), 401);
    assert.equal(await statusWith(api.keys.read), 200);
    assert.ok(cache.size >= 1, 'keys are kept again');
  });
});

describe('authentication cache turned off', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApiHarness('authcache-off', { FER_AUTH_CACHE_ENTRIES: '0' });
  });
  after(async () => api.close());

  it('should keep nothing and say so on /health', async () => {
    assert.equal((await api.request('GET', '/sweeps', { key: api.keys.read })).status, 200);
    assert.equal(api.app.get(AuthenticationCache).size, 0);
    assert.equal((await api.request('GET', '/health', { key: null })).body.authCache, 'off');
  });
});
