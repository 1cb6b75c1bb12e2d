import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';

describe('per-key rate limit', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApiHarness('ratelimit', { FER_RATE_LIMIT_PER_MINUTE: '5' });
  });
  after(async () => api.close());

  it('should answer 429 past the limit for one key while another key is still served', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await api.request('GET', '/sweeps', { key: api.keys.read })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    const limited = await api.request('GET', '/sweeps', { key: api.keys.read });
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.equal((await api.request('GET', '/sweeps', { key: api.keys.launch })).status, 200, 'limits are per key');
  });
});
