import type { PrismaClient } from '@fer/db';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PrismaService } from '../../src/database/prisma.service';
import { ApiHarness, startApiHarness } from '../support/api-test-harness';
import { assertRefused, rowCounts } from './bad-input-support';

const DOMAINS = ['synth-studio', 'synth-lowres', 'synth-wild', 'synth-dark', 'synth-noisy'];

/**
 * Bad requests to the API's write endpoints: each is answered with a 4xx in the error envelope naming what is
 * wrong, and no table gains a row. (The sweep-only cases of api.integration-spec.ts are not repeated here.)
 */
describe('bad input to the API: a 4xx naming the problem, nothing stored', () => {
  let api: ApiHarness;
  let prisma: PrismaClient;
  const valid = { name: 'valid', benchmark: 'synth5', sources: ['synth-studio'], base: { epochs: 2 } };
  const validRun = { benchmark: 'synth5', source: 'synth-studio', config: { epochs: 2 } };

  before(async () => {
    api = await startApiHarness('bad_input');
    prisma = api.app.get(PrismaService).client;
    // Registered domains (rows only), so a valid request would be accepted and each refusal is the bad field's doing.
    for (const domain of DOMAINS) {
      await prisma.dataset.create({
        data: { id: `ds-${domain}`, name: domain, domain, format: 'imagefolder', root: '/nowhere', version: 1, checksum: domain, status: 'ready', counts: {}, importReport: {}, samples: { create: [{ key: 'a', split: 'train', label: 0, contentHash: 'a' }, { key: 'b', split: 'test', label: 0, contentHash: 'b' }] } },
      });
    }
  });
  after(async () => api.close());

  const post = (path: string, options: Parameters<ApiHarness['request']>[2]) => () => api.request('POST', path, options);

  it('should refuse malformed, truncated, non-object and oversized JSON on every write endpoint', async () => {
    // (POST /sweeps with truncated or oversized JSON is covered in api.integration-spec.ts.)
    for (const path of ['/runs', '/retrain', '/datasets', '/webhooks', '/keys', '/queues/probes', '/sweeps']) {
      if (path !== '/sweeps') {
        await assertRefused(prisma, `${path} truncated JSON`, post(path, { raw: '{"source": "synth-studio", "config": {"epochs": ' }), { status: 400, names: /malformed JSON/, code: 'malformed_json' });
        await assertRefused(prisma, `${path} 2 MB`, post(path, { raw: JSON.stringify({ name: 'x', pad: 'y'.repeat(2_000_000) }) }), { status: 413, names: /too large/, code: 'payload_too_large' });
      }
      await assertRefused(prisma, `${path} NaN literal`, post(path, { raw: '{"config": {"epochs": NaN}}' }), { status: 400, names: /malformed JSON/, code: 'malformed_json' });
      await assertRefused(prisma, `${path} a bare string`, post(path, { raw: '"synth-studio"' }), { status: 400, names: /malformed JSON|expected object/i });
      await assertRefused(prisma, `${path} an array`, post(path, { raw: '[{"name": "x"}]' }), { status: 400, names: /expected object|array/i });
      await assertRefused(prisma, `${path} null`, post(path, { raw: 'null' }), { status: 400, names: /malformed JSON|expected object/i });
    }
    // JSON sent as text/plain is not parsed: the body is empty and the missing fields are named.
    await assertRefused(prisma, 'text/plain body', post('/runs', { raw: JSON.stringify(validRun), headers: { 'content-type': 'text/plain' } }), { status: 400, names: /\(body\).*expected object/ });
    // Nesting deep enough to blow a recursive parser, under the size limit.
    const deep = '{"source": "synth-studio", "config": ' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
    await assertRefused(prisma, 'deeply nested JSON', post('/runs', { raw: deep }), { status: 400, names: /config/ });
  });

  it('should refuse unknown fields at every level, naming them', async () => {
    await assertRefused(prisma, 'run: unknown top-level field', post('/runs', { body: { ...validRun, gpu: 'a100' } }), { status: 400, names: /gpu/ });
    await assertRefused(prisma, 'run: unknown config field', post('/runs', { body: { ...validRun, config: { epochs: 2, dropout: 0.5 } } }), { status: 400, names: /dropout/ });
    await assertRefused(prisma, 'run: unknown optimizer field', post('/runs', { body: { ...validRun, config: { optimizer: { momentum: 0.9 } } } }), { status: 400, names: /momentum/ });
    await assertRefused(prisma, 'sweep: unknown search parameter', post('/sweeps', { body: { ...valid, search: { kind: 'grid', parameters: { dropout: [0.1, 0.2] } } } }), { status: 400, names: /dropout/, field: 'search.parameters.dropout' });
    await assertRefused(prisma, 'sweep: unknown nested search parameter', post('/sweeps', { body: { ...valid, search: { kind: 'grid', parameters: { 'optimizer.momentum': [0.9] } } } }), { status: 400, names: /momentum.*value 0\.9/, field: 'search.parameters.optimizer.momentum' });
    await assertRefused(prisma, 'sweep: parameter below a leaf', post('/sweeps', { body: { ...valid, search: { kind: 'grid', parameters: { 'epochs.max': [3] } } } }), { status: 400, names: /epochs\.max/ });
    await assertRefused(prisma, 'sweep: unknown search field', post('/sweeps', { body: { ...valid, search: { kind: 'grid', parameters: {}, shuffle: true } } }), { status: 400, names: /shuffle/ });
    await assertRefused(prisma, 'retrain: unknown field', post('/retrain', { body: { configId: 'cfg_x', seeds: [1], force: true } }), { status: 400, names: /force/ });
    await assertRefused(prisma, 'dataset: unknown field', post('/datasets', { body: { name: 'd', format: 'imagefolder', path: '/tmp', recursive: true } }), { status: 400, names: /recursive/ });
    await assertRefused(prisma, 'webhook: unknown field', post('/webhooks', { body: { url: 'http://127.0.0.1:9/h', retries: 3 } }), { status: 400, names: /retries/ });
    await assertRefused(prisma, 'key: unknown field', post('/keys', { body: { name: 'k', role: 'read', expires: '2030-01-01' } }), { status: 400, names: /expires/ });
  });

  it('should refuse NaN, Infinity, negative and out-of-range hyperparameters, naming the field', async () => {
    // 1e999 is valid JSON that parses to Infinity.
    const cases: [string, string, object | string, string][] = [
      ['run: Infinity learning rate', '/runs', `{"source": "synth-studio", "benchmark": "synth5", "config": {"optimizer": {"lr": 1e999}}}`, 'config.optimizer.lr'],
      ['run: -Infinity lambda', '/runs', `{"source": "synth-studio", "benchmark": "synth5", "config": {"lambdaDiverse": -1e999}}`, 'config.lambdaDiverse'],
      ['run: "NaN" epochs', '/runs', { ...validRun, config: { epochs: 'NaN' } }, 'config.epochs'],
      ['run: negative epochs', '/runs', { ...validRun, config: { epochs: -3 } }, 'config.epochs'],
      ['run: fractional epochs', '/runs', { ...validRun, config: { epochs: 2.5 } }, 'config.epochs'],
      ['run: zero batch size', '/runs', { ...validRun, config: { batchSize: 0 } }, 'config.batchSize'],
      ['run: negative weight decay', '/runs', { ...validRun, config: { optimizer: { weightDecay: -0.1 } } }, 'config.optimizer.weightDecay'],
      ['run: drop ratio 1', '/runs', { ...validRun, config: { dropRatio: 1 } }, 'config.dropRatio'],
      ['run: erasing scale reversed', '/runs', { ...validRun, config: { augment: { erasingScale: [0.5, 0.1] } } }, 'config.augment.erasingScale'],
      ['run: negative seed', '/runs', { ...validRun, seed: -1 }, 'seed'],
      ['run: huge seed', '/runs', `{"source": "synth-studio", "benchmark": "synth5", "seed": 1e300}`, 'seed'],
      ['sweep: Infinity in the base', '/sweeps', `{"name": "inf", "benchmark": "synth5", "sources": ["synth-studio"], "base": {"optimizer": {"gamma": 1e999}}}`, 'base.optimizer.gamma'],
      ['sweep: negative seed', '/sweeps', { ...valid, seeds: [0, -1] }, 'seeds.1'],
      ['sweep: Infinity in a grid', '/sweeps', `{"name": "g", "benchmark": "synth5", "sources": ["synth-studio"], "search": {"kind": "grid", "parameters": {"optimizer.lr": [1e-3, 1e999]}}}`, 'search.parameters.optimizer.lr.1'],
      ['sweep: negative lr in a grid', '/sweeps', { ...valid, search: { kind: 'grid', parameters: { 'optimizer.lr': [1e-3, -1e-3] } } }, 'search.parameters.optimizer.lr'],
      ['sweep: string epochs in a grid', '/sweeps', { ...valid, search: { kind: 'grid', parameters: { epochs: [2, 'NaN'] } } }, 'search.parameters.epochs'],
      ['sweep: loguniform below zero', '/sweeps', { ...valid, search: { kind: 'random', budget: 3, parameters: { 'optimizer.lr': { type: 'loguniform', min: -1, max: 1e-3 } } } }, 'search.parameters.optimizer.lr.min'],
      ['sweep: uniform reaching negative lr', '/sweeps', { ...valid, search: { kind: 'random', budget: 20, parameters: { 'optimizer.lr': { type: 'uniform', min: -1, max: 1e-3 } } } }, ''],
      ['sweep: fractional int bounds', '/sweeps', { ...valid, search: { kind: 'random', budget: 2, parameters: { epochs: { type: 'int', min: 1.5, max: 4 } } } }, 'search.parameters.epochs.min'],
      ['sweep: Infinity uniform bound', '/sweeps', `{"name": "u", "benchmark": "synth5", "sources": ["synth-studio"], "search": {"kind": "random", "budget": 2, "parameters": {"lambdaDiverse": {"type": "uniform", "min": 0, "max": 1e999}}}}`, 'search.parameters.lambdaDiverse.max'],
    ];
    for (const [what, path, body, field] of cases) {
      const options = typeof body === 'string' ? { raw: body } : { body };
      const fieldName = field.split('.').filter((part) => !/^\d+$/.test(part)).pop() ?? '';
      const answer = await assertRefused(prisma, what, post(path, options), { status: 400, names: new RegExp(fieldName.replace('.', '\\.')), code: 'validation_failed' });
      if (field) {
        const fields: string[] = answer.body.error.problems.map((p: { field: string }) => p.field);
        assert.ok(fields.some((f) => f === field || f.startsWith(`${field}.`) || field.startsWith(f)), `${what}: problems name ${field}, got ${JSON.stringify(fields)}`);
      } else {
        assert.match(answer.body.error.message, /optimizer\.lr/, what);
      }
    }
  });

  it('should refuse search spaces that expand to millions of runs quickly, whichever factor makes them big', async () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    const cases: [string, object, RegExp][] = [
      ['10^10-point grid', { ...valid, search: { kind: 'grid', parameters: Object.fromEntries(['epochs', 'batchSize', 'maskNetHidden', 'imageSize', 'maxTrainSamples', 'lambdaDiverse', 'lambdaSeparation', 'optimizer.lr', 'optimizer.gamma', 'optimizer.eps'].map((p) => [p, values(10)])) } }, /limit|exceeds/],
      ['grid under the limit x 100 seeds', { ...valid, seeds: values(100), search: { kind: 'grid', parameters: { epochs: values(1000) } } }, /100000 runs/],
      ['random budget over the limit', { ...valid, search: { kind: 'random', budget: 1_000_000, parameters: { lambdaDiverse: { type: 'uniform', min: 0, max: 5 } } } }, /budget/],
      ['random budget x seeds x sources', { ...valid, seeds: values(50), sources: Array.from({ length: 50 }, () => 'synth-studio'), search: { kind: 'random', budget: 5000, parameters: { lambdaDiverse: { type: 'uniform', min: 0, max: 5 } } } }, /runs; the limit/],
    ];
    for (const [what, body, names] of cases) {
      const started = Date.now();
      await assertRefused(prisma, what, post('/sweeps', { body }), { status: 400, names, code: 'validation_failed' });
      assert.ok(Date.now() - started < 3000, `${what}: refused in ${Date.now() - started} ms`);
    }
  });

  it('should refuse a wrong, malformed or revoked API key and a role too small, storing nothing', async () => {
    const created = await api.request('POST', '/keys', { body: { name: 'to-revoke', role: 'admin' } });
    assert.equal(created.status, 201);
    assert.equal((await api.request('DELETE', `/keys/${created.body.id}`)).status, 200);
    const revoked: string = created.body.key;
    const keyCases: [string, Record<string, string> | undefined, string | null, RegExp, number][] = [
      ['revoked admin key', undefined, revoked, /revoked/, 401],
      ['unknown key', undefined, `${revoked.slice(0, -4)}abcd`, /unknown API key/, 401],
      ['no key', undefined, null, /missing API key/, 401],
      ['Basic scheme', { authorization: `Basic ${Buffer.from(`x:${api.keys.admin}`).toString('base64')}` }, null, /missing API key/, 401],
      ['two tokens', { authorization: `Bearer ${api.keys.admin} ${api.keys.admin}` }, null, /missing API key/, 401],
    ];
    for (const [what, headers, key, names, status] of keyCases) {
      await assertRefused(prisma, `sweep with ${what}`, post('/sweeps', { body: valid, key, headers }), { status, names, code: 'unauthenticated' });
      await assertRefused(prisma, `run with ${what}`, post('/runs', { body: validRun, key, headers: { 'idempotency-key': 'k1', ...headers } }), { status, names, code: 'unauthenticated' });
      await assertRefused(prisma, `key with ${what}`, post('/keys', { body: { name: 'x', role: 'admin' }, key, headers }), { status, names, code: 'unauthenticated' });
    }
    await assertRefused(prisma, 'run with a read key', post('/runs', { body: validRun, key: api.keys.read }), { status: 403, names: /"launch" role/, code: 'forbidden' });
    await assertRefused(prisma, 'dataset with a read key', post('/datasets', { body: { name: 'd', format: 'imagefolder', path: '/tmp' }, key: api.keys.read }), { status: 403, names: /"launch" role/, code: 'forbidden' });
    await assertRefused(prisma, 'webhook with a launch key', post('/webhooks', { body: { url: 'http://127.0.0.1:9/h' }, key: api.keys.launch }), { status: 403, names: /"admin" role/, code: 'forbidden' });
    await assertRefused(prisma, 'Idempotency-Key too long', post('/runs', { body: validRun, headers: { 'idempotency-key': 'k'.repeat(201) } }), { status: 400, names: /Idempotency-Key/ });
  });

  it('should refuse webhook URLs with a non-HTTP scheme and store no webhook', async () => {
    for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1:70/x', 'data:text/plain,hello', 'ws://127.0.0.1:9/socket', 'javascript:fetch(1)', '//127.0.0.1/relative', 'http//missing-colon']) {
      await assertRefused(prisma, `webhook ${url}`, post('/webhooks', { body: { url } }), { status: 400, names: /http:\/\/ or https:\/\//, field: 'url' });
    }
    assert.equal(await prisma.webhook.count(), 0);
  });

  it('should still accept the valid requests the cases above were made from', async () => {
    const before = await rowCounts(prisma);
    assert.equal((await api.request('POST', '/sweeps', { body: valid })).status, 201);
    assert.equal((await api.request('POST', '/runs', { body: validRun })).status, 201);
    // A public address (TEST-NET-3, documentation-only: never delivered to here, nothing is sent before an event).
    assert.equal((await api.request('POST', '/webhooks', { body: { url: 'https://203.0.113.10:9/h' } })).status, 201);
    const after = await rowCounts(prisma);
    assert.ok(after.sweeps === before.sweeps + 1 && after.runs > before.runs && after.webhooks === 1);
  });
});
