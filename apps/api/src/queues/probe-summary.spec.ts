import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentile, ProbeTimes, summarizeProbes } from './probe-summary';

const at = (ms: number) => new Date(Date.UTC(2026, 10, 29) + ms);
const answered = (requested: number, started: number, finished: number, workerId: string): ProbeTimes => ({
  requestedAt: at(requested),
  enqueuedAt: at(requested + 1),
  startedAt: at(started),
  finishedAt: at(finished),
  workerId,
});

describe('probe summary', () => {
  it('should take the nearest-rank percentile when the list is unsorted', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    assert.equal(percentile(values, 50), 5);
    assert.equal(percentile(values, 99), 10);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 50), null);
  });

  it('should count pending probes and leave them out of the latencies when some are unanswered', () => {
    const summary = summarizeProbes([
      answered(0, 4, 6, 'w-a'),
      answered(0, 10, 13, 'w-b'),
      answered(0, 2, 3, 'w-a'),
      { requestedAt: at(0), enqueuedAt: at(1), startedAt: null, finishedAt: null, workerId: null },
    ]);
    assert.equal(summary.count, 4);
    assert.equal(summary.answered, 3);
    assert.equal(summary.pending, 1);
    assert.deepEqual(summary.requestToStartMs, { p50: 4, p99: 10 });
    assert.deepEqual(summary.enqueueToStartMs, { p50: 3, p99: 9 });
    assert.deepEqual(summary.requestToFinishMs, { p50: 6, p99: 13 });
    assert.deepEqual(summary.workers, [
      { workerId: 'w-a', answered: 2 },
      { workerId: 'w-b', answered: 1 },
    ]);
  });

  it('should report null latencies and no workers when nothing answered', () => {
    const summary = summarizeProbes([
      { requestedAt: at(0), enqueuedAt: null, startedAt: null, finishedAt: null, workerId: null },
    ]);
    assert.deepEqual(summary.requestToStartMs, { p50: null, p99: null });
    assert.deepEqual(summary.workers, []);
    assert.equal(summary.pending, 1);
  });
});
