import type { PrismaClient } from '@fer/db';
import { startApiProcess, waitUntil } from '@fer/testing';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PrismaService } from '../../src/database/prisma.service';
import { WebhookDeliveryService } from '../../src/webhooks/webhook-delivery.service';
import { ApiHarness, startApiHarness } from '../support/api-test-harness';
import { assertRefused } from './bad-input-support';

const DOMAINS = ['synth-studio', 'synth-lowres', 'synth-wild', 'synth-dark', 'synth-noisy', 'train-only'];
/** A domain whose dataset has a train split and nothing else. */
const TRAIN_ONLY = 'train-only';

/** Registered domains (rows only), so that a valid request would be accepted and each refusal is the bad field's doing. */
async function registerDomains(prisma: PrismaClient): Promise<void> {
  for (const domain of DOMAINS) {
    await prisma.dataset.create({
      data: {
        id: `ds-${domain}`,
        name: domain,
        domain,
        format: 'imagefolder',
        root: '/nowhere',
        version: 1,
        checksum: domain,
        status: 'ready',
        counts: {},
        importReport: {},
        samples: { create: [{ key: 'a', split: 'train', label: 0, contentHash: 'a' }, ...(domain === TRAIN_ONLY ? [] : [{ key: 'b', split: 'test', label: 0, contentHash: 'b' }])] },
      },
    });
  }
}

/**
 * The holes "Safe by default" closed, each tried the way it was found: through the real API over HTTP, on a real
 * PostgreSQL and Redis. Every refusal stores nothing.
 */
