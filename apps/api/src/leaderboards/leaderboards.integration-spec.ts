import { contentId, trainingConfigSchema } from '@fer/contracts';
import type { PrismaClient } from '@fer/db';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PrismaService } from '../database/prisma.service';
import { ApiHarness, startApiHarness } from '../../test/support/api-test-harness';

const DOMAINS = ['rafdb', 'ferplus', 'affectnet', 'sfew', 'mma'];

/** Seeds evaluations whose means and stds are known by hand, then reads them back through the endpoint. */
async function seed(prisma: PrismaClient) {
  for (const domain of DOMAINS) {
    await prisma.dataset.create({
      data: { id: `ds-${domain}`, name: domain, domain, format: 'imagefolder', root: '/x', version: 1, checksum: domain, status: 'ready', counts: {}, importReport: {}, samples: { create: [{ key: 'a', split: 'train', label: 0, contentHash: 'a' }, { key: 'b', split: 'test', label: 0, contentHash: 'b' }] } },
    });
  }
  const configs = {
    cafe: trainingConfigSchema.parse({ method: 'cafe' }),
    probe: trainingConfigSchema.parse({ method: 'linear-probe' }),
  };
  const ids = { cafe: contentId('cfg', configs.cafe), probe: contentId('cfg', configs.probe) };
  for (const [name, config] of Object.entries(configs)) {
    await prisma.config.create({ data: { id: ids[name as 'cafe'], method: config.method, body: config as object } });
  }
  // accuracy(config, seed, domain) at the last epoch (3): cafe seeds 0/1 give 0.60/0.70 on every domain (mean 65, std
  // 7.07); probe gives 0.50 everywhere but sfew (0.80), one seed. Epoch 1, the source-val best, is 0.05 lower; epoch 2
  // is 0.10 lower except on mma, where it is 0.02 higher (the oracle's epoch there). A failed run never counts.
  const runs = [
    { config: 'cafe', seed: 0, acc: () => 0.6 },
    { config: 'cafe', seed: 1, acc: () => 0.7 },
    { config: 'probe', seed: 0, acc: (d: string) => (d === 'sfew' ? 0.8 : 0.5) },
    { config: 'cafe', seed: 2, acc: () => 0.99, status: 'failed' },
  ] as const;
  for (const run of runs) {
    const id = `run-${run.config}-${run.seed}`;
    const status = 'status' in run ? run.status : 'succeeded';
    await prisma.run.create({
      data: { id, configId: ids[run.config], groupKey: ids[run.config], sourceDatasetId: 'ds-rafdb', sourceDomain: 'rafdb', targets: DOMAINS, seed: run.seed, epochs: 3, sourceValBestEpoch: 1, status },
    });
    for (const domain of DOMAINS) {
      for (const [epoch, delta] of [[1, -0.05], [2, domain === 'mma' ? 0.02 : -0.1], [3, 0]] as const) {
        await prisma.evaluation.create({
          data: { id: `${id}-${domain}-e${epoch}`, runId: id, datasetId: `ds-${domain}`, domain, checkpoint: 'epoch', split: 'test', frozenEngine: run.config === 'probe' ? 'tfjs' : 'onnx', epoch, accuracy: run.acc(domain) + delta, perClassAccuracy: [], macroF1: 0, confusion: [], n: 10 },
        });
      }
    }
  }
  return ids;
}

