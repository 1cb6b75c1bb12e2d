import { generateSyntheticBenchmark } from '@fer/datasets';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { QueueName } from '@fer/contracts';
import { jobIdOf } from '@fer/experiments';
import { PrismaService } from '../../src/database/prisma.service';
import { QueueService } from '../../src/queues/queue.service';
import { ApiHarness, startApiHarness } from '../support/api-test-harness';
import { runFer } from '@fer/testing';

/** The `fer` binary against the real API, as a user runs it. */
describe('fer CLI against the API', () => {
  let api: ApiHarness;
  let root: string;
  const fer = (args: string[], key = api.keys.admin) => runFer(api.url, key, args);

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'fer-cli-'));
    await generateSyntheticBenchmark({ outDir: root, perClassTrain: 2, perClassTest: 1, size: 32, seed: 'cli', domains: ['synth-studio'] });
    api = await startApiHarness('cli', { FER_DATA_ROOTS: root });
  });
  after(async () => {
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('should import a valid dataset and refuse a broken one before calling the API', async () => {
    const ok = await fer(['datasets', 'import', '--format', 'imagefolder', '--path', join(root, 'synth-studio'), '--name', 'synth-studio']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).version, 1);
    assert.match(ok.stderr, /registered synth-studio v1/);

    writeFileSync(join(root, 'synth-studio', 'train', 'happiness', 'broken.png'), 'not a png');
    const bad = await fer(['datasets', 'import', '--format', 'imagefolder', '--path', join(root, 'synth-studio'), '--name', 'synth-studio']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /broken\.png/);
    assert.match(bad.stderr, /nothing was registered/);
    assert.equal((await api.request('GET', '/datasets')).body.total, 1);
    rmSync(join(root, 'synth-studio', 'train', 'happiness', 'broken.png'));
  });

  it('should create a sweep from YAML, say which field is wrong in a bad one, and print the leaderboard', async () => {
    const spec = join(root, 'sweep.yaml');
    writeFileSync(spec, 'name: cli sweep\nbenchmark: synth5\nsources: [synth-studio]\ntargets: [synth-studio]\nseeds: [0, 1]\nbase:\n  epochs: 1\n');
    const created = await fer(['sweep', 'create', spec]);
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stderr, /2 runs created/);
    writeFileSync(spec, 'name: bad\nsources: [synth-studio]\nbase:\n  optimizer:\n    lr: fast\n');
    const bad = await fer(['sweep', 'create', spec]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /base\.optimizer\.lr/);
    const board = await fer(['leaderboard', '--benchmark', 'synth5', '--source', 'synth-studio', '--format', 'latex']);
    assert.equal(board.status, 0, board.stderr);
    assert.match(board.stdout, /\\begin\{tabular\}/);
  });

  it('should refuse key management to a read key, and show a created key once', async () => {
    const refused = await fer(['keys', 'create', '--role', 'read'], api.keys.read);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /403.*admin/);
    const created = await fer(['keys', 'create', '--role', 'read', '--name', 'cli-test']);
    assert.equal(created.status, 0);
    assert.match(JSON.parse(created.stdout).key, /^fer_/);
    const listed = await fer(['keys', 'list']);
    assert.doesNotMatch(listed.stdout, /"hash"/);
  });

  it('should exit 1 saying to start a worker when no worker answers a probe, and refuse a bad --count before calling the API', async () => {
    const probe = await fer(['queue', 'probe', '--count', '2', '--timeout', '1'], api.keys.launch);
    assert.equal(probe.status, 1, probe.stderr);
    assert.match(probe.stdout, /0\/2 probe\(s\) answered/);
    assert.match(probe.stderr, /no worker answered any of 2 probe\(s\) within 1 s\. No worker is registered online\./);
    assert.match(probe.stderr, /Start a worker .*REDIS_URL/);
    const bad = await fer(['queue', 'probe', '--count', '0']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--count.*1 to 1000/);
    const overview = await fer(['queue']);
    assert.equal(overview.status, 0, overview.stderr);
    assert.ok(JSON.parse(overview.stdout).queues.some((q: { name: string }) => q.name === 'probe'));
  });

  it('should create, list and archive a benchmark of its own domains as a table, refusing a bad name with the field', async () => {
    const created = await fer(['benchmarks', 'create', '--name', 'lab2', '--domains', 'synth-studio, lab-b', '--description', 'in-house']);
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /lab2\s+7\s+synth-studio [✓–], lab-b –\s+0/);
    const listed = await fer(['benchmarks', 'list']);
    assert.match(listed.stdout, /^benchmark\s+classes/);
    assert.match(listed.stdout, /fer5 \(built in\)/);
    const json = JSON.parse((await fer(['benchmarks', 'list', '--json'])).stdout);
    assert.deepEqual(json.find((b: { name: string }) => b.name === 'lab2').domains, ['synth-studio', 'lab-b']);
    const bad = await fer(['benchmarks', 'create', '--name', 'Lab 2', '--domains', 'a,b']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /name/);
    assert.equal((await fer(['benchmarks', 'archive', 'lab2'])).status, 0);
    assert.ok(!(await fer(['benchmarks', 'list'])).stdout.includes('lab2'));
  });

  it('should list sweeps as a table, re-run a sweep\'s failed runs under their ids, and compare two runs', async () => {
    const prisma = api.app.get(PrismaService).client;
    if (!(await prisma.dataset.findFirst({ where: { domain: 'synth-studio', status: 'ready' } })))
      assert.equal((await api.request('POST', '/datasets', { body: { name: 'synth-studio', format: 'imagefolder', path: join(root, 'synth-studio') } })).status, 201);
    const spec = join(root, 'grid.yaml');
    writeFileSync(spec, 'name: rerun me\nbenchmark: synth5\nsources: [synth-studio]\ntargets: [synth-studio]\nseeds: [0]\nbase:\n  epochs: 2\nsearch:\n  kind: grid\n  parameters:\n    lambdaDiverse: [0, 5]\n');
    assert.equal((await fer(['sweep', 'create', spec])).status, 0);
    const list = await fer(['sweep', 'list']);
    assert.match(list.stdout, /^sweep\s+name\s+status\s+benchmark\s+runs\s+progress\s+best target mean$/m);
    const sweep = JSON.parse((await fer(['sweep', 'list', '--json'])).stdout).items.find((s: { name: string }) => s.name === 'rerun me');
    const runs = await prisma.run.findMany({ where: { sweepId: sweep.id }, orderBy: { id: 'asc' } });
    await prisma.run.update({ where: { id: runs[0].id }, data: { status: 'failed', error: 'boom', finishedAt: new Date(), attempts: 5 } });
    await prisma.run.update({ where: { id: runs[1].id }, data: { status: 'cancelled', finishedAt: new Date() } });

    const rerun = await fer(['sweep', 'rerun', sweep.id, '--failed']);
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.match(rerun.stderr, /1 run re-queued/);
    assert.equal(rerun.stdout.trim(), runs[0].id, 'the same run id, a new attempt');
    const again = await prisma.run.findUniqueOrThrow({ where: { id: runs[0].id } });
    assert.deepEqual([again.status, again.error, again.attempts], ['queued', null, 5], 'queued again, its attempts counted on');
    assert.equal((await prisma.run.findUniqueOrThrow({ where: { id: runs[1].id } })).status, 'cancelled', 'only the statuses asked for');
    const queue = api.app.get(QueueService).queues.queue(QueueName.Train);
    assert.equal(await (await queue.getJob(jobIdOf(QueueName.Train, { runId: runs[0].id })))?.getState(), 'prioritized', 'its train job is queued');

    for (const run of runs) {
      await prisma.run.update({ where: { id: run.id }, data: { status: 'succeeded', epoch: 2, trainedAt: new Date() } });
      await prisma.evaluation.create({
        data: { id: `${run.id}.e2`, runId: run.id, datasetId: run.sourceDatasetId, domain: 'synth-studio', checkpoint: 'epoch', split: 'test', epoch: 2, accuracy: run === runs[0] ? 0.25 : 0.5, perClassAccuracy: [], macroF1: 0, confusion: [], n: 7 },
      });
    }
    const compared = await fer(['runs', 'compare', runs[0].id, runs[1].id]);
    assert.equal(compared.status, 0, compared.stderr);
    assert.match(compared.stdout, /^config: 1 field differs$/m);
    assert.match(compared.stdout, /^lambdaDiverse\s+(0\s+5|5\s+0)$/m);
    assert.match(compared.stdout, /^synth-studio\s+25\.00\* \(epoch 2\)\s+50\.00\* \(epoch 2\)$/m);
    assert.equal((await fer(['runs', 'compare', runs[0].id])).status, 1, 'compare needs two runs');
  });

  it('should print --help for every command', async () => {
    for (const command of [[], ['benchmarks', 'create'], ['presets', 'show'], ['sweep', 'plan'], ['sweep', 'rerun'], ['runs', 'compare'], ['sweep', 'create'], ['datasets', 'import'], ['datasets', 'inspect'], ['leaderboard'], ['keys', 'create'], ['cafe', 'head'], ['runs', 'retry'], ['queue', 'probe']]) {
      const result = await fer([...command, '--help']);
      assert.equal(result.status, 0, command.join(' '));
      assert.match(result.stdout, /Usage: fer/);
    }
  });
});
