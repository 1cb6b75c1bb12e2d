import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { PRESET_NAMES } from '@fer/contracts';

const root = process.env.FER_REPO_ROOT ?? resolve(__dirname, '..', '..', '..', '..');
const main = join(root, 'apps', 'cli', 'dist', 'main.js');
const fer = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });

describe('fer presets', () => {
  it('should list every preset when run as a process', () => {
    const run = fer('presets', 'list', '--json');
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).map((p: { name: string }) => p.name), [...PRESET_NAMES]);
    assert.match(fer('presets', 'list').stdout, /^scn-paper +SCN: /m);
  });

  it('should show the config a preset expands to, with its official hyperparameters', () => {
    const run = fer('presets', 'show', 'rul-paper', '--json');
    assert.equal(run.status, 0, run.stderr);
    const shown = JSON.parse(run.stdout);
    assert.equal(shown.config.preset, 'rul-paper');
    assert.deepEqual([shown.config.method, shown.config.batchSize, shown.config.fcLrMultiplier, shown.config.optimizer.lr], ['rul', 64, 10, 2e-4]);
    assert.match(fer('presets', 'show', 'cafe-paper').stdout, /backboneWeights/);
  });

  it('should exit non-zero naming the choices when the preset is unknown, and show usage with --help', () => {
    const run = fer('presets', 'show', 'sota-paper');
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /unknown preset "sota-paper": one of cafe-paper/);
    const help = fer('presets', 'show', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /<name>/);
  });
});
