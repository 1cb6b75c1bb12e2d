import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const FRAMEWORK_IMPORTS = ['@nestjs/*', '@prisma/*', 'bullmq', 'ioredis', '@fer/db', '@fer/queues', '@fer/testing', '@fer/api', '@fer/worker'];
const MODEL_IMPORTS = ['@tensorflow/*', '@fer/cafe'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/dist-test/**', '**/node_modules/**', '**/.next/**', '**/next-env.d.ts', '.fer/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    // The science and the readers stay framework-free: they are read and reused outside the platform.
    files: ['libs/cafe/**/*.ts', 'libs/datasets/**/*.ts', 'libs/contracts/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: FRAMEWORK_IMPORTS }] },
  },
  {
    // The experiment domain runs in the API too, which never loads TF.js.
    files: ['libs/experiments/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...FRAMEWORK_IMPORTS, ...MODEL_IMPORTS] }] },
  },
  {
    files: ['apps/api/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: MODEL_IMPORTS }] },
  },
  {
    // Browser tests and the page bench pass functions that run inside the page.
    files: ['apps/web/e2e/**/*.mjs', 'bench/measure/web-page.mjs'],
    languageOptions: { globals: { document: 'readonly' } },
  },
  {
    files: ['**/bin/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', fetch: 'readonly', performance: 'readonly', Buffer: 'readonly', AbortController: 'readonly' } },
  },
);
