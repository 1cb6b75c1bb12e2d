import type { SelftestOptions, SelftestReport } from '@fer/cafe';
import { spawnWorker } from '@fer/testing';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadWorkerEnv } from '../config/worker-env.schema';
import { SELFTEST_FAILED_EXIT_CODE, SELFTEST_REFUSAL, bootSelftest } from './boot-selftest';

const root = process.env.FER_REPO_ROOT ?? resolve(__dirname, '..', '..', '..', '..');

function report(pass: boolean): SelftestReport {
  return {
    backend: 'wasm',
    device: 'CPU (wasm, SIMD, 1 thread)',
    frozenEngine: 'tfjs (wasm)',
    goldenDir: '/golden',
    checks: [
      {
        name: 'parity: CAFE head',
        status: pass ? 'PASS' : 'FAIL',
        detail: pass ? '2 files' : 'head-a.json outputs.lossCE: computed 1, golden 2',
        seconds: 0.1,
      },
      {
        name: 'training: 3 steps + resume',
        status: 'PASS',
        detail: 'ok',
        seconds: 1,
        speed: { value: 500, unit: 'samples/s' },
      },
    ],
    notes: [],
    pass,
    seconds: 1.1,
  };
}

function recorder() {
  const logs: string[] = [];
  const errors: string[] = [];
  return { logs, errors, log: { log: (line: string) => logs.push(line), error: (text: string) => errors.push(text) } };
}

const env = (overrides: Record<string, string> = {}) =>
  loadWorkerEnv({ DATABASE_URL: 'postgresql://127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1', ...overrides });

describe('worker boot selftest (FER_SELFTEST)', () => {
  it('should run nothing and let the worker take jobs when FER_SELFTEST is off, the default', async () => {
    assert.equal(env().FER_SELFTEST, 'off');
    const { logs, errors, log } = recorder();
    let runs = 0;
    const ok = await bootSelftest(env(), 'wasm', 'cpu', log, async () => (runs++, report(true)));
    assert.deepEqual([ok, runs, logs, errors], [true, 0, [], []]);
    assert.throws(() => env({ FER_SELFTEST: 'always' }), /FER_SELFTEST/);
  });

  it('should log one summary line and let the worker take jobs when the boot selftest passes', async () => {
    const { logs, errors, log } = recorder();
    const seen: SelftestOptions[] = [];
    const settings = env({
      FER_SELFTEST: 'boot',
      FER_SELFTEST_GOLDEN_DIR: '/g',
      FER_SELFTEST_CLIP_WEIGHTS: '/w/clip.safetensors',
      FER_FROZEN_ENGINE: 'onnx',
      FER_FROZEN_THREADS: '4',
    });
    const ok = await bootSelftest(
      settings,
      'tensorflow',
      'cuda:2',
      log,
      async (options) => (seen.push(options), report(true)),
    );
    assert.equal(ok, true);
    assert.deepEqual(seen, [
      {
        backend: 'tensorflow',
        goldenDir: '/g',
        clipWeights: '/w/clip.safetensors',
        frozenEngine: 'onnx',
        frozenThreads: 4,
        cudaDevice: '2',
      },
    ]);
    assert.deepEqual(errors, []);
    assert.equal(logs.length, 1);
    assert.match(
      logs[0],
      /^selftest PASS on wasm, CPU \(wasm, SIMD, 1 thread\), frozen engine tfjs \(wasm\): 2 of 2 checks passed; training 500 samples\/s/,
    );
  });

  it('should log the report and refuse jobs when the boot selftest fails or cannot run', async () => {
    const { logs, errors, log } = recorder();
    const settings = env({ FER_SELFTEST: 'boot' });
    assert.equal(await bootSelftest(settings, 'wasm', 'cpu', log, async () => report(false)), false);
    assert.deepEqual(logs, []);
    assert.match(errors[0], /^FAIL {3}parity: CAFE head .*head-a\.json outputs\.lossCE: computed 1, golden 2$/m);
    assert.equal(errors[0].split('\n').at(-1), SELFTEST_REFUSAL);
    assert.equal(SELFTEST_REFUSAL, 'selftest FAILED: refusing jobs');

    const thrown = recorder();
    const crashed = await bootSelftest(settings, 'wasm', 'cpu', thrown.log, async () => {
      throw new Error('out of memory');
    });
    assert.equal(crashed, false);
    assert.equal(thrown.errors[0], `selftest could not run: out of memory\n${SELFTEST_REFUSAL}`);
  });

  describe('the built worker', () => {
    let work: string;
    before(() => {
      work = mkdtempSync(join(tmpdir(), 'fer-boot-selftest-'));
    });
    after(() => rmSync(work, { recursive: true, force: true }));

    it('should exit before registering or touching a queue when FER_SELFTEST=boot fails on a corrupted golden file', async () => {
      const golden = join(work, 'golden');
      cpSync(join(root, 'libs', 'cafe', 'fixtures', 'golden'), golden, { recursive: true });
      const file = join(golden, 'head-clip512-k7.json');
      const json = JSON.parse(readFileSync(file, 'utf8'));
      json.outputs.grad.fcBias[3] += 0.01;
      writeFileSync(file, JSON.stringify(json));

      // Unreachable database and Redis: a worker that went past the selftest would fail differently (exit 1).
      const child = spawnWorker({
        DATABASE_URL: 'postgresql://fer:fer@127.0.0.1:1/none',
        REDIS_URL: 'redis://127.0.0.1:1',
        FER_HOME: join(work, 'home'),
        FER_BACKEND: 'wasm',
        FER_SELFTEST: 'boot',
        FER_SELFTEST_GOLDEN_DIR: golden,
      });
      const code = await new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)));
      const output = child.output.join('');
      assert.equal(code, SELFTEST_FAILED_EXIT_CODE, output);
      assert.match(output, /head-clip512-k7\.json outputs\.grad\.fcBias\[3\]: computed [-\d.e]+, golden /);
      assert.match(output, /^selftest FAIL on wasm, /m);
      assert.match(output.trimEnd().split('\n').at(-1)!, /^selftest FAILED: refusing jobs$/);
      assert.doesNotMatch(output, /registered worker|worker failed to start/);
    });
  });
});