describe('security: the API refuses what it must and says why', () => {
  let api: ApiHarness;
  let prisma: PrismaClient;
  let dataRoot: string;
  let receiver: Server;
  let receiverHits = 0;
  const validRun = { benchmark: 'synth5', source: 'synth-studio', targets: ['synth-dark'], config: { epochs: 2 } };

  before(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), 'fer-security-'));
    mkdirSync(join(dataRoot, 'models'));
    writeFileSync(join(dataRoot, 'models', 'clip.safetensors'), 'not really weights, but a file');
    symlinkSync('/etc', join(dataRoot, 'link'));
    api = await startApiHarness('security', {
      FER_DATA_ROOTS: dataRoot,
      FER_WEBHOOK_POLL_SECONDS: '3600',
      FER_AUTH_FAILURES_PER_MINUTE: '1000',
    });
    prisma = api.app.get(PrismaService).client;
    await registerDomains(prisma);
    receiver = createServer((request, response) => {
      receiverHits++;
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await api.close();
    receiver.close();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  const clip = (backboneWeights: string) => ({
    ...validRun,
    config: { epochs: 2, backbone: 'clip-vit-b32', backboneWeights },
  });
  const post = (path: string, body: unknown, headers?: Record<string, string>) => () =>
    api.request('POST', path, { key: api.keys.launch, body, headers });

  it('should refuse backbone weights reached through a symlink out of the data roots, without saying where it leads', async () => {
    const answer = await assertRefused(
      prisma,
      'weights via symlink',
      post('/runs', clip(join(dataRoot, 'link', 'passwd'))),
      {
        status: 400,
        names: /link that leads outside the data roots/,
        field: 'config.backboneWeights',
      },
    );
    assert.doesNotMatch(answer.text, /\/etc/, 'the symlink target is not revealed');
    await assertRefused(
      prisma,
      'sweep weights via symlink',
      post('/sweeps', {
        name: 's',
        benchmark: 'synth5',
        sources: ['synth-studio'],
        base: clip(join(dataRoot, 'link', 'passwd')).config,
      }),
      {
        status: 400,
        names: /outside the data roots/,
        field: 'base.backboneWeights',
      },
    );
  });

  it('should refuse a target without a test split, naming the dataset, instead of scoring it on another split', async () => {
    await assertRefused(prisma, 'run: target without a test split', post('/runs', { ...validRun, targets: [TRAIN_ONLY] }), {
      status: 400,
      names: /dataset "train-only" v1 .*has no test split/,
      field: 'targets.0',
    });
    await assertRefused(prisma, 'sweep: target without a test split', post('/sweeps', { name: 'no test', benchmark: 'synth5', sources: ['synth-studio'], targets: ['synth-dark', TRAIN_ONLY] }), {
      status: 400,
      names: /has no test split/,
      field: 'targets.1',
    });
    // Named on purpose, another split is used, and recorded on the run.
    const named = await post('/runs', { ...validRun, targets: [TRAIN_ONLY], targetSplit: 'train', seed: 41 })();
    assert.equal(named.status, 201, named.text);
    assert.equal((await prisma.run.findUniqueOrThrow({ where: { id: named.body.id } })).targetSplit, 'train');
    const unnamed = await post('/runs', { ...validRun, targets: ['synth-dark'], seed: 41 })();
    assert.notEqual(unnamed.body.id, named.body.id, 'the split is part of what makes a run');
  });

  it('should refuse backbone weights that do not exist or are a folder, and accept a file inside the roots', async () => {
    await assertRefused(
      prisma,
      'missing weights',
      post('/runs', clip(join(dataRoot, 'models', 'missing.safetensors'))),
      { status: 400, names: /does not exist/, field: 'config.backboneWeights' },
    );
    await assertRefused(prisma, 'weights folder', post('/runs', clip(join(dataRoot, 'models'))), {
      status: 400,
      names: /not a file/,
      field: 'config.backboneWeights',
    });
    assert.equal((await post('/runs', clip(join(dataRoot, 'models', 'clip.safetensors')))()).status, 201);
  });

  it('should refuse an Idempotency-Key reused with another body with 422, executing nothing', async () => {
    const headers = { 'idempotency-key': 'reuse-1' };
    assert.equal((await post('/runs', { ...validRun, seed: 1 }, headers)()).status, 201);
    await assertRefused(prisma, 'same key, other body', post('/runs', { ...validRun, seed: 2 }, headers), {
      status: 422,
      names: /already used for a different request/,
      code: 'idempotency_key_reused',
      field: 'Idempotency-Key',
    });
  });

  it('should execute concurrent requests with the same Idempotency-Key once', async () => {
    const before = await prisma.run.count();
    const headers = { 'idempotency-key': 'concurrent-1' };
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => post('/runs', { ...validRun, seed: 11 }, headers)()),
    );
    const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.id));
    assert.ok(
      answers.every((a) => a.status === 201 || a.status === 409),
      answers.map((a) => a.status).join(','),
    );
    assert.equal(ids.size, 1, 'every answer that created or replayed names the same run');
    assert.equal(await prisma.run.count(), before + 1);
    const busy = answers.find((a) => a.status === 409);
    if (busy) assert.match(busy.body.error.message, /still executing/);
  });

  it('should refuse webhook URLs that resolve to loopback, link-local, private or multicast addresses', async () => {
    for (const url of [
      'http://127.0.0.1:6379/',
      'http://localhost:5432/',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/hook',
      'http://172.16.5.4/hook',
      'http://192.168.1.1/hook',
      'http://[::1]:8080/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://224.0.0.1/hook',
      'http://0.0.0.0:22/',
    ]) {
      await assertRefused(prisma, `webhook ${url}`, () => api.request('POST', '/webhooks', { body: { url } }), {
        status: 400,
        names: /loopback, link-local, private or multicast|cannot resolve/,
        field: 'url',
      });
    }
  });

  it('should not deliver to an internal address that a webhook resolves to after it was created (DNS rebinding)', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    await prisma.webhook.create({ data: { id: 'rebound', url, events: ['*'], secret: 'whsec_0123456789abcdef' } });
    await prisma.webhookDelivery.create({
      data: { id: 'rebound-1', webhookId: 'rebound', event: 'run.succeeded', payload: { event: 'run.succeeded' } },
    });
    await api.app.get(WebhookDeliveryService).deliverDue();
    const delivery = await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: 'rebound-1' } });
    assert.equal(receiverHits, 0, 'no request reached the internal address');
    assert.equal(delivery.responseCode, null, 'no status code of an internal service is recorded');
    assert.match(delivery.error ?? '', /loopback, link-local, private or multicast/);
    await prisma.webhookDelivery.deleteMany({});
    await prisma.webhook.deleteMany({});
  });

  it('should announce cancelled queued runs: run.cancelled for each and sweep.completed after the last', async () => {
    await prisma.webhook.create({
      data: { id: 'all', url: 'https://203.0.113.10/hook', events: ['*'], secret: 'whsec_0123456789abcdef' },
    });
    const single = await post('/runs', { ...validRun, seed: 21 })();
    assert.equal(
      (await api.request('POST', `/runs/${single.body.id}/cancel`, { key: api.keys.launch })).body.status,
      'cancelled',
    );
    const sweep = await post('/sweeps', {
      name: 'to cancel',
      benchmark: 'synth5',
      sources: ['synth-studio'],
      targets: ['synth-dark'],
      seeds: [0, 1],
      base: { epochs: 2 },
    })();
    assert.equal(sweep.status, 201, sweep.text);
    assert.equal(
      (await api.request('POST', `/sweeps/${sweep.body.sweep.id}/cancel`, { key: api.keys.launch })).status,
      200,
    );
    const events = (await prisma.webhookDelivery.findMany({ where: { webhookId: 'all' } }))
      .map((d) => d.id.split(':').slice(0, 2).join(':'))
      .sort();
    const sweepRuns = (await prisma.run.findMany({ where: { sweepId: sweep.body.sweep.id } })).map(
      (r) => `run.cancelled:${r.id}`,
    );
    assert.deepEqual(
      events,
      [`run.cancelled:${single.body.id}`, ...sweepRuns, `sweep.completed:${sweep.body.sweep.id}`].sort(),
    );
    await prisma.webhook.delete({ where: { id: 'all' } });
  });

  it('should answer 404 in the error envelope, not a 200 stream, for live events of a missing run', async () => {
    const response = await fetch(`${api.url}/api/v1/runs/no-such-run/events`, {
      headers: { authorization: `Bearer ${api.keys.read}` },
    });
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'not_found');
  });

  it('should answer 405 with Allow for a method an existing path does not serve, and 404 for a path that does not exist', async () => {
    const wrong = await api.request('PUT', '/sweeps', { body: {} });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.body.error.code, 'method_not_allowed');
    const allow = await fetch(`${api.url}/api/v1/sweeps`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${api.keys.admin}` },
    });
    assert.equal(allow.headers.get('allow'), 'GET, HEAD, POST');
    assert.equal((await api.request('GET', '/no-such-endpoint')).status, 404);
  });

  it('should send security headers and no X-Powered-By on JSON answers and on the OpenAPI page', async () => {
    for (const path of ['/api/v1/health', '/api/v1/sweeps', '/api/docs']) {
      const response = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${api.keys.read}` } });
      assert.equal(response.headers.get('x-powered-by'), null, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
    }
  });

  it('should record when a key was last used, at most once a minute', async () => {
    const key = await api.request('POST', '/keys', { body: { name: 'used', role: 'read' } });
    assert.equal((await prisma.apiKey.findUniqueOrThrow({ where: { id: key.body.id } })).lastUsedAt, null);
    await api.request('GET', '/sweeps', { key: key.body.key });
    const first = await waitUntil(
      async () => (await prisma.apiKey.findUniqueOrThrow({ where: { id: key.body.id } })).lastUsedAt,
      'lastUsedAt',
      5000,
      50,
    );
    await api.request('GET', '/sweeps', { key: key.body.key });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(
      (await prisma.apiKey.findUniqueOrThrow({ where: { id: key.body.id } })).lastUsedAt,
      first,
      'not rewritten within the minute',
    );
  });
});

