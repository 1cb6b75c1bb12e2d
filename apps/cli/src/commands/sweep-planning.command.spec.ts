import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const root = process.env.FER_REPO_ROOT ?? resolve(__dirname, '..', '..', '..', '..');
const main = join(root, 'apps', 'cli', 'dist', 'main.js');
// No FER_API_URL reachable: `sweep plan` must not need a server.
const fer = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, FER_API_URL: 'http://127.0.0.1:9' } });

describe('fer sweep plan (no server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fer-plan-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('should print the configs and the run count a spec expands to, as the API would', () => {
    const spec = join(dir, 'grid.yaml');
    writeFileSync(spec, 'name: grid\nbenchmark: synth5\nsources: [synth-studio, synth-dark]\nseeds: [0, 1, 2]\nsearch:\n  kind: grid\n  parameters:\n    lambdaDiverse: [0, 1, 5]\n    method: [cafe, linear-probe]\n');
    const run = fer('sweep', 'plan', spec);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^grid: 36 runs = 6 configs x 2 sources \(synth-studio, synth-dark\) x 3 seeds \(0, 1, 2\), on synth5$/m);
    assert.match(run.stdout, /^config\s+method\s+lambdaDiverse\s+method$/m);
    assert.equal(JSON.parse(fer('sweep', 'plan', spec, '--json').stdout).runs, 36);
  });

  it('should name the file and the field of a spec that does not validate, exiting 1', () => {
    const spec = join(dir, 'bad.yaml');
    writeFileSync(spec, 'name: bad\nsources: [synth-studio]\nsearch:\n  kind: grid\n  parameters:\n    lambdaDiverse: [NaN]\n');
    const run = fer('sweep', 'plan', spec);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /bad\.yaml: search\.parameters\.lambdaDiverse/);
  });
});
