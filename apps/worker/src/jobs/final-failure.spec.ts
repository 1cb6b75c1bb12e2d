import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordFinalFailure } from './final-failure';

describe('recordFinalFailure', () => {
  const logger = () => {
    const lines: string[] = [];
    return {
      lines,
      error: (m: string) => void lines.push(`error ${m}`),
      warn: (m: string) => void lines.push(`warn ${m}`),
    };
  };

  it('should retry a write that fails until it succeeds', async () => {
    let calls = 0;
    const log = logger();
    const recorded = await recordFinalFailure(
      async () => {
        if (++calls < 3) throw new Error('Connection terminated');
      },
      'train run.x',
      log,
      { delayMs: 1 },
    );
    assert.equal(recorded, true);
    assert.equal(calls, 3);
    assert.equal(log.lines.filter((l) => l.startsWith('warn')).length, 2);
  });

  it('should log an error naming the job when every try fails, never swallow it', async () => {
    const log = logger();
    assert.equal(
      await recordFinalFailure(async () => Promise.reject(new Error('database down')), 'train run.y', log, {
        tries: 3,
        delayMs: 1,
      }),
      false,
    );
    assert.match(log.lines.at(-1)!, /^error train run\.y: .*after 3 tries \(database down\).*reconciler/);
  });
});
