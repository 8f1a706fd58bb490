/**
 * Golden outputs: every command × output format on the bundled demo
 * (examples/shop), in test/golden/<command>/<scenario>.<format>. Refresh with
 * UPDATE_GOLDEN=1 npm test and review the diff; a failing run writes the actual
 * output beside the expected one as <file>.actual (ignored by git).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOL } from '../src/report/audit-json.js';
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

/** A temporary folder, removed when the test ends. */
function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-golden-'));
  t.after(() => { rmSync(dir, { recursive: true, force: true }); });
  return dir;
}

/** Replaces every occurrence of a (temporary, absolute) path by a stable name. */
const replacePath = (text: string, path: string, name: string): string => text.split(path).join(name);

// The demo with one NetworkPolicy loosened: payments accepts 8443/TCP from any
// pod of any namespace, not only from checkout. Only pods whose egress is not
// restricted gain a connection: catalog (its deliberate gap: no egress default
// deny) and team-green (no policies at all); checkout could connect already.
// The audit reports it (seg-data-ingress-all-namespaces): payments holds data and
// now admits every namespace, whatever their own egress policies hold back.
const CHECKOUT_PEER = `        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: checkout
          podSelector:
            matchLabels:
              app.kubernetes.io/name: checkout
`;

for (const f of ['table', 'json', 'markdown'] as const) {
  test(`golden: meshless diff examples/shop <payments loosened> -o ${f}`, async (t) => {
    const tmp = tempDir(t);
    const after = join(tmp, 'shop');
    cpSync('examples/shop', after, { recursive: true });
    const file = join(after, 'networkpolicies/payments.yaml');
    const text = readFileSync(file, 'utf8');
    assert.equal(text.split(CHECKOUT_PEER).length, 2, 'the checkout peer of allow-checkout-to-payments is in payments.yaml once');
    writeFileSync(file, text.replace(CHECKOUT_PEER, '        - namespaceSelector: {}\n'));
    const r = await runCli(['diff', 'examples/shop', after, '-o', f]);
    assert.equal(r.code, 0, r.err);
    golden(`diff/shop-payments-loosened.${f}`, replacePath(r.out, tmp, '$TMP'));
  });
}

test('golden: meshless generate -c examples/meshless.yaml -o DIR', async (t) => {
  const out = join(tempDir(t), 'out');
  const r = await runCli(['generate', '-c', 'examples/meshless.yaml', '-o', out]);
  assert.equal(r.code, 0, r.err);
  // What it says it wrote is what is on disk.
  const onDisk = readdirSync(out, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(out, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
  const said = [...r.out.matchAll(/^wrote (\S+)$/gm)].map((m) => relative(out, m[1]!).split(sep).join('/')).sort();
  assert.deepEqual(said, onDisk);
  golden('generate/shop.files', replacePath(`${r.out}${r.err}`, out, '$OUT'));
  golden('generate/shop/kustomization.yaml', readFileSync(join(out, 'kustomization.yaml'), 'utf8'));
  golden('generate/shop/network-policies/payments.yaml', readFileSync(join(out, 'network-policies/payments.yaml'), 'utf8'));
});

/** The report without what changes from run to run: the time, the file hashes, the tool version, the checkout's path. */
function normalizeReport(html: string): string {
  return replacePath(html, root, '$ROOT')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '$TIME')
    .replace(/\b[0-9a-f]{64}\b/g, '$SHA256')
    .split(`meshless ${TOOL.version}`)
    .join('meshless $VERSION');
}

test('golden: meshless report examples/shop -o -', async () => {
  const r = await runCli(['report', 'examples/shop', '-o', '-']);
  assert.equal(r.code, 0, r.err);
  golden('report/shop.html', normalizeReport(r.out));
});
