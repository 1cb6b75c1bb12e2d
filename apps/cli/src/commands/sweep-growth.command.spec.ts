import type { BenchmarkRefreshDto, Leaderboard, SweepDetailDto, SweepGrownDto, SweepSummaryDto } from '@fer/contracts';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatLeaderboard, formatSweep } from './api.command';
import { buildGrowthBody, formatBenchmarkRefresh, parseGridValue } from './sweep-growth.command';

const root = process.env.FER_REPO_ROOT ?? resolve(__dirname, '..', '..', '..', '..');
const main = join(root, 'apps', 'cli', 'dist', 'main.js');

const summary: SweepSummaryDto = {
  id: 'swp_1',
  name: 'tpe + asha',
  status: 'running',
  benchmark: 'synth5',
  createdAt: '2026-01-01T00:00:00.000Z',
  runCounts: { queued: 2, running: 1, succeeded: 3, pruned: 2, failed: 0, cancelled: 0 },
  totalRuns: 8,
  progress: 0.6,
  budget: { maxConcurrentRuns: 2, maxGpuHours: 4, gpuHoursUsed: 1.25, held: 2, autoRefresh: false },
};

const detail = {
  sweep: summary,
  spec: {
    search: { kind: 'tpe', parameters: {}, budget: 4 },
    objective: { metric: 'target-mean', selection: 'source-val', goal: 'maximize' },
    earlyStopping: { kind: 'asha', metric: 'source-val', minEpochs: 1, reductionFactor: 3 },
  },
  runs: [],
  variedParameters: ['lambdaDiverse'],
  ablation: [],
  ablationBasis: { selection: 'last', excludedUnfinished: 3 },
  runPoints: [],
  parameterEffects: [],
  importance: { factors: [] },
  trials: [
    {
      index: 0,
      params: { lambdaDiverse: 0.123456 },
      source: 'startup',
      observed: 0,
      proposedAt: '',
      finished: true,
      value: 41.5,
      runIds: ['run_a'],
    },
    {
      index: 1,
      params: { lambdaDiverse: 2 },
      source: 'startup',
      observed: 0,
      proposedAt: '',
      finished: true,
      value: 44.25,
      runIds: ['run_b'],
    },
    {
      index: 2,
      params: { lambdaDiverse: 1.5 },
      source: 'tpe',
      observed: 2,
      proposedAt: '',
      finished: false,
      value: null,
      runIds: ['run_c'],
    },
  ],
  rungs: [
    { runId: 'run_a', sourceDomain: 'synth-studio', bracket: 0, rung: 1, value: 40, cutoff: null, stop: false },
    { runId: 'run_d', sourceDomain: 'synth-studio', bracket: 0, rung: 1, value: 30, cutoff: 40, stop: true },
    { runId: 'run_e', sourceDomain: 'synth-studio', bracket: 0, rung: 3, value: 35, cutoff: 45, stop: true },
  ],
} as unknown as SweepDetailDto;

const board: Leaderboard = {
  benchmark: 'synth5',
  source: 'synth-studio',
  selection: 'last',
  provenance: {
    hash: 'abc123',
    selection: 'last',
    datasets: [{ domain: 'synth-wild', datasetId: 'ds_1', name: 'synth-wild', version: 1, splits: ['test'] }],
    seeds: [0, 1],
    evaluations: 4,
    frozenEngines: ['onnx'],
    statuses: ['succeeded', 'pruned'],
    stale: [
      { role: 'target', domain: 'synth-wild', name: 'synth-wild', usedVersion: 1, newestVersion: 2 },
      { role: 'source', domain: 'synth-studio', name: 'synth-studio', usedVersion: 1, newestVersion: 3 },
    ],
  },
  domains: ['synth-studio', 'synth-wild'],
  rows: [],
  best: {},
  secondBest: {},
  generatedAt: '2026-01-01T00:00:00.000Z',
};

const refresh: BenchmarkRefreshDto = {
  benchmark: 'synth5',
  reevaluated: [
    { runId: 'run_a', datasets: ['ds_2'] },
    { runId: 'run_b', datasets: ['ds_2'] },
  ],
  retrained: [{ runId: 'run_c', newRunId: 'run_c2', sourceDatasetId: 'ds_9' }],
  unchanged: 5,
};

