#!/usr/bin/env node
// The one test command: builds the TypeScript projects, then runs the compiled specs with node's test runner.
// Tiers: unit (*.spec), integration (*.integration-spec, real PostgreSQL + Redis), e2e (*.e2e-spec, built apps
// and Chromium), chaos (*.chaos-spec). `npm test` runs unit, integration and e2e.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    tier: { type: 'string', multiple: true },
    project: { type: 'string', multiple: true },
    'no-build': { type: 'boolean', default: false },
    grep: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`usage: npm test -- [--tier unit|integration|e2e|chaos]... [--project libs/cafe]... [--grep NAME] [--no-build]
Builds (tsc -b) then runs compiled specs with node --test. Default tiers: unit integration e2e.
Integration tests need PostgreSQL and Redis: DATABASE_URL / REDIS_URL, or the local stack (npm run stack).`);
  process.exit(0);
}
const tiers = values.tier ?? ['unit', 'integration', 'e2e'];
const suffix = { unit: ['.spec.js', '.spec.mjs'], integration: ['.integration-spec.js'], e2e: ['.e2e-spec.js', '.e2e-spec.mjs'], chaos: ['.chaos-spec.js'] };
const projects = (values.project ?? ['libs/contracts', 'libs/experiments', 'libs/cafe', 'libs/datasets', 'libs/db', 'libs/queues', 'libs/testing', 'apps/api', 'apps/worker', 'apps/cli', 'apps/web', 'infra', 'scripts', 'bench'])
  .map((p) => resolve(process.cwd(), p))
  .map((p) => relative(root, p));

if (!values['no-build']) {
  const build = spawnSync('npx', ['tsc', '-b', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// Browser tests drive the production build of the web UI.
if (!values['no-build'] && tiers.includes('e2e') && projects.includes('apps/web')) {
  const web = spawnSync('npm', ['run', 'build', '-w', '@fer/web'], { cwd: root, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (web.status !== 0) process.exit(web.status ?? 1);
}

function findSpecs(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === '.next') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findSpecs(path, out);
    else if (tiers.some((t) => suffix[t].some((s) => name.endsWith(s)))) out.push(path);
  }
  return out;
}
// TypeScript projects run their compiled specs (only those whose source still exists: tsc leaves stale outputs of
// deleted files behind). A project with a tsconfig.spec.json (apps/api: tests under test/ beside src/) compiles its
// specs into dist-test/ from its root, so production dist/ ships none; the others compile src/ into dist/. Plain-JS
// folders (infra, scripts) run in place.
function compiledSpecs(project) {
  const { out, sourceRoot } = existsSync(join(root, project, 'tsconfig.spec.json'))
    ? { out: join(root, project, 'dist-test'), sourceRoot: join(root, project) }
    : { out: join(root, project, 'dist'), sourceRoot: join(root, project, 'src') };
  const hasSource = (file) => existsSync(join(sourceRoot, relative(out, file).replace(/\.js$/, '.ts')));
  return findSpecs(out).filter(hasSource);
}
const files = projects
  .flatMap((p) => (existsSync(join(root, p, 'tsconfig.json')) ? [...compiledSpecs(p), ...findSpecs(join(root, p, 'e2e'))] : findSpecs(join(root, p))))
  .sort();
if (files.length === 0) {
  console.error(`no test files found for tiers ${tiers.join(', ')} in ${projects.join(', ')}`);
  process.exit(1);
}
const args = ['--test', '--test-reporter=spec', '--test-concurrency=2', '--enable-source-maps'];
if (values.grep) args.push(`--test-name-pattern=${values.grep}`);
const result = spawnSync(process.execPath, [...args, ...files], { cwd: root, stdio: 'inherit', env: { ...process.env, FER_REPO_ROOT: root } });
process.exit(result.status ?? 1);
