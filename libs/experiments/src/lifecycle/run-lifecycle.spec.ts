import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunLedger, RunOutcome, WebhookDeliveryDraft } from './run-ledger';
import {
  completeRunIfEvaluated,
  failRun,
  expectedEvaluations,
  missingEvaluations,
  selectionEpochs,
  unwrittenEvaluations,
} from './run-lifecycle';
import { deliveryId, isSweepComplete, recordRunOutcome, runOutcomeEvent } from './webhook-events';

/** A ledger held in memory: the rules are tested without a database (the Prisma one is covered by the integration specs). */
class MemoryLedger implements RunLedger {
  datasets = new Map<string, string>();
  evaluations: { runId: string; datasetId: string; epoch: number }[] = [];
  runs = new Map<string, RunOutcome & { trained: boolean }>();
  webhooks: { id: string; events: string[] }[] = [];
  deliveries: WebhookDeliveryDraft[] = [];

  async newestReadyDatasets(domains: string[]) {
    return new Map([...this.datasets].filter(([domain]) => domains.includes(domain)));
  }
  async writtenEvaluations(runId: string) {
    return this.evaluations.filter((e) => e.runId === runId);
  }
  async closeSucceeded(runId: string) {
    const run = this.runs.get(runId);
    if (!run || !run.trained || !['queued', 'running'].includes(run.status)) return false;
    run.status = 'succeeded';
    return true;
  }
  async closeFailed(runId: string, error: string) {
    const run = this.runs.get(runId);
    if (!run || !['queued', 'running'].includes(run.status)) return false;
    run.status = 'failed';
    run.error = error;
    return true;
  }
  async runOutcome(runId: string) {
    return this.runs.get(runId) ?? null;
  }
  async sweepRunCounts(sweepId: string) {
    const counts: Record<string, number> = {};
    for (const run of this.runs.values())
      if (run.sweepId === sweepId) counts[run.status] = (counts[run.status] ?? 0) + 1;
    return counts;
  }
  async subscribedWebhooks(event: string) {
    return this.webhooks.filter((h) => h.events.includes(event) || h.events.includes('*')).map((h) => h.id);
  }
  async queueDeliveries(deliveries: WebhookDeliveryDraft[]) {
    const fresh = deliveries.filter((d) => !this.deliveries.some((known) => known.id === d.id));
    this.deliveries.push(...fresh);
    return fresh.length;
  }
}

const run = (id: string, sweepId: string | null, status: RunOutcome['status'] = 'running') => ({
  id,
  sweepId,
  status,
  sourceDomain: 'rafdb',
  seed: 0,
  error: null,
  trained: true,
});

describe('expected evaluations', () => {
  it('should owe the last epoch only when no source split is held out, and the source-val best too when one is', () => {
    assert.deepEqual(selectionEpochs({ id: 'r', targets: [], epochs: 9, sourceValBestEpoch: null }), [{ epoch: 9, checkpoint: 'last' }]);
    assert.deepEqual(selectionEpochs({ id: 'r', targets: [], epochs: 9, sourceValBestEpoch: 4 }), [
      { epoch: 9, checkpoint: 'last' },
      { epoch: 4, checkpoint: 'source-val' },
    ]);
    assert.deepEqual(
      selectionEpochs({ id: 'r', targets: [], epochs: 9, sourceValBestEpoch: 9 }),
      [{ epoch: 9, checkpoint: 'last' }],
      'one epoch, owed once',
    );
  });

  it('should owe each target with a ready dataset at each selection epoch and nothing for a target without one', () => {
    const expected = expectedEvaluations(
      { id: 'r', targets: ['rafdb', 'sfew'], epochs: 6, sourceValBestEpoch: 2 },
      new Map([['rafdb', 'ds_r']]),
    );
    assert.deepEqual(expected, [
      { datasetId: 'ds_r', domain: 'rafdb', epoch: 6, checkpoint: 'last' },
      { datasetId: 'ds_r', domain: 'rafdb', epoch: 2, checkpoint: 'source-val' },
    ]);
  });

  it('should leave out what is written when computing the unwritten ones', () => {
    const expected = expectedEvaluations(
      { id: 'r', targets: ['a', 'b'], epochs: 3, sourceValBestEpoch: null },
      new Map([
        ['a', 'ds_a'],
        ['b', 'ds_b'],
      ]),
    );
    assert.deepEqual(
      unwrittenEvaluations(expected, [
        { datasetId: 'ds_a', epoch: 3 },
        { datasetId: 'ds_b', epoch: 2 },
      ]).map((e) => e.datasetId),
      ['ds_b'],
    );
  });
});

