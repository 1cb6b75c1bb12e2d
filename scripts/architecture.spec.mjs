// The dependency rules of the monorepo: apps depend on libs, never the reverse, and the science (libs/cafe) and the
// readers (libs/datasets) import nothing from Nest, Prisma, BullMQ or Redis. Checked on package manifests and sources.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '..');
const manifest = (dir) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
const libs = readdirSync(join(root, 'libs'));
const apps = readdirSync(join(root, 'apps'));
const appPackages = apps.map((a) => manifest(`apps/${a}`).name);
const FRAMEWORK = /^(@nestjs\/|@prisma\/|bullmq$|ioredis$|@fer\/(db|queues|api|worker|web|cli)$|next$|react)/;

function sources(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

describe('architecture', () => {
  it('should keep every lib free of app dependencies', () => {
    for (const lib of libs) {
      const deps = Object.keys({ ...manifest(`libs/${lib}`).dependencies, ...manifest(`libs/${lib}`).optionalDependencies });
      for (const dep of deps) assert.ok(!appPackages.includes(dep), `libs/${lib} depends on the app ${dep}`);
    }
  });

  it('should keep libs/cafe, libs/datasets and libs/contracts free of Nest, Prisma, BullMQ and Redis', () => {
    for (const lib of ['cafe', 'datasets', 'contracts']) {
      const deps = Object.keys({ ...manifest(`libs/${lib}`).dependencies, ...manifest(`libs/${lib}`).optionalDependencies });
      assert.deepEqual(deps.filter((d) => FRAMEWORK.test(d)), [], `libs/${lib}/package.json`);
      for (const file of sources(join(root, 'libs', lib, 'src'))) {
        for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '([^']+)'|require\('([^']+)'\)/g)) {
          if (specifier) assert.ok(!FRAMEWORK.test(specifier), `${file.slice(root.length + 1)} imports ${specifier}`);
        }
      }
    }
  });

  it('should detect a forbidden import, so the rule can fail', () => {
    assert.ok(FRAMEWORK.test('@nestjs/common') && FRAMEWORK.test('bullmq') && FRAMEWORK.test('@fer/db'));
    assert.ok(!FRAMEWORK.test('@tensorflow/tfjs') && !FRAMEWORK.test('@fer/contracts'));
  });
});
