// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.data/**', '**/coverage/**', '**/drizzle/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      // An un-awaited promise in a worker is a lost ledger write.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // Config is parsed once in @aiq/config (house style R7).
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @aiq/config.' },
      ],
      // A package's surface is its index (house style R2).
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@aiq/*/src/*'], message: 'Import the package, not its files.' }] },
      ],
    },
  },
  {
    // The only places allowed to read process.env: the config package, test harness and scripts.
    files: [
      'packages/config/src/**',
      'packages/testing/src/**',
      'packages/chaos/**',
      'scripts/**',
      '**/*.test.ts',
      '**/test/**',
      'bench/**',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Libraries log through pino, never the console.
    files: ['packages/*/src/**/*.ts'],
    ignores: [
      '**/*.test.ts',
      'packages/*/src/bin/**',
      'packages/*/src/*-cli.ts',
      'packages/testing/**',
      'packages/chaos/**', // the reliability suite prints its oracle's tables
    ],
    rules: { 'no-console': 'error' },
  },
  {
    // vitest's asymmetric matchers (expect.any, expect.arrayContaining) are typed `any`.
    files: ['**/*.test.ts', '**/test/**/*.ts', '**/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
