// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Folders of the pure core: they take data and return data (ARCHITECTURE.md). */
const pureCore = ['src/model/**', 'src/migrate/**', 'src/netpol/**', 'src/rbac/**', 'src/checks/**', 'src/generate/**', 'src/report/**', 'src/guard/decide.ts', 'src/guard/manifests.ts'];

export default tseslint.config(
  { ignores: ['dist/', 'build-check/', 'node_modules/', 'bench/out/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      // Template literals with numbers are the clearest way to build messages.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Engine hot loops use indexed access guarded by length checks; `!` there is deliberate.
      '@typescript-eslint/no-non-null-assertion': 'off',
      complexity: ['warn', 30],
    },
  },
  {
    files: pureCore,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['node:*', 'fs', 'net', 'http', 'https', 'child_process', 'os', 'path'], message: 'The pure core does no I/O: take data, return data (docs/adr/0001-pure-core.md).' }],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'The pure core does not read the process.' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'The pure core does not read the clock.' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.test.ts', 'test/**', 'bench/**', 'scripts/**'],
    rules: {
      // node:test collects every test() it is handed; awaiting them at top level adds nothing.
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
