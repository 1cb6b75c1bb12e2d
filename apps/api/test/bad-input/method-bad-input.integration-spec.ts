import type { PrismaClient } from '@fer/db';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PrismaService } from '../../src/database/prisma.service';
import { ApiHarness, startApiHarness } from '../support/api-test-harness';
import { assertRefused } from './bad-input-support';

const DOMAINS = ['synth-studio', 'synth-dark'];
/** Checkpoints written by PyTorch (libs/weights/fixtures): part of a ResNet-18, another architecture, a legacy file. */
const WEIGHT_FIXTURES = join(dirname(require.resolve('@fer/weights/package.json')), 'fixtures');

/**
 * Methods, presets and trunk weights through the real API over HTTP (PostgreSQL, Redis): an unknown method or preset,
 * a field that conflicts with a preset, trunk weights missing or outside the data roots are 400s naming the field, and
 * nothing is stored; a preset that is whole is stored expanded.
 */
describe('bad input: methods, paper presets and trunk weights', () => {
  let api: ApiHarness;
  let prisma: PrismaClient;
  let dataRoot: string;
  let weights: string;
  const run = (config: Record<string, unknown>) => ({ benchmark: 'synth5', source: 'synth-studio', targets: ['synth-dark'], config });
  const sweep = (base: Record<string, unknown>, parameters: Record<string, unknown[]> = {}) => ({
    name: 'presets',
    benchmark: 'synth5',
    sources: ['synth-studio'],
    base,
    search: { kind: 'grid', parameters },
  });

  before(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), 'fer-methods-'));
    mkdirSync(join(dataRoot, 'models'));
    weights = join(dataRoot, 'models', 'resnet18_msceleb.pth');
    copyFileSync(join(WEIGHT_FIXTURES, 'resnet18-partial.pth'), weights);
    for (const name of ['other-arch.pth', 'legacy.pth']) copyFileSync(join(WEIGHT_FIXTURES, name), join(dataRoot, 'models', name));
    api = await startApiHarness('method_bad_input', { FER_DATA_ROOTS: dataRoot });
    prisma = api.app.get(PrismaService).client;
    for (const domain of DOMAINS) {
      await prisma.dataset.create({
        data: { id: `ds-${domain}`, name: domain, domain, format: 'imagefolder', root: '/nowhere', version: 1, checksum: domain, status: 'ready', counts: {}, importReport: {}, samples: { create: [{ key: 'a', split: 'train', label: 0, contentHash: 'a' }, { key: 'b', split: 'test', label: 0, contentHash: 'b' }] } },
      });
    }
  });
  after(async () => {
    await api.close();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown) => () => api.request('POST', path, { key: api.keys.launch, body });

  it('should refuse an unknown method or preset, naming the field', async () => {
    await assertRefused(prisma, 'run: the retired method name', post('/runs', run({ method: 'finetune' })), { status: 400, names: /method/, field: 'config.method' });
    await assertRefused(prisma, 'run: unknown preset', post('/runs', run({ preset: 'sota-paper', trunkWeights: weights })), { status: 400, names: /preset/, field: 'config.preset' });
    await assertRefused(prisma, 'sweep: unknown method searched', post('/sweeps', sweep({ epochs: 2 }, { method: ['cafe', 'finetune'] })), { status: 400, names: /finetune/ });
    await assertRefused(prisma, 'sweep: unknown preset in the base', post('/sweeps', sweep({ preset: 'sota-paper' })), { status: 400, names: /preset/, field: 'base.preset' });
  });

  it('should refuse a field that conflicts with the preset, and a preset without trunk weights, naming the field', async () => {
    await assertRefused(prisma, 'run: preset + conflicting batch size', post('/runs', run({ preset: 'scn-paper', trunkWeights: weights, batchSize: 32 })), {
      status: 400,
      names: /conflicts with preset "scn-paper"/,
      field: 'config.batchSize',
    });
    await assertRefused(prisma, 'sweep: preset + conflicting nested field', post('/sweeps', sweep({ preset: 'rul-paper', trunkWeights: weights, optimizer: { lr: 1e-3 } })), {
      status: 400,
      names: /conflicts with preset "rul-paper"/,
      field: 'base.optimizer.lr',
    });
    await assertRefused(prisma, 'run: preset without trunk weights', post('/runs', run({ preset: 'erm-paper' })), { status: 400, names: /trunkWeights/, field: 'config.trunkWeights' });
  });

  it('should refuse trunk weights outside the data roots or missing, and on a method without a trunk, naming the field', async () => {
    await assertRefused(prisma, 'run: trunk weights outside the roots', post('/runs', run({ method: 'erm', trunkWeights: '/etc/passwd' })), {
      status: 400,
      names: /outside the data roots/,
      field: 'config.trunkWeights',
    });
    await assertRefused(prisma, 'run: trunk weights missing', post('/runs', run({ method: 'erm', trunkWeights: join(dataRoot, 'models', 'missing.pth') })), {
      status: 400,
      names: /does not exist/,
      field: 'config.trunkWeights',
    });
    await assertRefused(prisma, 'run: trunk weights on a probe', post('/runs', run({ method: 'linear-probe', trunkWeights: weights })), {
      status: 400,
      names: /no ResNet-18 trunk/,
      field: 'config.trunkWeights',
    });
  });

  it('should refuse trunk weights of another architecture or in the legacy format, naming the field and what to do', async () => {
    await assertRefused(prisma, 'run: weights of another architecture', post('/runs', run({ method: 'erm', trunkWeights: join(dataRoot, 'models', 'other-arch.pth') })), {
      status: 400,
      names: /no resnet18 trunk key matches/,
      field: 'config.trunkWeights',
    });
    await assertRefused(prisma, 'sweep: legacy checkpoint in the base', post('/sweeps', sweep({ method: 'scn', trunkWeights: join(dataRoot, 'models', 'legacy.pth') })), {
      status: 400,
      names: /legacy|1\.6/,
      field: 'base.trunkWeights',
    });
  });

  it('should store a preset run with the preset expanded, so its config id covers what runs', async () => {
    const answer = await post('/runs', run({ preset: 'scn-paper', trunkWeights: weights, epochs: 70 }))();
    assert.equal(answer.status, 201, answer.text);
    const stored = await prisma.run.findUniqueOrThrow({ where: { id: answer.body.id }, include: { config: true } });
    const body = stored.config.body as Record<string, unknown>;
    assert.equal(stored.config.method, 'scn');
    assert.deepEqual([body.preset, body.batchSize, body.epochs, body.trunkWeights, body.scn], ['scn-paper', 64, 70, weights, { beta: 0.7, margin1: 0.15, margin2: 0.2, relabelEpoch: 10 }]);
  });
});