describe('fer sweep grow: the PATCH body', () => {
  it('should type grid values as numbers, booleans or strings, quotes forcing a string', () => {
    assert.equal(parseGridValue('0.5'), 0.5);
    assert.equal(parseGridValue('-2e-3'), -0.002);
    assert.equal(parseGridValue('true'), true);
    assert.equal(parseGridValue('cafe'), 'cafe');
    assert.equal(parseGridValue('"18"'), '18');
  });

  it('should build seeds, sources, values per parameter and budgets, "none" lifting a limit', () => {
    assert.deepEqual(
      buildGrowthBody({
        seeds: '3, 4',
        sources: 'synth-dark',
        values: ['lambdaDiverse=0.5,2', 'method=erm', 'lambdaDiverse=8'],
        budget: '12',
        maxConcurrent: 'none',
        maxGpuHours: '2.5',
      }),
      {
        seeds: [3, 4],
        sources: ['synth-dark'],
        values: { lambdaDiverse: [0.5, 2, 8], method: ['erm'] },
        budget: 12,
        maxConcurrentRuns: null,
        maxGpuHours: 2.5,
      },
    );
  });

  it('should name the flag or field of a bad value, and refuse an empty growth', () => {
    assert.throws(() => buildGrowthBody({ seeds: '1,x' }), /--seeds: "x" is not an integer/);
    assert.throws(() => buildGrowthBody({ values: ['lambdaDiverse'] }), /--values: "lambdaDiverse" is not param=v1,v2/);
    assert.throws(() => buildGrowthBody({ budget: '0' }), /budget:/);
    assert.throws(() => buildGrowthBody({ maxGpuHours: 'lots' }), /--max-gpu-hours: "lots" is not a number/);
    assert.throws(() => buildGrowthBody({}), /nothing to change/);
  });
});

describe('fer sweep status, leaderboard and benchmarks refresh: what they print', () => {
  it('should print the budget line, the pruned count with the rung decisions, and the trials table', () => {
    const text = formatSweep(detail);
    assert.match(text, /— 2 queued, 1 running, 3 succeeded, 2 pruned$/m);
    assert.match(text, /^budget: max 2 concurrent runs, 1\.25 of 4 GPU hours used, 2 held$/m);
    assert.match(
      text,
      /^early stopping \(asha on source-val, min 1 epochs, factor 3\): 2 runs pruned, 3 rung decisions at epochs 1, 3$/m,
    );
    assert.match(
      text,
      /^search trials \(tpe\): 3 proposed, 2 finished; objective target-mean \(selection source-val, maximize\); best 44\.25 \(trial 1\)$/m,
    );
    assert.match(text, /^trial\s+proposed by\s+lambdaDiverse\s+value\s+finished\s+runs$/m);
    assert.match(text, /^\s*0\s+startup\s+0\.1235\s+41\.50\s+yes\s+1$/m);
    assert.match(text, /^\s*2\s+tpe \(2 seen\)\s+1\.5\s+-\s+open\s+1$/m);
  });

  it('should print the statuses counted and each stale dataset as a warning under the leaderboard', () => {
    const text = formatLeaderboard(board);
    assert.match(text, /4 evaluations · frozen features: onnx · runs counted: succeeded, pruned/);
    assert.match(text, /^WARNING: stale: synth-wild v1 used, v2 is the newest \(target column .+\)$/m);
    assert.match(text, /^WARNING: stale: synth-studio v1 used, v3 is the newest \(source: every column\)$/m);
    assert.match(text, /^refresh with: fer benchmarks refresh synth5$/m);
    const fresh = formatLeaderboard({
      ...board,
      provenance: { ...board.provenance, stale: [], statuses: ['succeeded'] },
    });
    assert.doesNotMatch(fresh, /WARNING/);
    assert.match(fresh, /runs counted: succeeded ·/);
  });

  it('should print the refresh counts and the run ids', () => {
    const text = formatBenchmarkRefresh(refresh);
    assert.match(text, /^benchmark synth5: 2 runs re-evaluated, 1 retrained, 5 unchanged$/m);
    assert.match(text, /^run_a\s+ds_2$/m);
    assert.match(text, /^run_c\s+run_c2\s+ds_9$/m);
    assert.match(formatBenchmarkRefresh({ ...refresh, reevaluated: [], retrained: [] }), /nothing was stale/);
  });
});

