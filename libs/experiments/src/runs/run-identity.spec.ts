import { QueueName } from '@fer/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JOB_PRIORITY, jobIdOf, jobIds, queuePriority, priorityName, runIdOfJobId } from './run-identity';

describe('job ids', () => {
  it('should give back the run of train and evaluate job ids and nothing for other jobs', () => {
    const runId = 'run_0123456789abcdef';
    assert.equal(runIdOfJobId(jobIds[QueueName.Train]({ runId })), runId);
    assert.equal(
      runIdOfJobId(jobIds[QueueName.Evaluate]({ runId, datasetId: 'ds_1', checkpoint: 'source-val' })),
      runId,
    );
    assert.equal(runIdOfJobId(jobIds[QueueName.Probe]({ probeId: 'probe_1' })), undefined);
    assert.equal(
      runIdOfJobId(jobIds[QueueName.ExtractFeatures]({ datasetId: 'ds_1', backbone: 'face-api-expression' })),
      undefined,
    );
    assert.equal(runIdOfJobId('run.x.trainer'), undefined);
  });

  it('should build the same id through jobIdOf as through the table when given any queue', () => {
    assert.equal(jobIdOf(QueueName.Train, { runId: 'r1' }), 'run.r1.train');
    assert.equal(
      jobIdOf(QueueName.Evaluate, { runId: 'r1', datasetId: 'd', checkpoint: 'last' }),
      'run.r1.evaluate.d.last',
    );
  });
});

describe('priorities', () => {
  it('should map each priority name to its number and back when stored on a run', () => {
    for (const name of Object.keys(JOB_PRIORITY) as (keyof typeof JOB_PRIORITY)[])
      assert.equal(priorityName(JOB_PRIORITY[name]), name);
  });

  it('should rank interactive work before background work whatever the fair-share rank, and lower ranks first', () => {
    assert.ok(queuePriority('interactive', 99_999) < queuePriority('background', 0));
    assert.ok(queuePriority('background', 0) < queuePriority('background', 1));
    assert.equal(queuePriority('background', 1e9), queuePriority('background', 99_999), 'capped inside its class');
    assert.ok(queuePriority('background', 99_999) < 2 ** 21, 'within BullMQ\'s priority range');
  });
});
