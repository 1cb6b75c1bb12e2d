import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeSyntheticFace } from '@fer/datasets';
import { runDatasetsInspect } from './datasets-inspect.command';

const MAIN = join(__dirname, '..', 'main.js');

async function image(path: string, label: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, await encodeSyntheticFace('synth-studio', label, 16, `inspect-${label}`));
}

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [MAIN, 'datasets', 'inspect', ...args], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('fer datasets inspect', () => {
  let dir: string;
  let good: string;
  let broken: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fer-inspect-'));
    good = join(dir, 'rafdb');
    broken = join(dir, 'broken');
    const labels = ['train_00001.png 1', 'train_00002.png 4', 'train_00003.png 4', 'test_0001.png 7'];
    for (const root of [good, broken]) {
      await mkdir(join(root, 'EmoLabel'), { recursive: true });
      await writeFile(
        join(root, 'EmoLabel/list_patition_label.txt'),
        labels.join('\n') + (root === broken ? '\ntest_0002.png 9\n' : '\n'),
      );
      for (const line of labels) {
        const [name, label] = line.split(' ');
        await image(join(root, 'Image/aligned', name.replace('.png', '_aligned.png')), Number(label) - 1);
      }
    }
    await writeFile(join(broken, 'Image/aligned/train_00002_aligned.png'), 'truncated');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('should print exact counts as JSON and exit 0 when the RAF-DB folder is valid', () => {
    const result = runCli(['--format', 'rafdb', '--path', good, '--json']);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      splits: {
        train: { total: 3, perClass: [1, 0, 0, 2, 0, 0, 0] },
        test: { total: 1, perClass: [0, 0, 0, 0, 0, 0, 1] },
      },
      dropped: {},
      errors: [],
    });
  });

  it('should print a table with the class names when --json is not given', () => {
    const result = runCli(['--format', 'rafdb', '--path', good]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /split\s+total\s+surprise\s+fear\s+disgust\s+happiness\s+sadness\s+anger\s+neutral/);
    assert.match(result.stdout, /train\s+3\s+1\s+0\s+0\s+2\s+0\s+0\s+0/);
    assert.match(result.stdout, /valid, checksum [0-9a-f]{64}/);
  });

  it('should exit 1 and name file and line of each problem when the folder is broken', () => {
    const result = runCli(['--format', 'rafdb', '--path', broken, '--json']);
    assert.equal(result.status, 1);
    const errors = (JSON.parse(result.stdout) as { errors: { kind: string; file: string; line: number }[] }).errors;
    assert.deepEqual(
      errors.map((e) => [e.kind, e.file, e.line]),
      [
        ['unknown-label', 'EmoLabel/list_patition_label.txt', 5],
        ['decode-failed', 'EmoLabel/list_patition_label.txt', 2],
      ],
    );
  });

  it('should list the formats when asked for --help', () => {
    const result = spawnSync(process.execPath, [MAIN, 'datasets', 'inspect', '--help'], { encoding: 'utf8' });
    assert.equal(result.status, 0);
    assert.match(result.stdout, /--label-map <file>/);
    assert.match(result.stdout, /affectnet\s+AffectNet manual annotations/);
  });

  it('should return 1 and print the table through the handler when the dataset is broken', async () => {
    let stdout = '';
    const code = await runDatasetsInspect(
      { format: 'rafdb', path: broken },
      { stdout: (t) => (stdout += t), stderr: () => undefined },
    );
    assert.equal(code, 1);
    assert.match(stdout, /EmoLabel\/list_patition_label.txt:5 \[label\]: unknown-label/);
    assert.match(stdout, /INVALID/);
  });

  it('should reject an unknown format when the handler is called directly', async () => {
    await assert.rejects(
      runDatasetsInspect({ format: 'nope', path: good }, { stdout: () => undefined, stderr: () => undefined }),
      /unknown format "nope"/,
    );
  });
});
