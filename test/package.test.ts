/**
 * The package as users get it: built with tsconfig.build.json, packed with
 * `npm pack`, unpacked into node_modules/meshless of a fresh folder beside only
 * its runtime dependencies (linked from this checkout: no registry needed), and
 * imported by name, from JavaScript and from type-checked TypeScript.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(join(tmpdir(), 'meshless-pack-'));
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function run(cmd: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('npm pack → install in a temporary folder → import("meshless") works, with its types', { timeout: 240_000 }, () => {
  // Build into a staging copy, so that the checkout's dist/ is neither needed nor touched.
  const stage = join(tmp, 'stage');
  mkdirSync(stage);
  for (const f of ['package.json', 'README.md']) cpSync(join(root, f), join(stage, f));
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], root);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], stage)) as { filename: string; files: { path: string }[] }[];
  const files = packed[0]!.files.map((f) => f.path);
  assert.ok(files.includes('dist/lib.js') && files.includes('dist/lib.d.ts') && files.includes('dist/cli/main.js'), 'lib.js, lib.d.ts and the CLI are packed');
  assert.ok(!files.some((f) => f.endsWith('.test.js') || f.startsWith('src/')), 'no tests, no sources');

  // "Install": unpack into node_modules/meshless, and link only the runtime dependencies.
  const app = join(tmp, 'app');
  const installed = join(app, 'node_modules/meshless');
  mkdirSync(installed, { recursive: true });
  run('tar', ['-xzf', join(tmp, packed[0]!.filename), '-C', installed, '--strip-components=1'], tmp);
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.ok(!Object.keys(pkg.dependencies).some((d) => d.includes('kubernetes-models')), 'test-only packages are not runtime dependencies');
  for (const dep of Object.keys(pkg.dependencies)) {
    mkdirSync(dirname(join(app, 'node_modules', dep)), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));

  const demo = join(root, 'examples/shop');
  const texts = readdirSync(demo).filter((f) => f.endsWith('.yaml')).map((f) => ({ file: f, text: readFileSync(join(demo, f), 'utf8') }));
  writeFileSync(join(app, 'texts.json'), JSON.stringify(texts));
  writeFileSync(join(app, 'use.mjs'), `
    import { readFileSync } from 'node:fs';
    const m = await import('meshless');
    const inv = m.loadTexts(JSON.parse(readFileSync('texts.json', 'utf8')));
    const a = m.analyze(inv);
    const r = m.audit(inv, { analysis: a });
    const loaded = await m.loadFiles([${JSON.stringify(demo)}]);
    const spec = m.parseSpec({});
    console.log(JSON.stringify({
      version: m.VERSION,
      objects: inv.objects.length,
      controls: Object.keys(r.controls),
      findings: r.findings.length,
      checks: m.ALL_CHECKS.length,
      reach: m.reach(a, { level: 'namespace' }).allowed.length,
      sameAudit: m.audit(loaded.inventory).findings.length,
      specOk: spec.ok,
      error: new m.MeshlessError('usage', 'x').kind,
    }));
  `);
  const out = JSON.parse(run(process.execPath, ['use.mjs'], app)) as Record<string, unknown>;
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(out['version'], version);
  assert.ok((out['objects'] as number) > 0);
  assert.deepEqual(out['controls'], ['authentication', 'ingress-encryption', 'in-cluster-encryption', 'segregation']);
  assert.ok((out['findings'] as number) > 0 && (out['reach'] as number) > 0 && (out['checks'] as number) > 0);
  assert.equal(out['specOk'], false, 'an empty spec is rejected with problems, not thrown');
  assert.equal(out['error'], 'usage');

  // The declarations resolve through the exports map.
  writeFileSync(join(app, 'use.ts'), `import { loadText, audit, type Finding } from 'meshless';\nconst f: readonly Finding[] = audit(loadText('')).findings;\nexport const n: number = f.length;\n`);
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [] , typeRoots: [join(root, 'node_modules/@types')] }, files: ['use.ts'] }));
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
});
