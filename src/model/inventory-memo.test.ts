/**
 * A second version's inventory built with what the first version's build derived from the
 * documents they share (InventoryMemo, as `diff` does) is the inventory built from scratch:
 * the same objects, endpoints, policies, diagnostics and sources, on random changes and on
 * every fixture with its lines moved.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { changeArb, clusterText } from '../../test/support/netpol-diff-arbitraries.js';
import { loadRead } from '../load/input.js';
import { parsedDocuments, type ParsedDocuments } from '../load/yaml.js';
import { endpointsMadeAlike, inventoryMemo, type Inventory } from './inventory.js';

const read = (file: string, text: string): Parameters<typeof loadRead>[0] => ({ inputs: [{ file, text }], diagnostics: [] });

/** The second version as diff builds it: parsed reusing the first's documents, its inventory with the first build's memo. */
async function second(v1: string, v2: string, defaultNamespace?: string): Promise<{ first: Inventory; memoised: Inventory; fresh: Inventory; shared: number }> {
  const memo = inventoryMemo();
  let known: ParsedDocuments | undefined;
  const ns = defaultNamespace !== undefined ? { defaultNamespace } : {};
  const first = await loadRead(read('v.yaml', v1), { ...ns, memo, onParsed: (p) => void (known = parsedDocuments(p.files, p.docs)) });
  const memoised = (await loadRead(read('v.yaml', v2), { ...ns, memo, ...(known ? { known } : {}) })).inventory;
  const fresh = (await loadRead(read('v.yaml', v2), ns)).inventory;
  const before = new Set(first.inventory.objects.map((o) => o.object));
  return { first: first.inventory, memoised, fresh, shared: memoised.objects.filter((o) => before.has(o.object)).length };
}

function assertSame(a: Inventory, b: Inventory, what: string): void {
  assert.deepEqual(a.objects, b.objects, `${what}: objects`);
  assert.deepEqual([...a.namespaces], [...b.namespaces], `${what}: namespaces`);
  assert.deepEqual(a.endpoints, b.endpoints, `${what}: endpoints`);
  assert.deepEqual(a.policies, b.policies, `${what}: policies`);
  assert.deepEqual(a.layers, b.layers, `${what}: layers`);
  assert.deepEqual(a.diagnostics, b.diagnostics, `${what}: diagnostics`);
  assert.deepEqual(a.summary, b.summary, `${what}: summary`);
}

test('property: on random changes, the second inventory built with the memo is the one built from scratch', async () => {
  let shared = 0;
  await fc.assert(
    fc.asyncProperty(changeArb, fc.boolean(), async ([b, a], shift) => {
      // Now and then a document is added at the top, so that every shared document sits elsewhere.
      const top = shift ? `${JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'top', namespace: 'n0' } })}\n---\n` : '';
      // A YAML text (a JSON one is parsed whole, sharing nothing): documents in JSON flow style after a comment.
      const r = await second(`# cluster\n${clusterText(b)}`, `# cluster\n${top}${clusterText(a)}`);
      assertSame(r.memoised, r.fresh, 'random change');
      shared += r.shared;
    }),
    { numRuns: 200 },
  );
  assert.ok(shared > 0, 'some documents were shared');
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ya?ml|json)$/.test(n) ? [p] : [];
  });
}

test('every fixture, its lines moved by a document added above and one object taken away: the memo gives what a fresh build gives', async () => {
  // Namespace-less objects take the namespace given (-n), found again by the memo; a policy and a
  // workload at the top move every line below them.
  const top = [
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: added}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: added}\nspec: {selector: {matchLabels: {app: added}}, template: {metadata: {labels: {app: added}}, spec: {containers: [{name: c, image: c, ports: [{containerPort: 80}]}]}}}\n',
  ].join('---\n');
  let compared = 0;
  let shared = 0;
  for (const f of ['test/fixtures', 'examples'].flatMap(files)) {
    const text = readFileSync(f, 'utf8');
    const docs = text.split(/^---\s*$/m);
    // The second version: the documents added above, and the first document gone (a deletion).
    const v2 = `${top}---\n${docs.slice(1).join('---')}`;
    for (const ns of [undefined, 'team-a']) {
      const r = await second(text, v2, ns);
      assertSame(r.memoised, r.fresh, `${f} (-n ${ns ?? 'none'})`);
      compared++;
      shared += r.shared;
    }
  }
  assert.ok(compared >= 100, `${compared} fixtures compared`);
  assert.ok(shared >= 500, `${shared} objects shared`);
});

test('endpointsMadeAlike: true only for two builds whose endpoints came from the same facts in the same order', async () => {
  const pods = (label: string): string => ['a', 'b'].map((n) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${n}, namespace: x, labels: {app: ${n === 'b' ? label : n}}}\nspec: {containers: [{name: c, image: c}]}\n`).join('');
  const policy = '---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n';
  const pair = async (v1: string, v2: string): Promise<boolean> => {
    const r = await second(v1, v2);
    const first = (await loadRead(read('v.yaml', v1))).inventory;
    assert.equal(endpointsMadeAlike(r.fresh, first), false, 'built without a memo: not known');
    return endpointsMadeAlike(r.memoised, r.first);
  };
  assert.equal(await pair(pods('b'), `${policy}${pods('b')}`), true, 'a policy added above: the same endpoints');
  assert.equal(await pair(pods('b'), pods('changed')), false, 'a pod relabelled');
  assert.equal(await pair(pods('b'), pods('b').split(/(?=---\n)/)[0]!), false, 'a pod taken away');
});
