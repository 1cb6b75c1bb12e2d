import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { runCafeCheck } from './cafe.command';

const root = process.env.FER_REPO_ROOT ?? resolve(__dirname, '..', '..', '..', '..');
const fixtures = join(root, 'libs', 'cafe', 'fixtures', 'golden');
const main = join(root, 'apps', 'cli', 'dist', 'main.js');

describe('fer cafe', () => {
  it('should print one JSON object with the keys and values of the file outputs when run as a process on a head file', () => {
    const file = join(fixtures, 'head-face128-k7.json');
    const run = spawnSync(process.execPath, [main, 'cafe', 'head', '--input', file], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const printed = JSON.parse(run.stdout);
    const expected = JSON.parse(readFileSync(file, 'utf8')).outputs;
    assert.deepEqual(Object.keys(printed).sort(), Object.keys(expected).sort());
    assert.deepEqual(Object.keys(printed.grad).sort(), Object.keys(expected.grad).sort());
    assert.ok(Math.abs(printed.lossTotal - expected.lossTotal) <= 1e-5 * expected.lossTotal);
  });

  it('should exit non-zero and name the field when the input lacks one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fer-cafe-'));
    const file = join(dir, 'bad.json');
    const fixture = JSON.parse(readFileSync(join(fixtures, 'adam-trace-c64-k7.json'), 'utf8'));
    delete fixture.inputs.init.maskNetBias;
    writeFileSync(file, JSON.stringify(fixture));
    const run = spawnSync(process.execPath, [main, 'cafe', 'adam-trace', '--input', file], { encoding: 'utf8' });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /inputs\.init\.maskNetBias/);
    assert.equal(run.stdout, '');
  });

  it('should return the trace with the file trace keys when the handler runs on an adam-trace file', async () => {
    const file = join(fixtures, 'adam-trace-c64-k7.json');
    const printed = JSON.parse(await runCafeCheck('adam-trace', file));
    const expected = JSON.parse(readFileSync(file, 'utf8')).trace;
    assert.equal(printed.trace.length, expected.length);
    assert.deepEqual(Object.keys(printed.trace[0]).sort(), Object.keys(expected[0]).sort());
    assert.ok(Math.abs(printed.trace[5].lossTotal - expected[5].lossTotal) <= 1e-5 * Math.abs(expected[5].lossTotal));
  });

  it('should show usage with --input when asked for help', () => {
    const run = spawnSync(process.execPath, [main, 'cafe', 'head', '--help'], { encoding: 'utf8' });
    assert.equal(run.status, 0);
    assert.match(run.stdout, /--input <file>/);
  });
});

describe('fer methods loss', () => {
  it('should print the loss, every gradient and the relabels of an SCN golden file when run as a process', () => {
    const file = join(fixtures, 'methods', 'scn-b8-c16-k7.json');
    const golden = JSON.parse(readFileSync(file, 'utf8'));
    const run = spawnSync(process.execPath, [main, 'methods', 'loss', '--input', file], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const printed = JSON.parse(run.stdout);
    assert.ok(Math.abs(printed.loss - golden.outputs.loss) <= 1e-5 * Math.abs(golden.outputs.loss) + 1e-6);
    assert.deepEqual(Object.keys(printed.grads).sort(), Object.keys(golden.outputs.grads).sort());
    assert.deepEqual(printed.relabeled, golden.outputs.relabeled);
  });

  it('should ignore informational config keys and accept a file without outputs', () => {
    const golden = JSON.parse(readFileSync(join(fixtures, 'methods', 'eac-b2-k7-h4-w4.json'), 'utf8'));
    const dir = mkdtempSync(join(tmpdir(), 'fer-methods-'));
    const file = join(dir, 'eac.json');
    writeFileSync(
      file,
      JSON.stringify({ method: 'eac', config: { ...golden.config, note: 'extra' }, inputs: golden.inputs }),
    );
    const run = spawnSync(process.execPath, [main, 'methods', 'loss', '--input', file], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(
      Math.abs(JSON.parse(run.stdout).loss - golden.outputs.loss) <= 1e-5 * Math.abs(golden.outputs.loss) + 1e-6,
    );
  });

  it('should exit non-zero naming the field when an input is missing, printing nothing on stdout', () => {
    const golden = JSON.parse(readFileSync(join(fixtures, 'methods', 'rul-b6-d10-k8.json'), 'utf8'));
    delete golden.inputs.permutation;
    const dir = mkdtempSync(join(tmpdir(), 'fer-methods-'));
    const file = join(dir, 'rul.json');
    writeFileSync(file, JSON.stringify(golden));
    const run = spawnSync(process.execPath, [main, 'methods', 'loss', '--input', file], { encoding: 'utf8' });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /inputs\.permutation/);
    assert.equal(run.stdout, '');
  });
});

describe('fer weights inspect', () => {
  const weights = join(root, 'libs', 'weights', 'fixtures');
  it('should print the strict=False report of a PyTorch checkpoint as one JSON object', () => {
    const run = spawnSync(process.execPath, [main, 'weights', 'inspect', '--arch', 'resnet18', '--file', join(weights, 'resnet18-partial.pth'), '--json'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const { sums: _sums, ...expected } = JSON.parse(readFileSync(join(weights, 'expected.json'), 'utf8'))['resnet18-partial.pth'];
    assert.deepEqual(JSON.parse(run.stdout), expected);
  });

  it('should exit non-zero saying how to convert a legacy checkpoint, and refuse an unknown architecture', () => {
    const legacy = spawnSync(process.execPath, [main, 'weights', 'inspect', '--arch', 'resnet18', '--file', join(weights, 'legacy.pth'), '--json'], { encoding: 'utf8' });
    assert.notEqual(legacy.status, 0);
    assert.match(legacy.stderr, /legacy \(pre-1\.6\).*torch\.save/);
    assert.equal(legacy.stdout, '');
    const arch = spawnSync(process.execPath, [main, 'weights', 'inspect', '--arch', 'vgg16', '--file', join(weights, 'resnet18-partial.pth')], { encoding: 'utf8' });
    assert.notEqual(arch.status, 0);
    assert.match(arch.stderr, /--arch "vgg16": one of resnet18/);
  });
});
