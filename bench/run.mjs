#!/usr/bin/env node
// `npm run bench`: every figure beside its reference, measured in the same invocation on the same machine, written to
// bench/RESULTS.md with the machine, date, command and raw numbers. This file is only the runner: arguments, the plan,
// the build, machine facts, and the document. Each section (bench/sections/*.mjs) says what it measures (`plan`),
// measures it in child processes (`run`: bench/measure/*.mjs for TF.js and the platform, bench/reference/*.py for
// PyTorch on CPU from Debian's python3-torch), and renders its part of RESULTS.md (`render`: tables and headline
// ratio rows; `charts`: scaling plots). Sections run one after another.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH, fx, log, PYTHON, ROOT as root, table } from './lib.mjs';
import { writeCharts } from './plots.mjs';
import { headlineTable, rawBlock, readResultsFile, updateResults } from './results-file.mjs';
import * as frozen from './sections/frozen.mjs';
import * as training from './sections/training.mjs';
import * as methods from './sections/methods.mjs';
import * as orchestration from './sections/orchestration.mjs';
import * as pipeline from './sections/pipeline.mjs';
import * as api from './sections/api.mjs';
import * as sweeps from './sections/sweeps.mjs';

/** In the order they run and appear in RESULTS.md. */
const SECTIONS = { frozen, training, methods, orchestration, pipeline, api, sweeps };
const NAMES = Object.keys(SECTIONS);
const FULL_OUT = join(BENCH, 'RESULTS.md');
const QUICK_OUT = join(BENCH, 'quick', 'RESULTS.md');

const HELP = `Usage: npm run bench -- [options]

Runs the benchmarks beside their references (PyTorch on CPU, bare BullMQ, raw SQL) and writes bench/RESULTS.md.

Options:
  --only LIST     comma-separated sections: ${NAMES.join(',')} (default: all);
                  when the results file exists, only these sections (text, headline rows, raw JSON) are replaced
                  in it, the others kept as measured, and the file says which sections were measured when
  --quick         fewer repetitions and sizes (a smoke run, 5-9 min); the file says so, and goes to
                  ${relative(root, QUICK_OUT)} (git-ignored) unless --out is given, so the committed results stay
  --out FILE      where to write the results (default: ${relative(root, FULL_OUT)}); plots go to plots/ beside it
  --no-build      skip \`tsc -b tsconfig.json\` (the bench runs the built dist/ code) and, with the api section,
                  \`npm run build:web\` (the web pages are then timed on the existing build, if any)
  --help          this text

Needs: PostgreSQL (TEST_DATABASE_URL / DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres) and Redis
(REDIS_URL, default redis://127.0.0.1:6379) for orchestration, pipeline and api; ${PYTHON} with torch for the references.
Every database, Redis key prefix and temporary file it creates is removed before it exits.`;

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const only = args.only
  ? args.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  : NAMES;
const unknown = only.filter((s) => !NAMES.includes(s));
if (unknown.length) {
  console.error(`unknown section(s): ${unknown.join(', ')}; known: ${NAMES.join(', ')}`);
  process.exit(2);
}
const quick = args.quick;
const out = args.out ?? (quick ? QUICK_OUT : FULL_OUT);
const selected = NAMES.filter((s) => only.includes(s));
/** What each selected section measures (--quick shrinks it); recorded in the raw JSON. */
const PLAN = Object.fromEntries(selected.map((name) => [name, SECTIONS[name].plan(quick)]));

// ---------- machine facts ----------
function sh(cmd, argv) {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim();
  } catch {
    return null;
  }
}

async function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const flags = (cpuinfo.match(/^flags\s*:(.*)$/m)?.[1] ?? '').split(' ');
  const torch = sh(PYTHON, ['-c', 'import torch; print(torch.__version__, torch.get_num_threads())']);
  let postgres = null;
  let redis = null;
  try {
    const { Client } = (await import('pg')).default;
    const client = new Client({
      connectionString:
        process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    });
    await client.connect();
    postgres = (await client.query('SHOW server_version')).rows[0].server_version;
    await client.end();
  } catch {
    postgres = 'unreachable';
  }
  try {
    const { Redis } = await import('ioredis');
    const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    });
    await client.connect();
    redis = (await client.info('server')).match(/redis_version:(\S+)/)?.[1] ?? '?';
    client.disconnect();
  } catch {
    redis = 'unreachable';
  }
  return {
    nproc: sh('nproc', []) ?? String(os.cpus().length),
    cpu: cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    simd: ['avx2', 'avx512f', 'fma'].filter((f) => flags.includes(f)).join(', ') || 'none listed',
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    tfjs: JSON.parse(readFileSync(join(root, 'node_modules/@tensorflow/tfjs/package.json'), 'utf8')).version,
    bullmq: JSON.parse(readFileSync(join(root, 'node_modules/bullmq/package.json'), 'utf8')).version,
    torch: torch ? `${torch.split(' ')[0]} (${torch.split(' ')[1]} thread(s), Debian python3-torch)` : 'not found',
    postgres,
    redis,
    git: sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']) ?? '?',
    gitDirty: (sh('git', ['-C', root, 'status', '--porcelain']) ?? '').length > 0,
  };
}

