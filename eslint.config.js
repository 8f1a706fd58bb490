// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Folders of the pure core: they take data and return data (ARCHITECTURE.md, docs/adr/0001-pure-core.md). */
const pureCore = ['src/model/**', 'src/migrate/**', 'src/netpol/**', 'src/rbac/**', 'src/exposure/**', 'src/checks/**', 'src/generate/**', 'src/report/**', 'src/guard/decide.ts', 'src/guard/manifests.ts'];

/**
 * The rooms of src/ and the rooms each may import (docs/adr/0004-rooms-and-layers.md).
 * The core (model … report) never imports an adapter (load, guard, server, cli);
 * adapters do not reach into one another: the server and the CLI both load through
 * load/, and only cli/serve.ts starts the server, through server/serve.ts.
 */
const ROOMS = {
  model: [],
  netpol: ['model'],
  rbac: ['model', 'netpol'],
  exposure: ['model', 'netpol'],
  generate: ['model'],
  checks: ['model', 'netpol', 'rbac', 'exposure', 'generate'],
  report: ['model', 'netpol', 'rbac', 'exposure', 'generate', 'checks'],
  migrate: ['model', 'netpol', 'exposure', 'generate', 'checks'],
  load: ['model', 'netpol', 'checks'],
  guard: ['model', 'netpol', 'rbac', 'exposure', 'generate', 'checks', 'load'],
  server: ['model', 'netpol', 'rbac', 'exposure', 'generate', 'checks', 'report', 'load'],
  cli: ['model', 'netpol', 'rbac', 'exposure', 'generate', 'checks', 'report', 'migrate', 'load', 'guard'],
};
const ALL_ROOMS = [...Object.keys(ROOMS), 'ui'];

/** js-yaml is the parser on the hot path only (src/load/yaml.ts); `yaml` does everything else (ADR 0001). */
const ONE_YAML = { name: 'js-yaml', message: 'js-yaml parses inputs in src/load/yaml.ts only; use `yaml` (docs/adr/0001-pure-core.md).' };
/** Test-only packages: they are devDependencies, so shipped code must not import them. */
const TEST_ONLY = { regex: '^(kubernetes-models|@kubernetes-models/)', message: 'kubernetes-models is a devDependency: tests validate with it, shipped code must not import it.' };
const IO = { regex: '^(node:.*|fs|net|http|https|child_process|os|path)$', message: 'The pure core does no I/O: take data, return data (docs/adr/0001-pure-core.md).' };

/** no-restricted-imports for the files of one room: the rooms it may not import, plus the rules every file of src/ follows. */
function roomRule(room, { pure, yamlParser = false, extra = [], also = [] }) {
  const forbidden = ALL_ROOMS.filter((r) => r !== room && !ROOMS[room].includes(r) && !also.includes(r));
  return ['error', {
    paths: yamlParser ? [] : [ONE_YAML],
    patterns: [
      ...(forbidden.length > 0 ? [{ regex: `^(\\.\\./)+(${forbidden.join('|')})/`, message: `src/${room} may import only ${ROOMS[room].join(', ') || 'nothing outside itself'} (docs/adr/0004-rooms-and-layers.md).` }] : []),
      ...(pure ? [IO] : []),
      ...extra,
    ],
  }];
}

const isPure = (room) => ['model', 'netpol', 'rbac', 'exposure', 'checks', 'generate', 'report', 'migrate'].includes(room);
const roomConfigs = Object.keys(ROOMS).flatMap((room) => {
  const base = { files: [`src/${room}/**/*.ts`], ignores: ['**/*.test.ts'], rules: { 'no-restricted-imports': roomRule(room, { pure: isPure(room) }) } };
  if (room === 'load') return [base, { files: ['src/load/yaml.ts'], rules: { 'no-restricted-imports': roomRule('load', { pure: false, yamlParser: true }) } }];
  if (room === 'guard') return [base, { files: ['src/guard/decide.ts', 'src/guard/manifests.ts'], rules: { 'no-restricted-imports': roomRule('guard', { pure: true, extra: [{ regex: '^(\\.\\./)+load/', message: "The guard's decision is pure: it does not load." }] }) } }];
  if (room === 'cli') {
    const serverDoor = { regex: '^(\\.\\./)+server/(?!serve\\.js$)', message: 'The CLI starts the server through server/serve.ts only (docs/adr/0004-rooms-and-layers.md).' };
    return [
      base,
      { files: ['src/cli/serve.ts'], rules: { 'no-restricted-imports': roomRule('cli', { pure: false, also: ['server'], extra: [serverDoor] }) } },
    ];
  }
  return [base];
});

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
  ...roomConfigs,
  // Test-only packages: a type-only import is erased at build time (and no type the library exports refers to one).
  { files: ['src/**/*.ts'], ignores: ['**/*.test.ts'], rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ ...TEST_ONLY, allowTypeImports: true }] }] } },
  {
    files: pureCore,
    ignores: ['**/*.test.ts'],
    rules: {
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
