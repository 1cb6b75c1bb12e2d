// The results file of `npm run bench` (bench/run.mjs): reading an existing RESULTS.md back (its `## ` blocks and raw
// JSON) and updating it with the sections one `--only` run measured, leaving every other section as it was measured.
import { existsSync, readFileSync } from 'node:fs';
import { fx, table } from './lib.mjs';

export const headlineTable = (rows) =>
  table(
    ['figure', 'ratio'],
    rows.map(([k, v]) => [k, typeof v === 'string' ? v : v == null ? 'n/a' : `${v.toFixed(2)}x`]),
  );

export const rawBlock = (json) => [
  '## Raw numbers',
  '<details><summary>JSON of every measurement</summary>',
  '',
  '```json',
  JSON.stringify(json, null, 1),
  '```',
  '</details>',
  '',
];

/** The results file as `## ` blocks (heading -> lines) with its raw JSON, or null when there is none to update. */
export function readResultsFile(file) {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const json = text.match(/```json\n([\s\S]*?)\n```/);
  if (!json) return null;
  const blocks = [{ heading: null, lines: [] }];
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) blocks.push({ heading: line.slice(3).trim(), lines: [line] });
    else blocks[blocks.length - 1].lines.push(line);
  }
  try {
    return { blocks, raw: JSON.parse(json[1]) };
  } catch {
    return null;
  }
}

/**
 * `--only` on an existing results file: the selected sections' text, headline rows and raw JSON replace theirs (or
 * join in section order), everything else stays as it was measured; the header and the raw JSON say which sections
 * were measured when. A kept section's headline rows are found by rendering its stored results again.
 */
export function updateResults(previous, { sections: SECTIONS, selected, body, rowsOf, raw, seconds, quick, build }) {
  const NAMES = Object.keys(SECTIONS);
  const block = (heading) => previous.blocks.find((b) => b.heading === heading)?.lines ?? null;
  const oldRows = (block('Headline ratios') ?? [])
    .filter((line) => line.startsWith('| ') && !line.startsWith('| figure') && !line.startsWith('| ---'))
    .map((line) => line.slice(2, -2).split(' | '))
    .filter((cells) => cells.length === 2);
  const sectionOfLabel = new Map();
  for (const name of NAMES) {
    const stored = previous.raw.results?.[name];
    if (!stored) continue;
    const labels = [];
    try {
      SECTIONS[name].render(stored, labels);
    } catch {
      // a section whose stored results this code cannot render: its rows stay where they were
    }
    for (const [label] of labels) sectionOfLabel.set(label, name);
  }
  // Rows of no known section follow the row before them.
  let current = NAMES[0];
  const kept = oldRows.map(([label, value]) => {
    current = sectionOfLabel.get(label) ?? current;
    return { section: current, row: [label, value] };
  });
  const newBlocks = new Map();
  for (const name of selected) {
    const start = body.indexOf(`## ${SECTIONS[name].title}`);
    const next = body.findIndex((line, i) => i > start && typeof line === 'string' && line.startsWith('## '));
    newBlocks.set(name, body.slice(start, next === -1 ? body.length : next));
  }
  const headline = NAMES.flatMap((name) =>
    selected.includes(name) ? (rowsOf[name] ?? []) : kept.filter((k) => k.section === name).map((k) => k.row),
  );
  const sections = NAMES.flatMap((name) => {
    if (selected.includes(name)) return newBlocks.get(name);
    const lines = block(SECTIONS[name].title);
    return lines ? [lines.join('\n').replace(/\n+$/, ''), ''] : [];
  });
  const updates = [
    ...(previous.raw.updates ?? []),
    { started: raw.started, command: raw.command, sections: selected, seconds, build, machine: raw.machine },
  ];
  const merged = {
    ...previous.raw,
    plan: { ...previous.raw.plan, ...raw.plan },
    timings: { ...previous.raw.timings, ...raw.timings },
    errors: {
      ...Object.fromEntries(Object.entries(previous.raw.errors ?? {}).filter(([n]) => !selected.includes(n))),
      ...raw.errors,
    },
    results: { ...previous.raw.results, ...raw.results },
    updates,
  };
  const header = block(null) ?? ['# Benchmark results', ''];
  const note = `Section${selected.length > 1 ? 's' : ''} ${selected.map((n) => `"${SECTIONS[n].title}"`).join(', ')} measured later by \`${raw.command}\` on ${raw.started} (${fx(seconds)} s, commit ${raw.machine.git}${raw.machine.gitDirty ? ' with uncommitted changes' : ''}${quick ? ', **--quick**' : ''}; its machine facts are in the raw JSON's \`updates\`); every other section is from the run above.`;
  const remeasured = selected.map((n) => SECTIONS[n].title);
  const headerText = header
    .map((line) => withoutSections(line, remeasured))
    .filter((line) => line !== null)
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/\n+$/, '');
  const headerWithNote = [headerText, '', note, ''];
  return [
    ...headerWithNote,
    ...(block('Machine') ?? []),
    '## Headline ratios',
    headlineTable(headline),
    '',
    ...sections,
    ...rawBlock(merged),
  ].join('\n');
}

/**
 * A "measured later" note of the header without the sections measured again now: null when none of its sections is
 * left, the note naming only the others when some are (an earlier `--only frozen,orchestration` still dates frozen
 * after orchestration is measured again). Any other line is kept as it is.
 */
function withoutSections(line, titles) {
  const note = /^Sections? ((?:"[^"]+"(?:, )?)+) measured later(.*)$/.exec(line);
  if (!note) return line;
  const named = [...note[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  const left = named.filter((title) => !titles.includes(title));
  if (left.length === named.length) return line;
  if (left.length === 0) return null;
  return `Section${left.length > 1 ? 's' : ''} ${left.map((t) => `"${t}"`).join(', ')} measured later${note[2]}`;
}
