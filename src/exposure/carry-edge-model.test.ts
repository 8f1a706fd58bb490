/**
 * `carryEdgeModel`: a second version whose change touched only NetworkPolicies takes the
 * first version's entry points with its own objects, and they are the ones a fresh build
 * of the second version gives — sources included, with every line moved — on every
 * fixture, example and check example that exposes something. Any other change builds
 * the model afresh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadRead } from '../load/input.js';
import { parsedDocuments, type ParsedDocuments } from '../load/yaml.js';
import { inventoryMemo, type Inventory } from '../model/inventory.js';
import { ALL_CHECKS } from '../checks/index.js';
import { carryEdgeModel, entryDetail, entryPoints, httpsRedirects } from './entry-points.js';

const read = (text: string): Parameters<typeof loadRead>[0] => ({ inputs: [{ file: 'v.yaml', text }], diagnostics: [] });

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.ya?ml$/.test(n) ? [p] : [];
  });
}

/** Every YAML fixture, example and check example (a JSON text is parsed whole and shares nothing). */
function inputs(): { name: string; text: string }[] {
  const out = ['test/fixtures', 'examples'].flatMap(files).map((f) => ({ name: f, text: readFileSync(f, 'utf8') }));
  for (const c of ALL_CHECKS) out.push({ name: `${c.id} bad`, text: c.examples.bad }, { name: `${c.id} good`, text: c.examples.good });
  return out;
}

/** The first version, then the second as diff builds it (its documents and derived facts shared), and the second built afresh. */
async function versions(v1: string, v2: string): Promise<[Inventory, Inventory, Inventory]> {
  const memo = inventoryMemo();
  let known: ParsedDocuments | undefined;
  const first = (await loadRead(read(v1), { memo, onParsed: (p) => void (known = parsedDocuments(p.files, p.docs)) })).inventory;
  const second = (await loadRead(read(v2), { memo, ...(known ? { known } : {}) })).inventory;
  const fresh = (await loadRead(read(v2))).inventory;
  return [first, second, fresh];
}

/** The model as plain data: entries with their details, and the redirects. */
function model(inv: Inventory): unknown {
  const ctx = { inventory: inv };
  return { entries: entryPoints(ctx).map((e) => ({ e, d: entryDetail(ctx, e) })), redirects: httpsRedirects(ctx) };
}

/**
 * A NetworkPolicy in the namespace of the input's first namespaced object, after the
 * first document: every document below it moves (a single document gets it after).
 */
function withPolicyOnTop(inv: Inventory, text: string): string | undefined {
  const ns = inv.objects.find((o) => o.object.metadata.namespace !== undefined)?.object.metadata.namespace;
  if (ns === undefined) return undefined;
  const policy = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: added-by-the-change\n  namespace: ${ns}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n`;
  const at = text.indexOf('\n---\n');
  return at < 0 ? `${text}\n---\n${policy}` : `${text.slice(0, at + 5)}${policy}---\n${text.slice(at + 5)}`;
}

test('a change of NetworkPolicies only: the second version takes the first edge model with its own objects, equal to a fresh build', async () => {
  let carried = 0;
  let withEntries = 0;
  for (const { name, text } of inputs()) {
    const probe = (await loadRead(read(text))).inventory;
    const v2 = withPolicyOnTop(probe, text);
    if (v2 === undefined) continue;
    const [first, second, fresh] = await versions(text, v2);
    entryPoints({ inventory: first });
    if (!carryEdgeModel(first, second)) continue;
    carried++;
    assert.deepEqual(model(second), model(fresh), `${name}: the carried model is the fresh one`);
    const objects = new Set(second.objects);
    for (const e of entryPoints({ inventory: second })) assert.ok(objects.has(e.route), `${name}: an entry's route is the second version's object`);
    if (entryPoints({ inventory: second }).length > 0) withEntries++;
  }
  assert.ok(carried >= 40, `${carried} inputs carried their model`);
  assert.ok(withEntries >= 15, `${withEntries} of them with entry points`);
});

test('any other change builds the model afresh: an object added, a route changed, no first model', async () => {
  const text = readFileSync('examples/shop/edge-ingress-nginx.yaml', 'utf8');
  const ingress = (await loadRead(read(text))).inventory.objects.find((o) => o.object.kind === 'Ingress');
  assert.ok(ingress, 'the example exposes the storefront through an Ingress');
  const added = `${text}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: added\n  namespace: ${ingress.object.metadata.namespace ?? 'default'}\n`;
  const renamed = text.replace(`name: ${ingress.object.metadata.name}\n`, `name: ${ingress.object.metadata.name}-renamed\n`);
  assert.notEqual(renamed, text);
  for (const [what, v2] of [['an object added', added], ['the Ingress renamed', renamed]] as const) {
    const [first, second] = await versions(text, v2);
    entryPoints({ inventory: first });
    assert.equal(carryEdgeModel(first, second), false, what);
  }
  const [first, second] = await versions(text, withPolicyOnTop((await loadRead(read(text))).inventory, text)!);
  assert.equal(carryEdgeModel(first, second), false, 'the first version has no model yet');
  entryPoints({ inventory: first });
  assert.equal(carryEdgeModel(first, second), true, 'once it has one, a change of policies only carries it');
  const objects = new Set(second.objects);
  const routes = entryPoints({ inventory: second }).filter((e) => objects.has(e.route)).map((e) => `${e.route.object.kind}/${e.route.object.metadata.name}`);
  assert.ok(routes.includes(`Ingress/${ingress.object.metadata.name}`), 'the Ingress is an entry point of the second version, as its object');
});

test('real shapes: Helm output (# Source: comments) holding a kubectl List with status and managedFields carries the model as a fresh build gives it', async () => {
  const objects = (await loadRead(read(readFileSync('examples/shop/edge-ingress-nginx.yaml', 'utf8')))).inventory.objects.map((o) => o.object as unknown as Record<string, unknown>);
  // What a cluster adds to objects read back: managedFields, a resourceVersion, status.
  const live = (o: Record<string, unknown>): Record<string, unknown> => ({
    ...o,
    metadata: { ...(o['metadata'] as Record<string, unknown>), resourceVersion: '4242', managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }] },
    status: o['kind'] === 'Service' ? { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } : {},
  });
  const [first, ...rest] = objects;
  const list = { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: rest.map(live) };
  const helm = (policy: string): string => `---\n# Source: shop/templates/serviceaccount.yaml\n${stringify(first)}${policy}---\n# Source: shop/templates/live.yaml\n${stringify(list)}`;
  const policy = `---\n# Source: shop/templates/networkpolicy.yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: added-by-the-change\n  namespace: ${(first!['metadata'] as { namespace?: string }).namespace ?? 'default'}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n`;
  const [v1, second, fresh] = await versions(helm(''), helm(policy));
  assert.ok(entryPoints({ inventory: v1 }).length > 0, 'the chart exposes something');
  assert.equal(carryEdgeModel(v1, second), true, 'only a policy was added');
  assert.deepEqual(model(second), model(fresh));
});