describe('fer sweep grow, benchmarks refresh and leaderboard --include-pruned against a stub API', () => {
  let server: Server;
  let url: string;
  const requests: { method: string; url: string; body: string }[] = [];
  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        requests.push({ method: request.method ?? '', url: request.url ?? '', body });
        response.setHeader('content-type', 'application/json');
        if (request.method === 'PATCH' && request.url === '/api/v1/sweeps/swp_1') {
          const grown: SweepGrownDto = { sweep: summary, runsCreated: 4 };
          return response.end(JSON.stringify(grown));
        }
        if (request.method === 'POST' && request.url === '/api/v1/benchmarks/synth5/refresh')
          return response.end(JSON.stringify(refresh));
        if (request.method === 'GET' && request.url?.startsWith('/api/v1/leaderboards?'))
          return response.end(JSON.stringify(board));
        if (request.method === 'GET' && request.url?.startsWith('/api/v1/sweeps/swp_1'))
          return response.end(JSON.stringify(detail));
        response.statusCode = 404;
        response.end(
          JSON.stringify({ error: { status: 404, code: 'NOT_FOUND', message: `no ${request.method} ${request.url}` } }),
        );
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  // Asynchronous: the stub API lives in this process, a synchronous spawn would block it.
  const fer = (...args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((done) =>
      execFile(
        process.execPath,
        [main, '--api-url', url, '--api-key', 'k', ...args],
        { timeout: 30_000 },
        (error, stdout, stderr) =>
          done({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  const last = () => requests[requests.length - 1];

  it('should PATCH the sweep with the growth and print the runs created and the budget', async () => {
    const run = await fer(
      'sweep',
      'grow',
      'swp_1',
      '--seeds',
      '5,6',
      '--values',
      'lambdaDiverse=0.5,4',
      '--max-concurrent',
      '3',
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(last().method, 'PATCH');
    assert.equal(last().url, '/api/v1/sweeps/swp_1');
    assert.deepEqual(JSON.parse(last().body), {
      seeds: [5, 6],
      values: { lambdaDiverse: [0.5, 4] },
      maxConcurrentRuns: 3,
    });
    assert.match(
      run.stdout,
      /^sweep swp_1 "tpe \+ asha": 4 runs created; now 8 runs \(2 queued, 1 running, 3 succeeded, 2 pruned\), running$/m,
    );
    assert.match(run.stdout, /^budget: max 2 concurrent runs/m);
    const json = await fer('sweep', 'grow', 'swp_1', '--budget', '8', '--json');
    assert.equal(JSON.parse(json.stdout).runsCreated, 4);
    assert.deepEqual(JSON.parse(last().body), { budget: 8 });
  });

  it('should send nothing for a growth that does not validate, exiting 1 with the flag named', async () => {
    const before = requests.length;
    const run = await fer('sweep', 'grow', 'swp_1', '--seeds', 'one');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /--seeds: "one" is not an integer/);
    assert.equal(requests.length, before, 'no request');
  });

  it('should POST the refresh and print the counts, or the API answer with --json', async () => {
    const run = await fer('benchmarks', 'refresh', 'synth5');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(last().method, 'POST');
    assert.equal(last().url, '/api/v1/benchmarks/synth5/refresh');
    assert.match(run.stdout, /2 runs re-evaluated, 1 retrained, 5 unchanged/);
    assert.deepEqual(JSON.parse((await fer('benchmarks', 'refresh', 'synth5', '--json')).stdout), refresh);
  });

  it('should ask for pruned runs only with --include-pruned, and warn of stale datasets under the table', async () => {
    const plain = await fer('leaderboard', '--source', 'synth-studio', '--benchmark', 'synth5');
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(new URL(last().url, url).searchParams.get('includePruned'), null);
    assert.match(plain.stdout, /WARNING: stale: synth-wild v1 used, v2 is the newest/);
    const pruned = await fer('leaderboard', '--source', 'synth-studio', '--benchmark', 'synth5', '--include-pruned');
    assert.equal(pruned.status, 0, pruned.stderr);
    assert.equal(new URL(last().url, url).searchParams.get('includePruned'), 'true');
    const verify = await fer(
      'leaderboard',
      '--source',
      'synth-studio',
      '--benchmark',
      'synth5',
      '--include-pruned',
      '--verify',
      'abc123',
    );
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(new URL(last().url, url).searchParams.get('includePruned'), 'true');
    assert.match(verify.stderr, /WARNING: stale: synth-studio v1 used, v3 is the newest/);
  });

  it('should print the budget, pruned count and trials of `fer sweep status`, and them as JSON', async () => {
    const run = await fer('sweep', 'status', 'swp_1');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^budget: max 2 concurrent runs, 1\.25 of 4 GPU hours used, 2 held$/m);
    assert.match(run.stdout, /2 runs pruned/);
    assert.match(run.stdout, /^search trials \(tpe\): 3 proposed/m);
    const json = JSON.parse((await fer('sweep', 'status', 'swp_1', '--json')).stdout);
    assert.equal(json.trials.length, 3);
    assert.equal(json.rungs.length, 3);
    assert.equal(json.sweep.budget.held, 2);
  });
});
