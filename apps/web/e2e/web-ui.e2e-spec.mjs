// The web UI against the real stack: API (fresh PostgreSQL database, own Redis prefix), a worker process and the
// production Next.js build, driven in Debian's Chromium through playwright-core, seeded by a real small sweep.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '../../..');
const { startApiProcess, spawnWorker, stopProcess, waitUntil, workerEnv } = require('@fer/testing');
const { generateSyntheticBenchmark, SYNTH_DOMAINS } = require('@fer/datasets');
const SHOTS = join(root, 'test-artifacts', 'web');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function freePort() {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Waits until React has hydrated the element (it carries React's fiber): before that, clicks and keys do nothing. */
async function hydrated(page, testId) {
  await page.getByTestId(testId).waitFor();
  await page.waitForFunction((id) => {
    const element = document.querySelector(`[data-testid="${id}"]`);
    return element !== null && Object.keys(element).some((key) => key.startsWith('__react'));
  }, testId);
}

describe('web UI on the real stack', { timeout: 600_000 }, () => {
  let api, worker, web, browser, page, webUrl, dataRoot, home, sweepId;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dataRoot = mkdtempSync(join(tmpdir(), 'fer-web-data-'));
    home = mkdtempSync(join(tmpdir(), 'fer-web-home-'));
    await generateSyntheticBenchmark({ outDir: dataRoot, perClassTrain: 4, perClassTest: 2, size: 32, seed: 'web', layout: 'rafdb' });
    api = await startApiProcess('web', { FER_DATA_ROOTS: dataRoot });
    for (const domain of SYNTH_DOMAINS) {
      const imported = await api.request('POST', '/datasets', { body: { name: domain, domain, format: 'rafdb', path: join(dataRoot, domain) } });
      assert.equal(imported.status, 201);
    }
    worker = spawnWorker(workerEnv(api, home));
    const created = await api.request('POST', '/sweeps', {
      body: {
        name: 'web e2e',
        benchmark: 'synth5',
        sources: ['synth-studio', 'synth-dark'],
        seeds: [0, 1],
        base: { epochs: 2, maskNetHidden: 16 },
        search: { kind: 'grid', parameters: { method: ['cafe', 'linear-probe'] } },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    sweepId = created.body.sweep.id;
    await waitUntil(async () => (await api.request('GET', `/sweeps/${sweepId}`)).body.sweep.status === 'succeeded', 'the seed sweep', 300_000, 1000);

    const port = await freePort();
    webUrl = `http://127.0.0.1:${port}`;
    web = spawn(process.execPath, [require.resolve('next/dist/bin/next', { paths: [join(root, 'apps/web')] }), 'start', '-p', String(port)], {
      cwd: join(root, 'apps/web'),
      env: { ...process.env, FER_API_URL: api.url, FER_API_KEY: api.keys.admin, NEXT_TELEMETRY_DISABLED: '1' },
      stdio: 'ignore',
    });
    await waitUntil(() => fetch(`${webUrl}/api/health`).then((r) => r.ok, () => false), 'the web server', 60_000);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    if (web) await stopProcess(web);
    if (worker) await stopProcess(worker, 'SIGKILL');
    await api?.close();
    rmSync(dataRoot, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  async function expectCellsMatch(source) {
    const board = (await api.request('GET', `/leaderboards?benchmark=synth5&source=${source}&selection=last`)).body;
    assert.ok(board.rows.length >= 2, `rows for ${source}`);
    for (const row of board.rows) {
      for (const column of [...board.domains, 'mean', 'targetMean']) {
        const cell = column === 'mean' ? row.mean : column === 'targetMean' ? row.targetMean : row.cells[column];
        const shown = await page.getByTestId(`cell-${row.groupKey}-${column}`).getAttribute('data-mean');
        assert.equal(shown, cell.mean === null ? '' : cell.mean.toFixed(2), `${source} ${row.label} ${column}`);
      }
    }
    return board;
  }

  it('should show the leaderboard numbers of the API in the right cells, and change them with the source picker', async () => {
    await page.goto(`${webUrl}/?benchmark=synth5&source=synth-studio&selection=last`);
    const studio = await expectCellsMatch('synth-studio');
    const best = studio.best.mean;
    assert.equal(await page.getByTestId(`cell-${best}-mean`).getAttribute('data-rank'), 'best');
    assert.equal(await page.getByTestId('column-synth-studio').getAttribute('data-in-domain'), 'true');
    await page.screenshot({ path: join(SHOTS, 'leaderboard.png'), fullPage: true });

    await hydrated(page, 'picker-source');
    await page.getByTestId('picker-source').selectOption('synth-dark');
    await page.waitForURL(/source=synth-dark/);
    await expectCellsMatch('synth-dark');
  });

  it('should serve leaderboard numbers equal to a recomputation from the stored evaluations', async () => {
    const board = (await api.request('GET', '/leaderboards?benchmark=synth5&source=synth-studio&selection=last')).body;
    const runs = (await api.request('GET', `/runs?sweepId=${sweepId}`)).body.items.filter((r) => r.sourceDomain === 'synth-studio');
    const perGroup = new Map();
    for (const summary of runs) {
      const detail = (await api.request('GET', `/runs/${summary.id}`)).body;
      const accuracies = Object.fromEntries(detail.evaluations.filter((e) => e.checkpoint === 'last').map((e) => [e.domain, e.accuracy * 100]));
      const list = perGroup.get(summary.configId) ?? [];
      list.push(accuracies);
      perGroup.set(summary.configId, list);
    }
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = (xs) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
    for (const row of board.rows) {
      const seeds = perGroup.get(row.groupKey);
      for (const domain of board.domains) {
        const values = seeds.map((s) => s[domain]);
        assert.ok(Math.abs(row.cells[domain].mean - mean(values)) < 1e-9, `${row.label} ${domain} mean`);
        assert.ok(Math.abs(row.cells[domain].std - std(values)) < 1e-9, `${row.label} ${domain} std`);
      }
      const runMeans = seeds.map((s) => mean(board.domains.map((d) => s[d])));
      assert.ok(Math.abs(row.mean.mean - mean(runMeans)) < 1e-9, `${row.label} mean column`);
      const targetMeans = seeds.map((s) => mean(board.domains.filter((d) => d !== 'synth-studio').map((d) => s[d])));
      assert.ok(Math.abs(row.targetMean.mean - mean(targetMeans)) < 1e-9, `${row.label} target mean`);
    }
  });

  it('should sort by a column from the keyboard alone', async () => {
    await page.goto(`${webUrl}/?benchmark=synth5&source=synth-studio&selection=last`);
    const sortButton = page.getByTestId('sort-synth-dark');
    const header = page.locator('th', { has: sortButton });
    // Until the page has hydrated, a key press reaches no handler: focus and press until the header reports a sort.
    await waitUntil(
      async () => {
        await sortButton.focus();
        if ((await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))) !== 'sort-synth-dark') return false;
        await page.keyboard.press('Enter');
        await new Promise((resolve) => setTimeout(resolve, 200));
        return ['ascending', 'descending'].includes(await header.getAttribute('aria-sort'));
      },
      'a keyboard sort',
      15_000,
    );
    const means = await page.locator('[data-testid^="cell-"][data-testid$="-synth-dark"]').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-mean'))));
    const direction = await header.getAttribute('aria-sort');
    const sorted = [...means].sort((a, b) => (direction === 'ascending' ? a - b : b - a));
    assert.deepEqual(means, sorted, `rows follow the ${direction} order`);
  });

  it('should copy the leaderboard as the API\'s LaTeX table', async () => {
    await page.goto(`${webUrl}/?benchmark=synth5&source=synth-studio&selection=last`);
    await hydrated(page, 'copy-latex');
    await page.getByTestId('copy-latex').click();
    const output = page.getByTestId('copy-output');
    await output.waitFor();
    await waitUntil(async () => (await output.inputValue()).includes('\\begin{tabular}'), 'the LaTeX text', 10_000);
    const expected = (await api.request('GET', '/leaderboards?benchmark=synth5&source=synth-studio&selection=last&format=latex')).text;
    assert.equal((await output.inputValue()).trim(), expected.trim());
  });

  it('should grow a run\'s training curve live while it trains', async () => {
    const created = await api.request('POST', '/runs', {
      body: { benchmark: 'synth5', source: 'synth-studio', targets: ['synth-dark'], seed: 5, config: { epochs: 400, batchSize: 1, maskNetHidden: 16 } },
    });
    const runId = created.body.id;
    await waitUntil(async () => (await api.request('GET', `/runs/${runId}`)).body.run.epoch >= 1, 'the run to start', 60_000);
    await page.goto(`${webUrl}/runs/${runId}`);
    const curve = page.getByTestId('run-curve');
    await curve.waitFor();
    const first = Number(await curve.getAttribute('data-points'));
    await waitUntil(async () => Number(await curve.getAttribute('data-points')) >= first + 3, 'the curve to grow', 60_000, 500);
    await page.screenshot({ path: join(SHOTS, 'run.png'), fullPage: true });
    await api.request('POST', `/runs/${runId}/cancel`);
  });

  it('should start runs when a sweep is created from the form', async () => {
    await page.goto(`${webUrl}/sweeps/new`);
    await hydrated(page, 'sweep-mode-paste');
    await page.getByTestId('sweep-mode-paste').click();
    const spec = { name: 'from the form', benchmark: 'synth5', sources: ['synth-wild'], seeds: [7], base: { epochs: 1, maskNetHidden: 8 } };
    await page.getByTestId('sweep-spec-text').fill(JSON.stringify(spec, null, 2));
    await page.getByTestId('sweep-spec-submit').click();
    await page.waitForURL(/\/sweeps\/swp_/, { timeout: 30_000 });
    const id = page.url().split('/sweeps/')[1].split(/[?#]/)[0];
    const detail = (await api.request('GET', `/sweeps/${id}`)).body;
    assert.equal(detail.sweep.name, 'from the form');
    assert.equal(detail.runs.length, 1);

    await page.goto(`${webUrl}/sweeps/new`);
    await hydrated(page, 'sweep-mode-paste');
    await page.getByTestId('sweep-mode-paste').click();
    await page.getByTestId('sweep-spec-text').fill(JSON.stringify({ ...spec, name: 'bad', base: { epochs: -1 } }));
    await page.getByTestId('sweep-spec-submit').click();
    await page.getByTestId('sweep-problems').waitFor();
    assert.match(await page.getByTestId('sweep-problems').innerText(), /base\.epochs/);
  });

  it('should show which workers answer when the queue page probes them', async () => {
    await page.goto(`${webUrl}/queue`);
    await hydrated(page, 'probe-workers-button');
    await page.getByTestId('probe-workers-button').click();
    const result = page.getByTestId('probe-result');
    await result.waitFor({ timeout: 20_000 });
    const text = await result.innerText();
    const workers = (await api.request('GET', '/queues')).body.workers.map((w) => w.id);
    assert.match(text, /^8\/8 probes answered in [\d.]+ s by /, text);
    assert.ok(workers.some((id) => text.includes(id)), `names a registered worker: ${text}`);
    assert.match(text, /Request → start p50 \d+ ms, p99 \d+ ms/);
  });

  it('should render every page without an error, and save a screenshot of each', async () => {
    const datasets = (await api.request('GET', '/datasets')).body.items;
    const runs = (await api.request('GET', `/runs?sweepId=${sweepId}`)).body.items;
    const pages = {
      sweeps: '/sweeps',
      sweep: `/sweeps/${sweepId}`,
      'sweep-new': '/sweeps/new',
      runs: '/runs',
      'run-finished': `/runs/${runs[0].id}`,
      datasets: '/datasets',
      dataset: `/datasets/${datasets[0].id}`,
      queue: '/queue',
    };
    for (const [name, path] of Object.entries(pages)) {
      const response = await page.goto(`${webUrl}${path}`);
      assert.equal(response.status(), 200, path);
      // The page streams in behind a loading state: judge (and photograph) it once its content has arrived.
      await page.getByTestId('loading').waitFor({ state: 'detached' });
      await page.locator('main h1').first().waitFor();
      assert.equal(await page.getByTestId('api-error').count(), 0, `${path} shows an API error`);
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    }
    await page.goto(`${webUrl}/sweeps/${sweepId}`);
    assert.ok((await page.getByTestId('ablation-table').count()) > 0);
  });
});
