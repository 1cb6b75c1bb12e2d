// The dependency rules of the monorepo, checked on package manifests and sources:
// - apps depend on libs, never the reverse;
// - no lib imports a framework (Nest, Prisma, BullMQ, Redis, Next, React) except libs/db (Prisma) and libs/queues
//   (BullMQ); the science (cafe), the readers (datasets), the contracts and the experiment domain (experiments) also
//   import nothing of libs/db or libs/queues, and the experiment domain and the weights readers (weights) no TF.js;
// - apps/api never depends on @fer/cafe (it checks configs against the backbone catalogue of @fer/contracts and never
//   loads TF.js);
// - nothing under bench/ or scripts/ imports from apps/*/dist or apps/*/src (they use the libs' public entry points,
//   and run the apps as processes);
// - no test-only folder sits under apps/*/src (tests live under apps/*/test; unit and integration specs beside code).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '..');
const manifest = (dir) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
const libs = readdirSync(join(root, 'libs')).filter((lib) => existsSync(join(root, 'libs', lib, 'package.json')));
const apps = readdirSync(join(root, 'apps')).filter((app) => existsSync(join(root, 'apps', app, 'package.json')));
const appPackages = apps.map((a) => manifest(`apps/${a}`).name);
const FRAMEWORK = /^(@nestjs\/|@prisma\/|bullmq$|ioredis$|next$|next\/|react$|react-dom$)/;
const INFRASTRUCTURE_LIB = /^@fer\/(db|queues|testing)$/;
const APP_PACKAGE = /^@fer\/(api|worker|web|cli)$/;
const TFJS = /^@tensorflow\//;
/** Folders that hold tests or test support, never product code. */
const TEST_ONLY_FOLDER = /^(test|tests|testing|e2e|chaos|bad-input|__tests__|fixtures|support|test-support)$/;

function files(dir, pattern, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'dist-test' || name === '.next') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, pattern, out);
    else if (pattern.test(name)) out.push(path);
  }
  return out;
}

/** Every module specifier a source file imports or requires. */
function specifiers(file) {
  return specifiersOf(readFileSync(file, 'utf8'));
}

