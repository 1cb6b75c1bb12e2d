import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leaderboardAggregateQuery } from './leaderboard-aggregate.query';

describe('leaderboardAggregateQuery', () => {
  it('should bind every input as a parameter, targets being the domains other than the source', () => {
    const { text, values } = leaderboardAggregateQuery({
      source: 'rafdb',
      domains: ['rafdb', 'ferplus', 'sfew'],
      selection: 'last',
    });
    assert.deepEqual(values, ['last', 'rafdb', ['rafdb', 'ferplus', 'sfew'], ['ferplus', 'sfew'], 3, 2, null, 10, ['succeeded']]);
    assert.equal(
      Math.max(...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))),
      values.length,
      'one parameter per value',
    );
    assert.ok(!text.includes('rafdb'), 'no value is spliced into the SQL text');
  });

  it('should restrict to the given config groups when some are named', () => {
    assert.deepEqual(
      leaderboardAggregateQuery({
        source: 'a',
        domains: ['a', 'b'],
        selection: 'oracle',
        groupKeys: ['cfg_1'],
      }).values[6],
      ['cfg_1'],
    );
  });

  it('should count pruned runs only when asked', () => {
    const query = (includePruned?: boolean) => leaderboardAggregateQuery({ source: 'a', domains: ['a', 'b'], selection: 'last', includePruned });
    assert.deepEqual(query().values.at(-1), ['succeeded']);
    assert.deepEqual(query(true).values.at(-1), ['succeeded', 'pruned']);
  });
});
