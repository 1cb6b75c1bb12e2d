import { contentId, trainingConfigSchema, SeededRandom } from '@fer/contracts';
import type { PrismaClient } from '@fer/db';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PrismaService } from '../../src/database/prisma.service';
import { ApiHarness, startApiHarness } from '../support/api-test-harness';
import { chaosSeed, dropQueueKeys } from './chaos-support';

const CLIENTS = 20;
const SECONDS = Number(process.env.FER_CHAOS_LOAD_SECONDS ?? 60);
const DOMAINS = ['synth-studio', 'synth-lowres', 'synth-wild', 'synth-dark', 'synth-noisy'];
/** A few distinct small sweeps; clients submit them over and over (duplicates must create nothing new). */
const VALID_SPECS = Array.from({ length: 4 }, (_, i) => ({
  name: `load ${i}`,
  benchmark: 'synth5',
  sources: ['synth-studio'],
  seeds: [0, 1],
  base: { epochs: 2 + i, maskNetHidden: 16 },
  search: { kind: 'grid', parameters: { lambdaDiverse: [0, 5] } },
}));
const INVALID_SPECS: unknown[] = [
  { name: 'bad lr', benchmark: 'synth5', sources: ['synth-studio'], base: { optimizer: { lr: -1 } } },
  { name: 'unknown field', benchmark: 'synth5', sources: ['synth-studio'], colour: 'blue' },
  { name: 'no such source', benchmark: 'synth5', sources: ['nowhere'] },
  { name: 'huge', benchmark: 'synth5', sources: ['synth-studio'], search: { kind: 'grid', parameters: { epochs: range(100), batchSize: range(100), maskNetHidden: range(100) } } },
];

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** Finished runs with evaluations on every domain, so leaderboard reads aggregate real rows (6 configs x 3 seeds). */
async function seedLeaderboard(prisma: PrismaClient): Promise<void> {
  for (const domain of DOMAINS) {
    await prisma.dataset.create({
      data: { id: `ds-${domain}`, name: domain, domain, format: 'imagefolder', root: '/nowhere', version: 1, checksum: domain, status: 'ready', counts: {}, importReport: {}, samples: { create: [{ key: 'a', split: 'train', label: 0, contentHash: 'a' }, { key: 'b', split: 'test', label: 0, contentHash: 'b' }] } },
    });
  }
  const random = new SeededRandom(42);
  for (let c = 0; c < 6; c++) {
    const config = trainingConfigSchema.parse({ method: c % 2 ? 'linear-probe' : 'cafe', lambdaDiverse: c });
    const configId = contentId('cfg', config);
    await prisma.config.create({ data: { id: configId, method: config.method, body: config as object } });
    for (let seed = 0; seed < 3; seed++) {
      const id = `run-load-${c}-${seed}`;
      await prisma.run.create({
        data: { id, configId, groupKey: configId, sourceDatasetId: 'ds-synth-studio', sourceDomain: 'synth-studio', targets: DOMAINS, seed, epochs: 2, sourceValBestEpoch: 1, status: 'succeeded' },
      });
      await prisma.evaluation.createMany({
        data: DOMAINS.flatMap((domain) =>
          [1, 2].map((epoch) => ({
            id: `${id}-${domain}-e${epoch}`,
            runId: id,
            datasetId: `ds-${domain}`,
            domain,
            checkpoint: 'epoch',
            epoch,
            accuracy: random.next(),
            perClassAccuracy: [],
            macroF1: 0,
            confusion: [],
            n: 10,
          })),
        ),
      });
    }
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;
}

/**
 * 20 concurrent clients against the real API (PostgreSQL + Redis) for a bounded time (FER_CHAOS_LOAD_SECONDS,
 * default 60): creating small sweeps (mostly duplicates, some invalid) and reading leaderboards. No 5xx, no
 * connection errors, nothing stored for the invalid ones, no duplicate for the repeated ones; p50/p99 printed.
 */
describe('chaos: 20 concurrent clients against the API', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApiHarness('chaos_load', { FER_RATE_LIMIT_PER_MINUTE: '1000000' });
    await seedLeaderboard(api.app.get(PrismaService).client);
  });
  after(async () => {
    await dropQueueKeys(api);
    await api?.close();
  });

  it(`should serve ${CLIENTS} clients for ${SECONDS} s without a 5xx`, { timeout: (SECONDS + 120) * 1000 }, async () => {
    const seed = chaosSeed();
    console.log(`api load: FER_CHAOS_SEED=${seed}, ${CLIENTS} clients for ${SECONDS} s`);
    const latencies = new Map<string, number[]>();
    const statuses = new Map<string, number>();
    const failures: string[] = [];
    const deadline = Date.now() + SECONDS * 1000;
    const expected: Record<string, number[]> = { leaderboard: [200], 'leaderboard-latex': [200], 'sweep-duplicate': [201], 'sweep-invalid': [400], 'sweep-list': [200] };

    const client = async (index: number) => {
      const random = new SeededRandom(seed + index);
      while (Date.now() < deadline) {
        const roll = random.next();
        let kind: string;
        let call: () => ReturnType<ApiHarness['request']>;
        if (roll < 0.45) {
          kind = 'leaderboard';
          const selection = ['last', 'source-val', 'oracle'][Math.floor(random.next() * 3)];
          call = () => api.request('GET', `/leaderboards?benchmark=synth5&source=synth-studio&selection=${selection}`, { key: api.keys.read });
        } else if (roll < 0.55) {
          kind = 'leaderboard-latex';
          call = () => api.request('GET', '/leaderboards?benchmark=synth5&source=synth-studio&format=latex', { key: api.keys.read });
        } else if (roll < 0.8) {
          kind = 'sweep-duplicate';
          const spec = VALID_SPECS[Math.floor(random.next() * VALID_SPECS.length)];
          call = () => api.request('POST', '/sweeps', { key: api.keys.launch, body: spec });
        } else if (roll < 0.92) {
          kind = 'sweep-invalid';
          const spec = INVALID_SPECS[Math.floor(random.next() * INVALID_SPECS.length)];
          call = () => api.request('POST', '/sweeps', { key: api.keys.launch, body: spec });
        } else {
          kind = 'sweep-list';
          call = () => api.request('GET', '/sweeps', { key: api.keys.read });
        }
        const started = performance.now();
        try {
          const response = await call();
          const ms = performance.now() - started;
          latencies.set(kind, [...(latencies.get(kind) ?? []), ms]);
          statuses.set(`${kind} ${response.status}`, (statuses.get(`${kind} ${response.status}`) ?? 0) + 1);
          if (!expected[kind].includes(response.status)) failures.push(`${kind}: ${response.status} ${response.text.slice(0, 300)}`);
        } catch (error) {
          failures.push(`${kind}: ${(error as Error).message}`);
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    const elapsed = (Date.now() - started) / 1000;

    const all = [...latencies.values()].flat().sort((a, b) => a - b);
    const rows = [...latencies.entries()].map(([kind, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `  ${kind.padEnd(18)} n=${String(sorted.length).padStart(5)}  p50 ${percentile(sorted, 50).toFixed(1).padStart(7)} ms  p99 ${percentile(sorted, 99).toFixed(1).padStart(7)} ms`;
    });
    console.log(
      `api load: ${all.length} requests in ${elapsed.toFixed(1)} s (${(all.length / elapsed).toFixed(0)}/s), ` +
        `p50 ${percentile(all, 50).toFixed(1)} ms, p99 ${percentile(all, 99).toFixed(1)} ms, max ${all[all.length - 1]?.toFixed(1)} ms\n${rows.join('\n')}\n` +
        `  statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
    );
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} unexpected answers`);
    assert.ok(all.length > CLIENTS, 'the clients got answers');

    // Duplicates created nothing new and the invalid specs nothing at all.
    const prisma = api.app.get(PrismaService).client;
    const submitted = [...statuses.keys()].some((k) => k.startsWith('sweep-duplicate'));
    const sweeps = await prisma.sweep.findMany({ select: { name: true } });
    assert.ok(sweeps.every((s) => s.name.startsWith('load ')), `only valid sweeps stored: ${JSON.stringify(sweeps)}`);
    assert.equal(new Set(sweeps.map((s) => s.name)).size, sweeps.length, 'each spec stored once');
    if (submitted) assert.equal(await prisma.run.count({ where: { sweepId: { not: null } } }), sweeps.length * 2 * 2, 'two configs x two seeds per sweep, none twice');
  });
});
