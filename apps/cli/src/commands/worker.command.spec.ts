import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = process.env.FER_REPO_ROOT ?? resolve(__dirname, '..', '..', '..', '..');
const main = join(root, 'apps', 'cli', 'dist', 'main.js');
const golden = join(root, 'libs', 'cafe', 'fixtures', 'golden');
const tinyClip = join(root, 'libs', 'cafe', 'fixtures', 'clip-tiny', 'model.safetensors');
const fer = (...args: string[]) =>
  spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, CUDA_VISIBLE_DEVICES: '' } });

describe('fer worker selftest', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'fer-worker-cli-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('should print the backend, device, engine, a PASS row per check and the verdict, and exit 0 on the committed golden files', () => {
    // The tiny CLIP tower stands in for a weights file.
    const run = fer('worker', 'selftest', '--backend', 'wasm', '--clip-weights', tinyClip);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^backend {2}wasm\ndevice {3}CPU \(wasm, .*\nfrozen {3}(onnx|tfjs) \(/);
    assert.match(run.stdout, /^PASS +frozen features: clip-vit-b32 \((onnx|tfjs)\) +[\d.]+ s +[\d.]+ images\/s /m);
    assert.match(run.stdout, /^PASS +parity: CAFE head +[\d.]+ s +2 files, /m);
    assert.match(run.stdout, /^PASS +training: 3 steps \+ resume +[\d.]+ s +[\d.]+ samples\/s /m);
    assert.match(run.stdout, /^PASS +frozen features: face-api-expression +[\d.]+ s +[\d.]+ images\/s /m);
    assert.doesNotMatch(run.stdout, /^FAIL/m);
    assert.match(run.stdout.trimEnd().split('\n').at(-1)!, /^PASS: (\d+) of \1 checks passed in [\d.]+ s$/);
  });

  it('should exit 1 with a JSON report naming the file and value when a golden number is corrupted', () => {
    const dir = join(work, 'golden');
    cpSync(golden, dir, { recursive: true });
    const file = join(dir, 'methods', 'scn-b8-c16-k7.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    json.outputs.loss += 0.5;
    writeFileSync(file, JSON.stringify(json));

    const run = fer(
      'worker',
      'selftest',
      '--backend',
      'wasm',
      '--frozen-engine',
      'tfjs',
      '--golden-dir',
      dir,
      '--json',
    );
    assert.equal(run.status, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.pass, false);
    assert.equal(report.frozenEngine, 'tfjs (wasm)');
    assert.equal(report.goldenDir, dir);
    const failed = report.checks.filter((c: { status: string }) => c.status === 'FAIL');
    assert.deepEqual(
      failed.map((c: { name: string }) => c.name),
      ['parity: SCN / RUL / EAC losses'],
    );
    assert.match(
      failed[0].detail,
      new RegExp(`^methods/scn-b8-c16-k7\\.json outputs\\.loss: computed [-\\d.e]+, golden ${json.outputs.loss}`),
    );
  });

  it('should show its options with --help and refuse an unknown backend', () => {
    const help = fer('worker', 'selftest', '--help');
    assert.equal(help.status, 0);
    for (const option of [
      '--golden-dir <dir>',
      '--backend <name>',
      '--backbone <name>',
      '--clip-weights <file>',
      '--frozen-engine <name>',
      '--json',
    ]) {
      assert.ok(help.stdout.includes(option), option);
    }
    assert.match(help.stdout, /Exit code 0 on PASS, 1 on FAIL/);
    const bad = fer('worker', 'selftest', '--backend', 'gpu');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /argument 'gpu' is invalid\. Allowed choices are auto, tensorflow, wasm, cpu/);
  });
});
