import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobIds, QueueName, runIdOfJobId } from './jobs';

describe('job ids', () => {
  it('should give back the run of train and evaluate job ids and nothing for other jobs', () => {
    const runId = 'run_0123456789abcdef';
    assert.equal(runIdOfJobId(jobIds[QueueName.Train]({ runId })), runId);
    assert.equal(runIdOfJobId(jobIds[QueueName.Evaluate]({ runId, datasetId: 'ds_1', checkpoint: 'source-val' })), runId);
    assert.equal(runIdOfJobId(jobIds[QueueName.Probe]({ probeId: 'probe_1' })), undefined);
    assert.equal(runIdOfJobId(jobIds[QueueName.ExtractFeatures]({ datasetId: 'ds_1', backbone: 'face-api-expression' })), undefined);
    assert.equal(runIdOfJobId('run.x.trainer'), undefined);
  });
});
