import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DEFAULT_GOLDEN_DIR,
  GOLDEN_FILES,
  checkAdamTraces,
  checkHeadFiles,
  checkMethodLosses,
  formatCheckLine,
  formatSelftestReport,
  runSelftest,
  summarizeSelftest,
  type SelftestReport,
} from './selftest';
import { loadOnnxRuntime } from '../backbones/onnx/frozen-engine';

const TINY_CLIP = join(__dirname, '..', '..', 'fixtures', 'clip-tiny', 'model.safetensors');

/** A fresh copy of the committed golden files, to corrupt. */
function goldenCopy(root: string, name: string): string {
  const dir = join(root, name);
  cpSync(DEFAULT_GOLDEN_DIR, dir, { recursive: true });
  return dir;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- golden files are edited by hand here
function editJson(path: string, edit: (json: any) => void): void {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  edit(json);
  writeFileSync(path, JSON.stringify(json));
}

describe('selftest', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'fer-selftest-spec-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('should PASS every check on the committed golden files, naming backend, device, engine and speeds, and print what it returns', async () => {
    const lines: string[] = [];
    // The tiny tower stands in for a CLIP weights file: its batch runs on the frozen engine `auto` picks.
    const report = await runSelftest({ backend: 'wasm', clipWeights: TINY_CLIP, onLine: (line) => lines.push(line) });
    assert.equal(report.pass, true, formatSelftestReport(report));
    assert.equal(report.backend, 'wasm');
    assert.match(report.device, /^CPU \(wasm, (SIMD|no SIMD), \d+ threads?\)$/);
    const engine = loadOnnxRuntime() ? 'onnx' : 'tfjs';
    assert.match(
      report.frozenEngine,
      engine === 'onnx' ? /^onnx \(onnxruntime-node [\d.]+, .*\d+ threads?/ : /^tfjs \(wasm\)$/,
    );
    assert.deepEqual(
      report.checks.map((c) => [c.name, c.status]),
      [
        ['parity: CAFE head', 'PASS'],
        ['parity: Adam + ExponentialLR trace', 'PASS'],
        ['parity: SCN / RUL / EAC losses', 'PASS'],
        ['parity: ResNet-18 trunk forward', 'PASS'],
        ['parity: CLIP ViT forward (tiny, tfjs)', 'PASS'],
        ...(engine === 'onnx' ? [['parity: CLIP ViT forward (tiny, onnx)', 'PASS']] : []),
        ['training: 3 steps + resume', 'PASS'],
        ['frozen features: face-api-expression', 'PASS'],
        [`frozen features: clip-vit-b32 (${engine})`, 'PASS'],
        ['memory: no tensors left behind', 'PASS'],
      ],
    );
    const count = report.checks.length;
    const named = (name: string) => report.checks.find((c) => c.name === name)!;
    assert.match(named('parity: CAFE head').detail, /^2 files, \d+ numbers within tolerance/);
    assert.match(named('parity: SCN / RUL / EAC losses').detail, /^9 files, /);
    assert.equal(named('training: 3 steps + resume').speed?.unit, 'samples/s');
    assert.equal(named('frozen features: face-api-expression').speed?.unit, 'images/s');
    assert.match(
      named(`frozen features: clip-vit-b32 (${engine})`).detail,
      new RegExp(`^4 images of 32 px -> 24-d on ${engine}, finite`),
    );
    assert.ok(report.checks.every((c) => c.seconds >= 0 && (c.speed === undefined || c.speed.value > 0)));
    assert.deepEqual(report.notes, []);
    // The streamed lines are the report the formatter gives, verdict last.
    assert.equal(lines.join('\n'), formatSelftestReport(report));
    assert.equal(lines.at(-1)!.replace(/[\d.]+ s$/, 'T s'), `PASS: ${count} of ${count} checks passed in T s`);
    const summary = summarizeSelftest(report);
    assert.ok(
      summary.startsWith(
        `selftest PASS on wasm, ${report.device}, frozen engine ${report.frozenEngine}: ${count} of ${count} checks passed; `,
      ),
      summary,
    );
    assert.match(
      summary,
      new RegExp(
        `; training [\\d.]+ samples/s, face-api-expression [\\d.]+ images/s, clip-vit-b32 \\(${engine}\\) [\\d.]+ images/s \\(`,
      ),
    );
  });

  it('should FAIL naming the file, the field and both values when one golden number is changed, the other checks passing', async () => {
    const dir = goldenCopy(root, 'one-number');
    let golden = 0;
    editJson(join(dir, 'head-face128-k7.json'), (json) => {
      golden = json.outputs.lossCE + 0.01;
      json.outputs.lossCE = golden;
    });
    const report = await runSelftest({ backend: 'wasm', goldenDir: dir, frozenEngine: 'tfjs' });
    assert.equal(report.pass, false);
    assert.equal(report.frozenEngine, 'tfjs (wasm)');
    assert.match(report.notes.join('\n'), /no clip-vit-b32 batch: no CLIP weights file given/);
    assert.equal(report.goldenDir, dir);
    const failed = report.checks.filter((c) => c.status === 'FAIL');
    assert.deepEqual(
      failed.map((c) => c.name),
      ['parity: CAFE head'],
    );
    assert.match(
      failed[0].detail,
      new RegExp(
        `^head-face128-k7\\.json outputs\\.lossCE: computed [-\\d.e]+, golden ${String(golden).replace('.', '\\.')} \\(tolerance `,
      ),
    );
    assert.equal(failed[0].detail.split('\n').length, 1, 'only the changed number differs');
    const text = formatSelftestReport(report);
    assert.match(text, /^FAIL {3}parity: CAFE head/m);
    assert.match(text.split('\n').at(-1)!, /^FAIL: 1 of 8 checks failed \(parity: CAFE head\)/);
  });

  it('should name the trace step and both executions when an Adam-traced parameter is changed, and the field of a baseline loss', () => {
    const dir = goldenCopy(root, 'trace-and-loss');
    editJson(join(dir, 'adam-trace-c64-k7.json'), (json) => {
      json.trace[2].fcBias[0] += 0.01;
    });
    editJson(join(dir, 'methods', 'rul-b6-d10-k8.json'), (json) => {
      json.outputs.grads.mu[1][2] *= 1.01;
    });
    const adam = checkAdamTraces(dir).comparison.mismatches.map((m) => m.path);
    assert.deepEqual(adam, [
      'adam-trace-c64-k7.json (host) trace[2].fcBias[0]',
      'adam-trace-c64-k7.json (tensor) trace[2].fcBias[0]',
    ]);
    const methods = checkMethodLosses(dir).comparison.mismatches;
    assert.deepEqual(
      methods.map((m) => m.path),
      ['methods/rul-b6-d10-k8.json outputs.grads.mu[1][2]'],
    );
    assert.match(methods[0].message, /^computed [-\d.e]+, golden [-\d.e]+ \(tolerance /);
  });

  it('should FAIL with a clear message, not throw, when a golden file is missing, unreadable JSON or lacks a field', async () => {
    const dir = goldenCopy(root, 'broken');
    rmSync(join(dir, 'methods', 'scn-b8-c16-k7.json'));
    writeFileSync(join(dir, 'head-clip512-k7.json'), '{"inputs": {"features": [[0.1, 0.2');
    editJson(join(dir, 'head-face128-k7.json'), (json) => {
      delete json.inputs.maskLogits;
    });
    writeFileSync(join(dir, 'adam-trace-c64-k7.json'), '[1, 2, 3]');

    const head = checkHeadFiles(dir);
    assert.equal(head.files, 2);
    assert.deepEqual(
      head.comparison.mismatches.map((m) => m.path),
      ['head-clip512-k7.json', 'head-face128-k7.json'],
    );
    assert.match(head.comparison.mismatches[0].message, /^not valid JSON: /);
    assert.match(head.comparison.mismatches[1].message, /missing field "inputs\.maskLogits"/);
    assert.match(checkAdamTraces(dir).comparison.mismatches[0].message, /^not a golden file: expected a JSON object$/);
    const methods = checkMethodLosses(dir).comparison.mismatches;
    assert.deepEqual(
      methods.map((m) => m.path),
      ['methods/scn-b8-c16-k7.json'],
    );
    assert.equal(methods[0].message, `missing golden file (looked in ${dir})`);

    const nowhere = join(root, 'does-not-exist');
    for (const check of [checkHeadFiles, checkAdamTraces, checkMethodLosses]) {
      assert.deepEqual(check(nowhere).comparison.mismatches, [
        { path: nowhere, message: 'golden directory does not exist' },
      ]);
    }
  });

  it('should report a backend that cannot load as a FAIL check rather than throw', async () => {
    const report = await runSelftest({ backend: 'tensorflow' }).catch((error: Error) => assert.fail(error.message));
    if (report.backend === 'tensorflow') return; // a host with tfjs-node: nothing to see here
    assert.equal(report.pass, false);
    assert.deepEqual(
      report.checks.map((c) => [c.name, c.status]),
      [['backend', 'FAIL']],
    );
    assert.match(report.checks[0].detail, /TF\.js backend "tensorflow" is not available/);
    assert.match(formatSelftestReport(report), /FAIL: 1 of 1 checks failed \(backend\)/);
  });

  it('should list exactly the committed golden files as required', () => {
    const committed = [
      ...readdirSync(DEFAULT_GOLDEN_DIR).filter((f) => f.endsWith('.json')),
      ...readdirSync(join(DEFAULT_GOLDEN_DIR, 'methods'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => `methods/${f}`),
    ].sort();
    assert.deepEqual([...GOLDEN_FILES.head, ...GOLDEN_FILES.adamTrace, ...GOLDEN_FILES.methods].sort(), committed);
  });

  it('should indent a multi-line detail under its row and name failed checks in the verdict and summary', () => {
    const report: SelftestReport = {
      backend: 'cpu',
      device: 'CPU (pure JS)',
      frozenEngine: 'tfjs (cpu)',
      goldenDir: '/golden',
      checks: [
        {
          name: 'parity: CAFE head',
          status: 'FAIL',
          detail: 'a.json x: computed 1, golden 2\nb.json y: computed 3, golden 4',
          seconds: 0.5,
        },
        {
          name: 'training: 3 steps + resume',
          status: 'PASS',
          detail: 'ok',
          seconds: 1.25,
          speed: { value: 1234.5, unit: 'samples/s' },
        },
      ],
      notes: ['a note'],
      pass: false,
      seconds: 2,
    };
    const [first, second] = formatCheckLine(report.checks[0]).split('\n');
    assert.match(first, /^FAIL {3}parity: CAFE head +0\.50 s +a\.json x: computed 1, golden 2$/);
    assert.equal(second.trimStart(), 'b.json y: computed 3, golden 4');
    assert.equal(second.length - second.trimStart().length, first.indexOf('a.json'));
    assert.match(
      formatCheckLine(report.checks[1]),
      /^PASS {3}training: 3 steps \+ resume +1\.25 s {2}1235 samples\/s +ok$/,
    );
    const text = formatSelftestReport(report);
    assert.match(text, /^backend {2}cpu\ndevice {3}CPU \(pure JS\)\nfrozen {3}tfjs \(cpu\)\ngolden {3}\/golden\n/);
    assert.match(text, /\nnote: a note\n\nFAIL: 1 of 2 checks failed \(parity: CAFE head\) in 2\.0 s$/);
    assert.equal(
      summarizeSelftest(report),
      'selftest FAIL on cpu, CPU (pure JS), frozen engine tfjs (cpu): 1 of 2 checks passed (failed: parity: CAFE head); training 1235 samples/s (2.0 s)',
    );
  });
});
