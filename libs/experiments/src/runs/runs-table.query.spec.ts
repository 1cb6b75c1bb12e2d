import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExperimentError } from '../experiment.errors';
import { parseRunFilter, runsTableQuery } from './runs-table.query';

describe('runs table filter', () => {
  it('should read clauses joined by and, numbers as numbers and quoted text as text', () => {
    assert.deepEqual(parseRunFilter('method = cafe and lambdaDiverse > 1 AND acc.sfew >= 40.5 and source ~ synth and name != "7"'), [
      { field: 'method', op: '=', value: 'cafe' },
      { field: 'lambdaDiverse', op: '>', value: 1 },
      { field: 'acc.sfew', op: '>=', value: 40.5 },
      { field: 'source', op: '~', value: 'synth' },
      { field: 'name', op: '!=', value: '7' },
    ]);
    assert.deepEqual(parseRunFilter('  '), []);
  });

  it('should name the clause that is not "field op value"', () => {
    assert.throws(
      () => parseRunFilter('method = cafe and lambdaDiverse >'),
      (error: ExperimentError) => error.problems[0].field === 'filter' && /clause 2/.test(error.message),
    );
    assert.throws(() => parseRunFilter("method = cafe; DROP TABLE \"Run\""), /clause 1/);
  });

  it('should bind every value as a parameter and never splice a value into the SQL', () => {
    const { text, values } = runsTableQuery({
      selection: 'oracle',
      sweepId: 'swp_1',
      filter: parseRunFilter("method = cafe and lambdaDiverse > 1 and source ~ 'dark'"),
      sort: 'acc.sfew',
      order: 'asc',
      limit: 50,
      offset: 100,
    });
    assert.deepEqual(values, ['oracle', 'swp_1', 'cafe', 1, '%dark%', 50, 100]);
    assert.ok(!text.includes('cafe') && !text.includes('dark'), 'values are parameters');
    assert.match(text, /\(acc->>'sfew'\)::float8 ASC NULLS LAST/);
    assert.equal(Math.max(...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))), values.length);
  });
});