const loadavg = () =>
  os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

// ---------- the document ----------
function machineTable(m) {
  return table(
    ['', ''],
    [
      ['CPUs (nproc)', m.nproc],
      ['CPU', `${m.cpu} (${m.simd})`],
      ['memory', `${m.memoryGiB} GiB`],
      ['OS', m.kernel],
      ['Node', m.node],
      ['TF.js', m.tfjs],
      ['PyTorch', m.torch],
      ['PostgreSQL', m.postgres],
      ['Redis', m.redis],
      ['BullMQ', m.bullmq],
      ['commit', `${m.git}${m.gitDirty ? ' (working tree had uncommitted changes by others)' : ''}`],
      ['build', build],
      ['command', `\`${command}\``],
    ],
  );
}

// ---------- main ----------
const started = new Date();
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
let build = 'skipped (--no-build)';
if (!args['no-build']) {
  log('building (tsc -b tsconfig.json)');
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    build = 'tsc -b tsconfig.json: ok';
  } catch (error) {
    build = 'tsc -b tsconfig.json FAILED; the existing dist/ was used';
    log(`${build}\n${String(error.stdout ?? '').slice(-2000)}`);
  }
  // The api section times the leaderboard and runs-table pages in the production web build.
  if (selected.includes('api')) {
    log('building the web UI (npm run build:web)');
    const web = spawnSync('npm', ['run', 'build:web'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
    const webBuild = web.status === 0 ? 'npm run build:web: ok' : 'npm run build:web FAILED; the web pages are timed on the existing build, if any';
    if (web.status !== 0) log(`${webBuild}\n${String(web.stdout ?? '').slice(-2000)}${String(web.stderr ?? '').slice(-2000)}`);
    build = `${build}; ${webBuild}`;
  }
}
const info = await machine();
const results = {};
const errors = {};
const timings = {};
for (const name of selected) {
  const t0 = performance.now();
  const before = loadavg();
  try {
    results[name] = await SECTIONS[name].run(PLAN[name]);
  } catch (error) {
    errors[name] = error.message;
    log(`${name} FAILED: ${error.message}`);
  }
  timings[name] = { seconds: (performance.now() - t0) / 1000, loadBefore: before, loadAfter: loadavg() };
}

const summary = [];
/** The headline rows each section pushed. */
const rowsOf = {};
const body = [];
for (const name of selected) {
  const section = SECTIONS[name];
  body.push(`## ${section.title}`);
  body.push(
    `_${fx(timings[name].seconds)} s; load average (1/5/15 min) before ${timings[name].loadBefore}, after ${timings[name].loadAfter}._\n`,
  );
  if (errors[name]) body.push(`**Failed**:\n\n\`\`\`\n${errors[name]}\n\`\`\``);
  else {
    try {
      const first = summary.length;
      body.push(section.render(results[name], summary));
      rowsOf[name] = summary.slice(first);
      const plots = await writeCharts(section.charts(results[name]), join(dirname(out), 'plots'), dirname(out));
      if (plots.length) body.push('', ...plots);
    } catch (error) {
      body.push(`**Could not render**: ${error.message}`);
      errors[name] = error.message;
    }
  }
  body.push('');
}

const total = (Date.now() - started.getTime()) / 1000;
const raw = { started: started.toISOString(), command, machine: info, plan: PLAN, timings, errors, results };
const previous = selected.length < NAMES.length ? readResultsFile(out) : null;
const doc = previous
  ? updateResults(previous, { sections: SECTIONS, selected, body, rowsOf, raw, seconds: total, quick, build })
  : [
      '# Benchmark results',
      '',
      `Written by \`${command}\` (bench/run.mjs) on ${started.toISOString()}, ${fx(total)} s in all${quick ? ', **--quick** (smoke run: fewer repetitions and sizes)' : ''}. ` +
        'Every figure is beside its reference measured in the same invocation on the same machine; ratios > 1 mean "this platform is faster" for rates (images/s, samples/s, jobs/s) and "this platform takes longer" for the time ratios (labelled). ' +
        'The machine was shared with other work while this ran (see the load averages per section): absolute numbers move by tens of percent between runs, ratios less.',
      '',
      '## Machine',
      machineTable(info),
      '',
      '## Headline ratios',
      headlineTable(summary),
      '',
      ...body,
      ...rawBlock(raw),
    ].join('\n');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, doc);

console.log(`\nBenchmarks (${quick ? 'quick, ' : ''}${fx(total)} s) -> ${relative(process.cwd(), out)}`);
for (const [k, v] of summary)
  console.log(`  ${k.padEnd(92)} ${typeof v === 'string' ? v : v == null ? 'n/a' : `${v.toFixed(2)}x`}`);
for (const [k, v] of Object.entries(errors)) console.log(`  ${k}: FAILED (${v.split('\n')[0]})`);
process.exit(Object.keys(errors).length ? 1 : 0);
