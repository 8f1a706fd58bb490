/**
 * Golden outputs: every command × output format on the bundled demo
 * (examples/shop), in test/golden/<command>/<scenario>.<format>. Refresh with
 * UPDATE_GOLDEN=1 npm test and review the diff; a failing run writes the actual
 * output beside the expected one as <file>.actual (ignored by git).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './support/cli.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Paths in the outputs are as the user gave them: relative to the repository.
process.chdir(root);

function golden(name: string, actual: string): void {
  const file = join(root, 'test/golden', name);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`missing golden file ${name}; run UPDATE_GOLDEN=1 npm test and review it`);
  }
  if (actual !== expected) {
    writeFileSync(`${file}.actual`, actual);
    assert.equal(actual, expected, `${name} differs; the actual output is in ${name}.actual`);
  }
}

const CASES: readonly { name: string; args: readonly string[]; code: number }[] = [
  ...(['table', 'json', 'sarif', 'junit', 'markdown'] as const).map((f) => ({ name: `audit/shop.${f}`, args: ['audit', 'examples/shop', '-o', f], code: 1 })),
  ...(['table', 'json'] as const).map((f) => ({ name: `reach/shop-workload.${f}`, args: ['reach', 'examples/shop', '-o', f], code: 0 })),
  ...(['text', 'json'] as const).map((f) => ({ name: `explain/storefront-to-catalog.${f}`, args: ['explain', 'storefront/deployment/storefront', 'catalog/deployment/catalog', 'examples/shop', '-o', f], code: 0 })),
  ...(['table', 'json'] as const).map((f) => ({ name: `checks/all.${f}`, args: ['checks', '-o', f], code: 0 })),
  { name: 'guard/manifests.yaml', args: ['guard', 'manifests'], code: 0 },
  { name: 'guard/check-shop.text', args: ['guard', '--check', 'examples/shop'], code: -1 },
  { name: 'schema/platform.json', args: ['schema'], code: 0 },
];

for (const c of CASES) {
  test(`golden: meshless ${c.args.join(' ')}`, async () => {
    const r = await runCli(c.args);
    if (c.code >= 0) assert.equal(r.code, c.code, r.err);
    else assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.err}`);
    golden(c.name, r.out);
  });
}
