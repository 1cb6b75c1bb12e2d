// node --test bench/results-file.spec.mjs
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { headlineTable, rawBlock, readResultsFile, updateResults } from './results-file.mjs';

/** Two fake sections whose render gives one text line and one headline row per stored value. */
const section = (title, key) => ({
  title,
  render(result, summary) {
    summary.push([`${key} ratio`, result.value]);
    return `${key} measured ${result.value}`;
  },
});
const SECTIONS = {
  first: section('1. First', 'first'),
  second: section('2. Second', 'second'),
  third: section('3. Third', 'third'),
};

function fullRun(dir) {
  const raw = {
    started: 'T0',
    command: 'npm run bench',
    machine: { git: 'abc' },
    plan: {},
    timings: {},
    errors: {},
    results: { first: { value: 1 }, third: { value: 3 } },
  };
  const file = join(dir, 'RESULTS.md');
  writeFileSync(
    file,
    [
      '# Benchmark results',
      '',
      'Written by `npm run bench` on T0.',
      '',
      '## Machine',
      '| CPUs | 2 |',
      '',
      '## Headline ratios',
      headlineTable([
        ['first ratio', 1],
        ['third ratio', 3],
      ]),
      '',
      '## 1. First',
      'first measured 1 (as rendered then)',
      '',
      '## 3. Third',
      'third measured 3',
      '',
      ...rawBlock(raw),
    ].join('\n'),
  );
  return file;
}

describe('updating a results file with the sections one --only run measured', () => {
  it('should keep every other section as written, put the new one in section order and say when it was measured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    try {
      const previous = readResultsFile(fullRun(dir));
      const raw = {
        started: 'T1',
        command: 'npm run bench -- --only second',
        machine: { git: 'def', gitDirty: true },
        plan: { second: {} },
        timings: { second: { seconds: 2 } },
        errors: {},
        results: { second: { value: 0.5 } },
      };
      const body = ['## 2. Second', '_2 s._\n', 'second measured 0.5', ''];
      const doc = updateResults(previous, {
        sections: SECTIONS,
        selected: ['second'],
        body,
        rowsOf: { second: [['second ratio', 0.5]] },
        raw,
        seconds: 2,
        quick: false,
        build: 'ok',
      });
      const lines = doc.split('\n');
      // kept verbatim, not re-rendered
      assert.ok(lines.includes('first measured 1 (as rendered then)'));
      assert.ok(lines.includes('| CPUs | 2 |'));
      assert.deepEqual(
        lines.filter((l) => l.startsWith('## ')),
        ['## Machine', '## Headline ratios', '## 1. First', '## 2. Second', '## 3. Third', '## Raw numbers'],
      );
      assert.deepEqual(
        lines.filter((l) => / ratio \| /.test(l)),
        ['| first ratio | 1.00x |', '| second ratio | 0.50x |', '| third ratio | 3.00x |'],
      );
      assert.ok(
        lines.some(
          (l) =>
            l.startsWith('Section "2. Second" measured later by `npm run bench -- --only second` on T1') &&
            l.includes('commit def with uncommitted changes'),
        ),
      );
      const json = JSON.parse(doc.match(/```json\n([\s\S]*?)\n```/)[1]);
      assert.deepEqual(json.results, { first: { value: 1 }, third: { value: 3 }, second: { value: 0.5 } });
      assert.deepEqual(
        json.updates.map((u) => [u.started, u.sections, u.build]),
        [['T1', ['second'], 'ok']],
      );
      assert.equal(json.started, 'T0', "the first run stays the file's run");

      // measuring the same section again replaces its rows, text and note instead of adding to them
      writeFileSync(join(dir, 'RESULTS.md'), doc);
      const again = updateResults(readResultsFile(join(dir, 'RESULTS.md')), {
        sections: SECTIONS,
        selected: ['second'],
        body: ['## 2. Second', 'second measured 0.25', ''],
        rowsOf: { second: [['second ratio', 0.25]] },
        raw: { ...raw, started: 'T2', results: { second: { value: 0.25 } } },
        seconds: 2,
        quick: true,
        build: 'ok',
      }).split('\n');
      assert.deepEqual(
        again.filter((l) => l.startsWith('second ')),
        ['second measured 0.25'],
      );
      assert.deepEqual(
        again.filter((l) => l.startsWith('| second ratio')),
        ['| second ratio | 0.25x |'],
      );
      assert.deepEqual(again.filter((l) => l.startsWith('Section "2. Second"')).length, 1);
      assert.ok(again.some((l) => l.includes('on T2') && l.includes('**--quick**')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should keep the date of a section measured with others when only those others are measured again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    try {
      const update = (doc, selected, started) => {
        writeFileSync(join(dir, 'RESULTS.md'), doc);
        return updateResults(readResultsFile(join(dir, 'RESULTS.md')), {
          sections: SECTIONS,
          selected,
          body: selected.flatMap((name) => [`## ${SECTIONS[name].title}`, `${name} measured at ${started}`, '']),
          rowsOf: Object.fromEntries(selected.map((name) => [name, [[`${name} ratio`, 2]]])),
          raw: { started, command: `npm run bench -- --only ${selected.join(',')}`, machine: { git: started }, plan: {}, timings: {}, errors: {}, results: {} },
          seconds: 1,
          quick: false,
          build: 'ok',
        });
      };
      const both = update(readFileSync(fullRun(dir), 'utf8'), ['first', 'third'], 'T1');
      const thirdAgain = update(both, ['third'], 'T2').split('\n');
      const notes = thirdAgain.filter((l) => l.startsWith('Section'));
      assert.equal(notes.length, 2);
      assert.match(notes[0], /^Section "1\. First" measured later by `npm run bench -- --only first,third` on T1 /);
      assert.match(notes[1], /^Section "3\. Third" measured later by `npm run bench -- --only third` on T2 /);
      assert.ok(!thirdAgain.join('\n').includes('\n\n\n'), 'no blank lines pile up');
      const allAgain = update(thirdAgain.join('\n'), ['first', 'third'], 'T3').split('\n');
      assert.deepEqual(
        allAgain.filter((l) => l.startsWith('Section')).map((l) => l.split(' measured later')[0]),
        ['Sections "1. First", "3. Third"'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should find nothing to update in a missing file or one without raw JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    try {
      assert.equal(readResultsFile(join(dir, 'RESULTS.md')), null);
      writeFileSync(join(dir, 'RESULTS.md'), '# Benchmark results\n');
      assert.equal(readResultsFile(join(dir, 'RESULTS.md')), null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