describe('security: sessions for the web UI', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApiHarness('sessions', { FER_SESSION_HOURS: '0.0005', FER_AUTH_FAILURES_PER_MINUTE: '1000' });
  });
  after(async () => api.close());

  const signIn = (body: object) => api.request('POST', '/sessions', { key: null, body });

  it('should act with the key role through a session, and stop at sign-out', async () => {
    const session = await signIn({ key: api.keys.read });
    assert.equal(session.status, 201, session.text);
    assert.equal(session.body.key.role, 'read');
    assert.match(session.body.token, /^fer_sess_/);
    assert.equal((await api.request('GET', '/sweeps', { key: session.body.token })).status, 200);
    const write = await api.request('POST', '/sweeps', { key: session.body.token, body: {} });
    assert.equal(write.status, 403, 'a read key signed in cannot write');
    assert.equal((await api.request('GET', '/sessions/current', { key: session.body.token })).body.key.role, 'read');
    assert.equal((await api.request('DELETE', '/sessions/current', { key: session.body.token })).body.signedOut, true);
    const after = await api.request('GET', '/sweeps', { key: session.body.token });
    assert.equal(after.status, 401);
    assert.match(after.body.error.message, /signed out/);
  });

  it('should end a session when its key is revoked', async () => {
    const key = await api.request('POST', '/keys', { body: { name: 'to revoke', role: 'launch' } });
    const session = await signIn({ key: key.body.key });
    assert.equal((await api.request('GET', '/runs', { key: session.body.token })).status, 200);
    await api.request('DELETE', `/keys/${key.body.id}`);
    assert.equal((await api.request('GET', '/runs', { key: session.body.token })).status, 401);
    assert.equal((await signIn({ key: key.body.key })).status, 401, 'a revoked key cannot sign in');
  });

  it('should end a session when it expires', async () => {
    const session = await signIn({ key: api.keys.read });
    assert.equal((await api.request('GET', '/runs', { key: session.body.token })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const expired = await api.request('GET', '/runs', { key: session.body.token });
    assert.equal(expired.status, 401);
    assert.match(expired.body.error.message, /expired/);
  });

  it('should sign in once with a one-time link made by an admin, never twice', async () => {
    assert.equal(
      (await api.request('POST', '/sessions/links', { key: api.keys.launch })).status,
      403,
      'only an admin makes links',
    );
    const link = await api.request('POST', '/sessions/links', { key: api.keys.admin });
    assert.equal(link.status, 201);
    const [first, second] = await Promise.all([
      signIn({ linkToken: link.body.token }),
      signIn({ linkToken: link.body.token }),
    ]);
    assert.deepEqual([first.status, second.status].sort(), [201, 401], 'one of two concurrent redemptions wins');
    assert.equal((first.status === 201 ? first : second).body.key.role, 'admin');
    assert.match((first.status === 401 ? first : second).body.error.message, /already used or expired/);
  });

  it('should refuse a sign-in naming the problem when the body is wrong or the key unknown', async () => {
    assert.equal((await signIn({})).status, 400);
    assert.equal((await signIn({ key: 'x', linkToken: 'y' })).status, 400);
    const unknown = await signIn({ key: 'fer_not-a-key' });
    assert.equal(unknown.status, 401);
    assert.match(unknown.body.error.message, /unknown API key/);
  });
});

