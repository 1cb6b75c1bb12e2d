import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrl } from './redact-url';

describe('redactUrl', () => {
  it('should hide the values of credential-like query parameters and keep the others when logging a URL', () => {
    assert.equal(
      redactUrl('/api/v1/runs?api_key=fer_secret&status=queued'),
      '/api/v1/runs?api_key=%5Bredacted%5D&status=queued',
    );
    assert.equal(
      redactUrl('/api/v1/runs?token=a&access_token=b'),
      '/api/v1/runs?token=%5Bredacted%5D&access_token=%5Bredacted%5D',
    );
    assert.equal(redactUrl('/api/v1/leaderboards?source=rafdb'), '/api/v1/leaderboards?source=rafdb');
    assert.equal(redactUrl('/api/v1/health'), '/api/v1/health');
  });
});
