import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthFailureLimiter } from './auth-failure.limiter';

describe('AuthFailureLimiter', () => {
  it('should block an address after the limit of failures in a minute and free it a minute after the first', () => {
    let now = 1_000_000;
    const limiter = new AuthFailureLimiter(3, () => now);
    for (let i = 0; i < 3; i++) {
      assert.equal(limiter.retryAfterSeconds('10.0.0.1'), 0);
      limiter.record('10.0.0.1');
      now += 1000;
    }
    assert.equal(limiter.retryAfterSeconds('10.0.0.1'), 57);
    assert.equal(limiter.retryAfterSeconds('10.0.0.2'), 0, 'another address is not affected');
    now += 57_000;
    assert.equal(limiter.retryAfterSeconds('10.0.0.1'), 0);
  });
});