describe('security: limits answer 429 with Retry-After', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApiHarness('limits', { FER_AUTH_FAILURES_PER_MINUTE: '5' });
  });
  after(async () => api.close());

  it('should limit failed authentications per client address, wrong keys and failed sign-ins alike', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await api.request('GET', '/sweeps', { key: `fer_wrong_${i}` })).status);
    statuses.push((await api.request('POST', '/sessions', { key: null, body: { key: 'fer_wrong_again' } })).status);
    const limited = await fetch(`${api.url}/api/v1/sweeps`, { headers: { authorization: 'Bearer fer_wrong_5' } });
    assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
    assert.equal(limited.status, 429);
    assert.match(
      ((await limited.json()) as { error: { message: string } }).error.message,
      /too many failed authentications/,
    );
    assert.ok(Number(limited.headers.get('retry-after')) > 0, 'Retry-After in seconds');
  });

  it('should send the standard Retry-After when a key exceeds its rate limit', async () => {
    const other = await startApiHarness('limits_rate', { FER_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      let last: Response | undefined;
      for (let i = 0; i < 4; i++)
        last = await fetch(`${other.url}/api/v1/sweeps`, { headers: { authorization: `Bearer ${other.keys.read}` } });
      assert.equal(last!.status, 429);
      assert.ok(Number(last!.headers.get('retry-after')) > 0, 'Retry-After in seconds');
      assert.equal(last!.headers.get('retry-after-per-key'), null);
    } finally {
      await other.close();
    }
  });
});

describe('security: the API log never holds a credential, sent in a query string or a header', () => {
  it('should log the request with the api_key value redacted and no header at all', async () => {
    const api = await startApiProcess('redaction', { LOG_LEVEL: 'info' });
    try {
      const secret = 'fer_query_secret_0123456789abcdef';
      const response = await fetch(`${api.url}/api/v1/sweeps?api_key=${secret}&status=x`, {
        headers: { authorization: `Bearer ${api.keys.read}`, cookie: 'fer_session=cookie_secret_0123', 'idempotency-key': 'idem_secret_0123' },
      });
      assert.equal(response.status, 200);
      const logged = await waitUntil(
        async () => api.child.output.join('').includes('/api/v1/sweeps?') && api.child.output.join(''),
        'the request log line',
        10_000,
        100,
      );
      assert.ok(!logged.includes(secret), 'the secret is not in the log');
      for (const credential of [api.keys.read, 'cookie_secret_0123', 'idem_secret_0123'])
        assert.ok(!logged.includes(credential), 'no header value is logged: credentials travel in headers');
      const line = JSON.parse(logged.split('\n').find((l) => l.includes('/api/v1/sweeps?'))!);
      assert.deepEqual(Object.keys(line.req).sort(), ['id', 'method', 'remoteAddress', 'url']);
      assert.equal(line.res.statusCode, 200);
      assert.match(logged, /api_key=%5Bredacted%5D/);
    } finally {
      await api.close();
    }
  });
});
