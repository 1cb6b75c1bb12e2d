// The leaderboard page in Debian's Chromium (playwright-core) against an API: how long until the table is on
// screen (navigation → cells rendered) and until it answers a click (sort by the mean column, re-rendered). Used by
// api.mjs (the API section).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

function freePort() {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** The leaderboard: cells on screen, then a click on "sort by mean" re-rendered. */
export function measureLeaderboardPage({ root, apiUrl, apiKey, query, repeats = 5 }) {
  return measurePage({
    root,
    apiUrl,
    apiKey,
    repeats,
    path: `/?${query}`,
    visible: '[data-testid^="cell-"]',
    rows: '[data-testid^="row-"]',
    async interact(page) {
      const firstRow = await page.locator('[data-testid^="row-"]').first().getAttribute('data-testid');
      await page.getByTestId('sort-mean').click();
      await page.waitForFunction(
        (before) =>
          document.querySelector('[data-testid^="row-"]')?.getAttribute('data-testid') !== before ||
          document.querySelector('th[aria-sort]') !== null,
        firstRow,
      );
    },
  });
}

/** The runs table: its first page of rows on screen, then a run ticked for comparison (the page hydrated and answering). */
export function measureRunsTablePage({ root, apiUrl, apiKey, query, repeats = 5 }) {
  return measurePage({
    root,
    apiUrl,
    apiKey,
    repeats,
    path: `/runs?${query}`,
    visible: '[data-testid^="runs-grid-row-"]',
    rows: '[data-testid^="runs-grid-row-"]',
    async interact(page) {
      await page.locator('[data-testid^="runs-pick-"]').first().check();
      await page.waitForFunction(() => document.querySelector('[data-testid="runs-compare"]')?.getAttribute('data-count') === '1');
    },
  });
}

/** null when the web build or Chromium is missing (reported as not measured). */
async function measurePage({ root, apiUrl, apiKey, path, visible: visibleSelector, rows: rowSelector, interact, repeats }) {
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(join(root, 'apps/web/.next/BUILD_ID')) || !existsSync(chromiumPath)) return null;
  const { chromium } = require('playwright-core');
  const port = await freePort();
  const web = spawn(
    process.execPath,
    [require.resolve('next/dist/bin/next', { paths: [join(root, 'apps/web')] }), 'start', '-p', String(port)],
    {
      cwd: join(root, 'apps/web'),
      env: { ...process.env, FER_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' },
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}${path}`;
  try {
    for (let i = 0; i < 120; i++) {
      if (
        await fetch(`http://127.0.0.1:${port}/api/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // The web UI holds no key: sign this browser in with a one-time link made by the (admin) key, as a user would.
    const link = await fetch(`${apiUrl}/api/v1/sessions/links`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } }).then((r) => r.json());
    await page.goto(`http://127.0.0.1:${port}/auth/link?token=${link.token}`);
    const visible = [];
    const interactive = [];
    let rows = 0;
    for (let i = 0; i <= repeats; i++) {
      const t0 = performance.now();
      await page.goto(url, { waitUntil: 'commit' });
      await page.locator(visibleSelector).first().waitFor();
      const shown = performance.now() - t0;
      await interact(page);
      const ready = performance.now() - t0;
      rows = await page.locator(rowSelector).count();
      if (i > 0) {
        visible.push(shown);
        interactive.push(ready);
      }
    }
    await browser.close();
    return { visibleMs: visible, interactiveMs: interactive, rows };
  } finally {
    web.kill('SIGTERM');
  }
}
