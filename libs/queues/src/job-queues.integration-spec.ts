import { QueueName } from '@fer/contracts';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { JobQueues } from './job-queues';
import { createRedisConnection } from './redis-connection';

describe('JobQueues (real Redis)', () => {
  const connection = createRedisConnection(process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const queues = new JobQueues(connection, `fer-test-${randomBytes(4).toString('hex')}`);
  after(async () => {
    for (const queue of queues.all()) await queue.obliterate({ force: true });
    await queues.close();
    connection.disconnect();
  });

  it('should store one job when the same work is enqueued twice', async () => {
    const first = await queues.enqueue(QueueName.Train, { runId: 'run_a' });
    const second = await queues.enqueue(QueueName.Train, { runId: 'run_a' });
    assert.equal(first.id, 'run.run_a.train');
    assert.equal(second.id, first.id);
    assert.equal(await queues.queue(QueueName.Train).count(), 1);
  });

  it('should give interactive work a better priority than background work', async () => {
    const background = await queues.enqueue(QueueName.Evaluate, { runId: 'r', datasetId: 'd', checkpoint: 'last' }, { priority: 'background' });
    const interactive = await queues.enqueue(QueueName.Evaluate, { runId: 'r', datasetId: 'd', checkpoint: 'source-val' }, { priority: 'interactive' });
    assert.ok((interactive.opts.priority ?? 0) < (background.opts.priority ?? 0));
  });

  it('should enqueue many probes in one call with their derived ids, and none when one payload is bad', async () => {
    const jobs = await queues.enqueueMany(QueueName.Probe, [{ probeId: 'p1' }, { probeId: 'p2' }]);
    assert.deepEqual(jobs.map((job) => job.id), ['probe.p1', 'probe.p2']);
    assert.equal(jobs[0].opts.attempts, 1);
    await assert.rejects(queues.enqueueMany(QueueName.Probe, [{ probeId: 'p3' }, { probeId: '' }]), /probeId/);
    assert.equal(await queues.queue(QueueName.Probe).getJob('probe.p3'), undefined);
  });

  it('should refuse a payload that is not the job\'s schema', async () => {
    await assert.rejects(queues.enqueue(QueueName.Train, { runId: '' }), /runId/);
    await assert.rejects(queues.enqueue(QueueName.Train, { runId: 'x', extra: 1 } as never));
  });
});