function specifiersOf(text) {
  const found = [];
  for (const match of text.matchAll(
    /\bfrom\s+['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bimport\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm,
  )) {
    found.push(match[1] ?? match[2] ?? match[3] ?? match[4]);
  }
  // require(join(root, 'apps/api/dist/...')) and similar computed paths (spawning `node apps/x/dist/main.js` is running, not importing)
  for (const match of text.matchAll(
    /\b(?:require|import)\(\s*(?:join|resolve)\([^)]*?['"`]([^'"`]*apps\/[a-z-]+\/(?:dist|src)(?:\/[^'"`]*)?)['"`]/g,
  ))
    found.push(match[1]);
  return found;
}

const dependenciesOf = (dir) =>
  Object.keys({
    ...manifest(dir).dependencies,
    ...manifest(dir).optionalDependencies,
    ...manifest(dir).devDependencies,
  });
const sourceFiles = (dir) => files(join(root, dir, 'src'), /\.(ts|tsx|mts|mjs)$/);
const rel = (file) => relative(root, file);

/** Violations of the import rules for one lib: [file or manifest, specifier]. */
export function libViolations(lib, deps, imports) {
  const problems = [];
  const pure = !['db', 'queues', 'testing'].includes(lib);
  const check = (where, specifier) => {
    if (APP_PACKAGE.test(specifier) || appPackages.includes(specifier)) problems.push([where, specifier]);
    if (
      FRAMEWORK.test(specifier) &&
      !(lib === 'db' && /^@prisma\//.test(specifier)) &&
      !(lib === 'queues' && /^(bullmq|ioredis)$/.test(specifier))
    )
      problems.push([where, specifier]);
    if (pure && INFRASTRUCTURE_LIB.test(specifier)) problems.push([where, specifier]);
    // The experiment domain and the weights readers run in the API, which never loads TF.js.
    if ((lib === 'experiments' || lib === 'weights') && TFJS.test(specifier)) problems.push([where, specifier]);
  };
  for (const dep of deps) check('package.json', dep);
  for (const [file, specifier] of imports) check(file, specifier);
  return problems;
}

describe('architecture', () => {
  it('should keep every lib free of app and framework imports except Prisma in libs/db and BullMQ in libs/queues', () => {
    for (const lib of libs) {
      const imports = sourceFiles(`libs/${lib}`).flatMap((file) => specifiers(file).map((s) => [rel(file), s]));
      assert.deepEqual(libViolations(lib, dependenciesOf(`libs/${lib}`), imports), [], `libs/${lib}`);
    }
  });

  it('should keep apps/api independent of @fer/cafe and TF.js', () => {
    assert.ok(!dependenciesOf('apps/api').includes('@fer/cafe'), 'apps/api/package.json depends on @fer/cafe');
    for (const file of files(join(root, 'apps/api'), /\.(ts|mts|mjs)$/)) {
      for (const specifier of specifiers(file)) {
        assert.ok(specifier !== '@fer/cafe' && !TFJS.test(specifier), `${rel(file)} imports ${specifier}`);
      }
    }
  });

  it('should keep bench/ and scripts/ on the libs public entry points, never inside apps/*/dist or apps/*/src', () => {
    for (const file of [
      ...files(join(root, 'bench'), /\.(mjs|js|ts)$/),
      ...files(join(root, 'scripts'), /\.(mjs|js|ts)$/),
    ]) {
      if (file === import.meta.filename) continue;
      for (const specifier of specifiers(file)) {
        assert.ok(!/apps\/[a-z-]+\/(dist|src)(\/|$)/.test(specifier), `${rel(file)} imports ${specifier}`);
        assert.ok(!/^@fer\/[a-z-]+\//.test(specifier), `${rel(file)} reaches inside a package: ${specifier}`);
      }
    }
  });

  it('should keep every app private to itself: no other app, lib or test imports its dist or src', () => {
    const everywhere = [
      ...files(join(root, 'apps'), /\.(ts|tsx|mts|mjs|js)$/),
      ...files(join(root, 'libs'), /\.(ts|mts|mjs|js)$/),
      ...files(join(root, 'infra'), /\.(mjs|js)$/),
    ];
    for (const file of everywhere) {
      const owner = /^apps\/([a-z-]+)\//.exec(rel(file))?.[1];
      for (const specifier of specifiers(file)) {
        const target = /apps\/([a-z-]+)\/(?:dist|src)(?:\/|$)/.exec(specifier)?.[1];
        assert.ok(!target || target === owner, `${rel(file)} imports ${specifier}`);
      }
    }
  });

  it('should keep test-only folders out of apps/*/src', () => {
    for (const app of apps) {
      const folders = [];
      const walk = (dir) => {
        if (!existsSync(dir)) return;
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (!statSync(path).isDirectory()) continue;
          if (TEST_ONLY_FOLDER.test(name)) folders.push(rel(path));
          walk(path);
        }
      };
      walk(join(root, 'apps', app, 'src'));
      assert.deepEqual(folders, [], `test-only folders under apps/${app}/src`);
    }
  });

  it('should detect each kind of forbidden import, so the rules can fail', () => {
    assert.deepEqual(libViolations('cafe', ['@nestjs/common'], []), [['package.json', '@nestjs/common']]);
    assert.deepEqual(
      libViolations(
        'experiments',
        [],
        [
          ['x.ts', '@fer/db'],
          ['y.ts', '@tensorflow/tfjs'],
          ['z.ts', 'bullmq'],
        ],
      ).length,
      3,
    );
    assert.deepEqual(libViolations('db', ['@prisma/client'], [['m.ts', 'bullmq']]), [['m.ts', 'bullmq']]);
    assert.deepEqual(libViolations('queues', ['bullmq', 'ioredis', '@fer/experiments'], []), []);
    assert.deepEqual(libViolations('contracts', [], [['a.ts', '@fer/api']]).length, 1);
    assert.deepEqual(libViolations('weights', [], [['r.ts', '@tensorflow/tfjs']]), [['r.ts', '@tensorflow/tfjs']]);
    assert.ok(/apps\/[a-z-]+\/(dist|src)(\/|$)/.test('../apps/worker/dist/training/streamed-images.js'));
    assert.deepEqual(
      specifiersOf("const { h } = require(join(root, 'apps/api/dist/testing/h.js'));\nimport x from '@fer/cafe';"),
      ['@fer/cafe', 'apps/api/dist/testing/h.js'],
    );
    assert.deepEqual(
      specifiersOf("serve('api', ['apps/api/dist/main.js']);"),
      [],
      'spawning a built app is not importing it',
    );
    assert.ok(TEST_ONLY_FOLDER.test('chaos') && TEST_ONLY_FOLDER.test('testing') && !TEST_ONLY_FOLDER.test('sweeps'));
  });
});
