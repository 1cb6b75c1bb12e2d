import { QueueName } from '@fer/contracts';
import { jobIdOf, queuePriority } from '@fer/experiments';
import { generateSyntheticBenchmark } from '@fer/datasets';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { QueueService } from '../queues/queue.service';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';

describe('runs: API-triggered training and retraining', () => {
  let api: ApiHarness;
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'fer-runs-'));
    await generateSyntheticBenchmark({ outDir: root, perClassTrain: 2, perClassTest: 1, size: 32, seed: 'runs', domains: ['synth-studio', 'synth-dark'] });
    api = await startApiHarness('runs', { FER_DATA_ROOTS: root });
    for (const domain of ['synth-studio', 'synth-dark']) {
      await api.request('POST', '/datasets', { body: { name: domain, format: 'imagefolder', path: join(root, domain) } });
    }
  });
  after(async () => {
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });

  const runBody = (seed: number) => ({ benchmark: 'synth5', source: 'synth-studio', targets: ['synth-dark'], seed, config: { epochs: 2 } });

  it('should create one run when the same Idempotency-Key is sent twice, replaying the first answer', async () => {
    const headers = { 'idempotency-key': 'retry-after-timeout-1' };
    const first = await api.request('POST', '/runs', { key: api.keys.launch, body: runBody(1), headers });
    assert.equal(first.status, 201);
    const second = await api.request('POST', '/runs', { key: api.keys.launch, body: runBody(1), headers });
    assert.equal(second.status, 201);
    assert.equal(second.body.id, first.body.id, 'the replay answers with the first run');
    const runs = await api.request('GET', '/runs');
    assert.equal(runs.body.total, 1);
    const other = await api.request('POST', '/runs', { key: api.keys.launch, body: runBody(2), headers: { 'idempotency-key': 'another' } });
    assert.notEqual(other.body.id, first.body.id);
  });

  it('should answer a new run with the summary GET /runs/:id gives, and a resubmitted one with the stored run, not a second', async () => {
    const created = await api.request('POST', '/runs', { key: api.keys.launch, body: runBody(11) });
    assert.equal(created.status, 201, created.text);
    const stored = await api.request('GET', `/runs/${created.body.id}`, { key: api.keys.read });
    assert.deepEqual(created.body, stored.body.run, 'the insert returns what a read gives');
    const before = (await api.request('GET', '/runs', { key: api.keys.read })).body.total;
    const again = await api.request('POST', '/runs', { key: api.keys.launch, body: runBody(11) });
    assert.equal(again.status, 201, again.text);
    assert.deepEqual(again.body, stored.body.run, 'the same run, read back');
    assert.equal((await api.request('GET', '/runs', { key: api.keys.read })).body.total, before, 'no second run');
  });

  it('should enqueue the run as interactive work with job id = run id', async () => {
    const created = await api.request('POST', '/runs', { key: api.keys.launch, body: runBody(7) });
    const job = await api.app.get(QueueService).queues.queue(QueueName.Train).getJob(jobIdOf(QueueName.Train, { runId: created.body.id }));
    assert.ok(job);
    // Interactive class; within it, the key's fair-share rank (its runs already waiting).
    assert.ok(job!.opts.priority! >= queuePriority('interactive') && job!.opts.priority! < queuePriority('background'), `priority ${job!.opts.priority}`);
    assert.equal(created.body.priority, 1);
  });

  it('should rank a key\'s runs behind its own waiting ones, so another key\'s first run goes ahead (fair share)', async () => {
    const train = api.app.get(QueueService).queues.queue(QueueName.Train);
    const priorityOf = async (body: { id: string }) => (await train.getJob(jobIdOf(QueueName.Train, { runId: body.id })))!.opts.priority!;
    const mine: number[] = [];
    for (const seed of [41, 42, 43]) mine.push(await priorityOf((await api.request('POST', '/runs', { key: api.keys.launch, body: runBody(seed) })).body));
    assert.ok(mine[0] < mine[1] && mine[1] < mine[2], `each run of a key ranks behind the one before: ${mine}`);
    const theirs = await priorityOf((await api.request('POST', '/runs', { key: api.keys.admin, body: runBody(44) })).body);
    assert.ok(theirs < mine[1], `another key's first run (${theirs}) goes before the second of a busy key (${mine[1]})`);
  });

  it('should rank a retried run behind its key\'s other waiting runs, not behind itself', async () => {
    const key = (await api.request('POST', '/keys', { body: { name: 'fair-share-retry', role: 'launch' } })).body.key as string;
    const train = api.app.get(QueueService).queues.queue(QueueName.Train);
    const priorityOf = async (id: string) => (await train.getJob(jobIdOf(QueueName.Train, { runId: id })))!.opts.priority!;
    const ids: string[] = [];
    for (const seed of [61, 62, 63]) ids.push((await api.request('POST', '/runs', { key, body: runBody(seed) })).body.id);
    assert.deepEqual(await Promise.all(ids.map(priorityOf)), [0, 1, 2].map((rank) => queuePriority('interactive', rank)));
    assert.equal((await api.request('POST', `/runs/${ids[0]}/cancel`, { key })).body.status, 'cancelled');
    assert.equal((await api.request('POST', `/runs/${ids[0]}/retry`, { key })).body.status, 'queued');
    assert.equal(await priorityOf(ids[0]), queuePriority('interactive', 2), 'two of the key\'s runs wait besides the retried one');
  });

  it('should retrain a run\'s config with new seeds on the newest dataset version', async () => {
    const original = await api.request('POST', '/runs', { key: api.keys.launch, body: runBody(3) });
    const retrained = await api.request('POST', '/retrain', { key: api.keys.launch, body: { runId: original.body.id, seeds: [11, 12], targets: ['synth-dark'] } });
    assert.equal(retrained.status, 201, JSON.stringify(retrained.body));
    assert.deepEqual(retrained.body.runs.map((r: { seed: number }) => r.seed), [11, 12]);
    assert.ok(retrained.body.runs.every((r: { configId: string; sourceDomain: string }) => r.configId === original.body.configId && r.sourceDomain === 'synth-studio'));
    const bad = await api.request('POST', '/retrain', { key: api.keys.launch, body: { seeds: [1] } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.problems[0].field, 'configId');
  });

  it('should only retry failed or cancelled runs, and cancel a queued run at once', async () => {
    const created = await api.request('POST', '/runs', { key: api.keys.launch, body: runBody(21) });
    const retry = await api.request('POST', `/runs/${created.body.id}/retry`, { key: api.keys.launch });
    assert.equal(retry.status, 409);
    const cancelled = await api.request('POST', `/runs/${created.body.id}/cancel`, { key: api.keys.launch });
    assert.equal(cancelled.body.status, 'cancelled');
    const job = await api.app.get(QueueService).queues.queue(QueueName.Train).getJob(jobIdOf(QueueName.Train, { runId: created.body.id }));
    assert.equal(job, undefined, 'the queued job is gone');
    const again = await api.request('POST', `/runs/${created.body.id}/retry`, { key: api.keys.launch });
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'queued');
  });
});