describe('run lifecycle', () => {
  it('should close a trained run and announce it once every owed evaluation is written, and only once', async () => {
    const ledger = new MemoryLedger();
    ledger.datasets.set('a', 'ds_a');
    ledger.runs.set('r1', run('r1', null));
    ledger.webhooks.push({ id: 'h1', events: ['run.succeeded'] });
    const lifecycle = { id: 'r1', targets: ['a'], epochs: 2, sourceValBestEpoch: null };
    assert.equal((await missingEvaluations(ledger, lifecycle)).length, 1);
    assert.equal(await completeRunIfEvaluated(ledger, lifecycle), false, 'an evaluation is still owed');
    ledger.evaluations.push({ runId: 'r1', datasetId: 'ds_a', epoch: 2 });
    assert.equal(await completeRunIfEvaluated(ledger, lifecycle), true);
    assert.equal(await completeRunIfEvaluated(ledger, lifecycle), false, 'already closed');
    assert.deepEqual(
      ledger.deliveries.map((d) => d.id),
      [deliveryId('run.succeeded', 'r1', 'h1')],
    );
  });

  it('should announce sweep.completed when the last open run of a sweep ends, and not before', async () => {
    const ledger = new MemoryLedger();
    ledger.webhooks.push({ id: 'h', events: ['*'] });
    ledger.runs.set('r1', run('r1', 's1', 'failed'));
    ledger.runs.set('r2', run('r2', 's1', 'running'));
    await recordRunOutcome(ledger, 'r1');
    assert.deepEqual(
      ledger.deliveries.map((d) => d.event),
      ['run.failed'],
    );
    ledger.runs.get('r2')!.status = 'cancelled';
    await recordRunOutcome(ledger, 'r2');
    assert.deepEqual(
      ledger.deliveries.map((d) => d.event),
      ['run.failed', 'run.cancelled', 'sweep.completed'],
    );
    assert.deepEqual((ledger.deliveries[2].payload as { data: { runCounts: object } }).data.runCounts, {
      failed: 1,
      cancelled: 1,
    });
  });

  it('should end an open run failed with its error, and announce it again when a retried call finds it closed', async () => {
    const ledger = new MemoryLedger();
    ledger.webhooks.push({ id: 'h', events: ['run.failed'] });
    ledger.runs.set('r1', run('r1', null, 'running'));
    await failRun(ledger, 'r1', 'x'.repeat(3000));
    assert.equal(ledger.runs.get('r1')!.status, 'failed');
    assert.equal(ledger.runs.get('r1')!.error!.length, 2000, 'the error is kept to 2000 characters');
    ledger.deliveries = []; // the first try's event was lost
    await failRun(ledger, 'r1', 'again');
    assert.equal(ledger.runs.get('r1')!.error!.length, 2000, 'a closed run is not rewritten');
    assert.deepEqual(
      ledger.deliveries.map((d) => d.event),
      ['run.failed'],
    );
  });

  it('should announce nothing for a run that is still open', async () => {
    const ledger = new MemoryLedger();
    ledger.webhooks.push({ id: 'h', events: ['*'] });
    ledger.runs.set('r1', run('r1', null, 'running'));
    await recordRunOutcome(ledger, 'r1');
    assert.equal(ledger.deliveries.length, 0);
    assert.equal(runOutcomeEvent('queued'), null);
    assert.equal(isSweepComplete({ succeeded: 2, queued: 1 }), false);
    assert.equal(isSweepComplete({ succeeded: 2, failed: 1 }), true);
  });
});