describe('leaderboards', () => {
  let api: ApiHarness;
  let ids: { cafe: string; probe: string };
  before(async () => {
    api = await startApiHarness('leaderboard');
    ids = await seed(api.app.get(PrismaService).client);
  });
  after(async () => api.close());

  it('should give mean ± std over seeds per domain, the mean including the source column, and mark the best', async () => {
    const { status, body } = await api.request('GET', '/leaderboards?benchmark=fer5&source=rafdb', { key: api.keys.read });
    assert.equal(status, 200);
    assert.deepEqual(body.domains, DOMAINS);
    const cafe = body.rows.find((r: { groupKey: string }) => r.groupKey === ids.cafe);
    const probe = body.rows.find((r: { groupKey: string }) => r.groupKey === ids.probe);
    assert.ok(Math.abs(cafe.cells.rafdb.mean - 65) < 1e-9);
    assert.ok(Math.abs(cafe.cells.rafdb.std - Math.sqrt(50)) < 1e-9);
    assert.equal(cafe.cells.rafdb.n, 2);
    assert.ok(Math.abs(probe.mean.mean - 56) < 1e-9, 'probe mean over 5 columns, source included: (50*4+80)/5');
    assert.ok(Math.abs(probe.targetMean.mean - 57.5) < 1e-9, 'probe target mean excludes rafdb: (50*3+80)/4');
    assert.equal(probe.cells.sfew.std, null, 'one seed has no std');
    assert.equal(body.best.sfew, ids.probe);
    assert.equal(body.best.rafdb, ids.cafe);
    assert.equal(body.secondBest.rafdb, ids.probe);
    assert.equal(body.rows[0].groupKey, ids.cafe, 'rows sorted by mean');
    assert.deepEqual(
      cafe.cells.sfew.runs.map((r: { runId: string; seed: number; value: number; epoch: number }) => [r.runId, r.seed, Math.round(r.value), r.epoch]),
      [['run-cafe-0', 0, 60, 3], ['run-cafe-1', 1, 70, 3]],
      'each cell lists its seeds, their values and the epoch picked; the failed run is left out',
    );
    assert.deepEqual(cafe.runIds, ['run-cafe-0', 'run-cafe-1']);
    assert.equal(cafe.runCount, 2);
    assert.deepEqual(body.provenance.frozenEngines, ['onnx', 'tfjs'], 'the board says which engines computed the features it scored');
  });

  it('should switch model selection between last, source-val and oracle', async () => {
    const sourceVal = await api.request('GET', '/leaderboards?source=rafdb&selection=source-val');
    const oracle = await api.request('GET', '/leaderboards?source=rafdb&selection=oracle');
    const cell = (board: { rows: { groupKey: string; cells: Record<string, { mean: number }> }[] }) => board.rows.find((r) => r.groupKey === ids.cafe)!.cells.mma.mean;
    assert.ok(Math.abs(cell(sourceVal.body) - 60) < 1e-9, 'the source-val best epoch (1)');
    assert.ok(Math.abs(cell(oracle.body) - 67) < 1e-9, 'the oracle is the best stored epoch on the target (2 on mma)');
    const oracleSfew = oracle.body.rows.find((r: { groupKey: string }) => r.groupKey === ids.cafe).cells.sfew;
    assert.ok(Math.abs(oracleSfew.mean - 65) < 1e-9, 'and the last epoch where that is best');
    assert.deepEqual(oracleSfew.runs.map((r: { epoch: number }) => r.epoch), [3, 3]);
    assert.equal(oracle.body.selection, 'oracle');
  });

  it('should export a LaTeX table with the best bold and the second underlined, and CSV and Markdown', async () => {
    const latex = await api.request('GET', '/leaderboards?source=rafdb&format=latex');
    assert.equal(latex.status, 200);
    assert.match(latex.text, /\\begin\{tabular\}/);
    assert.match(latex.text, /\\textbf\{65\.00 \$\\pm\$ 7\.07\}/);
    assert.match(latex.text, /\\underline\{50\.00\}/);
    const csv = await api.request('GET', '/leaderboards?source=rafdb&format=csv');
    assert.equal(csv.text.split('\n')[0].split(',')[0], 'method');
    const lines = csv.text.trim().split('\n');
    assert.equal(lines.filter((line) => !line.startsWith('# ')).length, 3, 'a header and one line per row, then the provenance footer');
    assert.equal(lines.filter((line) => line.startsWith('# ')).length, 4);
    assert.ok(lines.some((line) => line.startsWith('# ') && line.endsWith('evaluations; frozen features computed by onnx and tfjs')), csv.text);
    const markdown = await api.request('GET', '/leaderboards?source=rafdb&format=markdown');
    assert.match(markdown.text, /\| \*\*65\.00 ± 7\.07\*\* \|/);
  });

  it('should build the transfer matrix of one config, rows = sources', async () => {
    const { body } = await api.request('GET', `/leaderboards/transfer?configId=${ids.cafe}`);
    assert.equal(body.cells.length, 5);
    assert.ok(Math.abs(body.cells[0][3].mean - 65) < 1e-9);
    assert.equal(body.cells[1][0], null, 'no runs trained on ferplus');
  });

  it('should answer 400 naming the source when it is not a domain of the benchmark', async () => {
    const { status, body } = await api.request('GET', '/leaderboards?source=nowhere');
    assert.equal(status, 400);
    assert.equal(body.error.problems[0].field, 'source');
  });

  it('should carry its provenance: dataset versions per column, selection, seeds and a hash that changes with any evaluation', async () => {
    const board = (await api.request('GET', '/leaderboards?benchmark=fer5&source=rafdb&selection=last', { key: api.keys.read })).body;
    assert.match(board.provenance.hash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(board.provenance.selection, 'last');
    assert.deepEqual(board.provenance.seeds, [0, 1]);
    assert.equal(board.provenance.evaluations, 15, '3 succeeded runs x 5 domains at the last epoch');
    assert.deepEqual(
      board.provenance.datasets.map((d: { domain: string; name: string; version: number; splits: string[] }) => `${d.domain}=${d.name} v${d.version} ${d.splits}`),
      DOMAINS.map((d) => `${d}=${d} v1 test`),
    );
    const again = (await api.request('GET', '/leaderboards?benchmark=fer5&source=rafdb&selection=last', { key: api.keys.read })).body;
    assert.equal(again.provenance.hash, board.provenance.hash, 'the same evaluations give the same hash');
    const otherSelection = (await api.request('GET', '/leaderboards?benchmark=fer5&source=rafdb&selection=source-val', { key: api.keys.read })).body;
    assert.notEqual(otherSelection.provenance.hash, board.provenance.hash);

    for (const format of ['markdown', 'latex', 'csv']) {
      const text = (await api.request('GET', `/leaderboards?benchmark=fer5&source=rafdb&selection=last&format=${format}`, { key: api.keys.read })).text;
      assert.ok(text.includes(board.provenance.hash), `${format} export carries the hash`);
      assert.match(text, /datasets: rafdb: rafdb v1 \(test split\)/, `${format} export names the datasets`);
      assert.match(text, /seeds: 0, 1/);
      assert.ok(text.includes(`fer leaderboard --benchmark fer5 --source rafdb --selection last --verify ${board.provenance.hash}`));
    }

    const prisma = api.app.get(PrismaService).client;
    const { runFer } = await import('@fer/testing');
    const verified = await runFer(api.url, api.keys.read, ['leaderboard', '--benchmark', 'fer5', '--source', 'rafdb', '--selection', 'last', '--verify', board.provenance.hash]);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stdout, /^verified: sha256:/);
    // One evaluation re-done with another accuracy: the same table would no longer be printed.
    await prisma.evaluation.update({ where: { id: 'run-cafe-0-sfew-e3' }, data: { accuracy: 0.61 } });
    const changed = (await api.request('GET', '/leaderboards?benchmark=fer5&source=rafdb&selection=last', { key: api.keys.read })).body;
    assert.notEqual(changed.provenance.hash, board.provenance.hash);
    const refused = await runFer(api.url, api.keys.read, ['leaderboard', '--benchmark', 'fer5', '--source', 'rafdb', '--selection', 'last', '--verify', board.provenance.hash]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /NOT verified/);
    await prisma.evaluation.update({ where: { id: 'run-cafe-0-sfew-e3' }, data: { accuracy: 0.6 } });
  });
});
