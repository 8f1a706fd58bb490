/**
 * AnalyzeOptions.base: diff's second version takes the first version's classes (and its
 * selector caches) when its pods are the first's. Every answer must be a fresh analysis's:
 * classes, isolation, the connections compared by diff, and every explanation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { changeArb, clusterText } from '../../test/support/netpol-diff-arbitraries.js';
import { loadRead } from '../load/input.js';
import { parsedDocuments, type ParsedDocuments } from '../load/yaml.js';
import { inventoryMemo, type Inventory } from '../model/inventory.js';
import { analyze, type Analysis } from './analysis.js';
import { snapshot } from './diff.js';

const CIDRS = ['10.0.0.0/8', 'fd00::/8'];
const read = (text: string): Parameters<typeof loadRead>[0] => ({ inputs: [{ file: 'v.yaml', text: `# cluster\n${text}` }], diagnostics: [] });

/** Both versions as diff loads them: the second parsed reusing the first's documents, with the first build's memo. */
async function versions(v1: string, v2: string): Promise<[Inventory, Inventory]> {
  const memo = inventoryMemo();
  let known: ParsedDocuments | undefined;
  const first = await loadRead(read(v1), { memo, onParsed: (p) => void (known = parsedDocuments(p.files, p.docs)) });
  const second = await loadRead(read(v2), { memo, ...(known ? { known } : {}) });
  return [first.inventory, second.inventory];
}

const classes = (a: Analysis): unknown =>
  a.classes.map((c) => ({ id: c.id, ns: c.namespace.name, labels: c.labels, endpoints: c.endpoints.map((e) => e.id), ingress: c.ingressIsolated, egress: c.egressIsolated, inPolicies: c.ingressPolicies, outPolicies: c.egressPolicies, blocks: c.inBlocks, families: c.families }));

test('property: an analysis that takes the first version\'s classes answers what a fresh one answers', async () => {
  const reused = { nothing: 0, classes: 0, 'classes and selector caches': 0 };
  await fc.assert(
    fc.asyncProperty(changeArb, async ([b, a]) => {
      const [i1, i2] = await versions(clusterText(b), clusterText(a));
      const first = analyze(i1, { podCidrs: CIDRS });
      const based = analyze(i2, { podCidrs: CIDRS, base: first });
      const fresh = analyze(i2, { podCidrs: CIDRS });
      reused[based.reused]++;
      assert.equal(fresh.reused, 'nothing');
      assert.deepEqual(classes(based), classes(fresh));
      assert.deepEqual(snapshot(based), snapshot(fresh));
      const ids = i2.endpoints.map((e) => e.id);
      for (const from of ids) {
        for (const to of [...ids, { ip: '8.8.8.8' }]) {
          for (const q of [{}, { port: 80, protocol: 'TCP' as const }, { port: 8080, protocol: 'TCP' as const }, { port: 53, protocol: 'UDP' as const }]) assert.deepEqual(based.explain(from, to, q), fresh.explain(from, to, q));
        }
      }
    }),
    { numRuns: 150 },
  );
  // Says something only if many second versions took the classes, and some did not.
  assert.ok(reused['classes and selector caches'] >= 15, JSON.stringify(reused));
  assert.ok(reused.nothing >= 5, JSON.stringify(reused));
});

test('property: when a pod changes (labels, ports, addresses) and the policies do not, nothing is taken and the answers are a fresh analysis\'s', async () => {
  const podChange = fc.constantFrom('labels', 'port', 'ip', 'namespace-labels');
  let changed = 0;
  await fc.assert(
    fc.asyncProperty(changeArb, podChange, fc.nat(8), async ([b], what, which) => {
      if (b.pods.length === 0) return;
      const i = which % b.pods.length;
      const pod = b.pods[i]! as { metadata: Record<string, unknown>; spec: { containers: { ports: { containerPort: number }[] }[] }; status: { podIPs: { ip: string }[] } };
      const other =
        what === 'labels' ? { ...pod, metadata: { ...pod.metadata, labels: { app: 'z' } } }
        : what === 'port' ? { ...pod, spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 9999 }] }] } }
        : what === 'ip' ? { ...pod, status: { podIPs: [{ ip: '10.9.9.9' }] } }
        : pod;
      const namespaces = what === 'namespace-labels' ? b.namespaces.map((n, k) => (k === 0 ? { ...n, metadata: { name: 'n0', labels: { team: 'z' } } } : n)) : b.namespaces;
      const a = { ...b, namespaces, pods: b.pods.map((p, k) => (k === i ? other : p)) };
      const [i1, i2] = await versions(clusterText(b), clusterText(a));
      const first = analyze(i1, { podCidrs: CIDRS });
      const based = analyze(i2, { podCidrs: CIDRS, base: first });
      const fresh = analyze(i2, { podCidrs: CIDRS });
      if (what === 'namespace-labels') assert.notEqual(based.reused, 'classes and selector caches', 'namespace labels changed: the selector caches are not valid');
      else assert.equal(based.reused, 'nothing', `a pod's ${what} changed`);
      changed++;
      assert.deepEqual(classes(based), classes(fresh));
      assert.deepEqual(snapshot(based), snapshot(fresh));
    }),
    { numRuns: 100 },
  );
  assert.ok(changed >= 50, `${changed} runs changed a pod`);
});

test('helm output holding a kubectl List dump (status, managedFields): a changed policy leaves the pods shared, the classes and caches are taken, and the answers are a fresh analysis\'s', async () => {
  const managed = '    managedFields: [{manager: kubectl, operation: Update, apiVersion: v1, time: "2026-01-01T00:00:00Z", fieldsType: FieldsV1, fieldsV1: {f:metadata: {}}}]\n';
  const pod = (ns: string, name: string, app: string, ip: string): string =>
    `- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: ${name}\n    namespace: ${ns}\n    labels: {app: ${app}, pod-template-hash: 5d4f}\n    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ${app}-5d4f, uid: u-${name}, controller: true}]\n    resourceVersion: "12"\n${managed}  spec:\n    containers: [{name: c, image: "${app}:1", ports: [{name: http, containerPort: 8080}]}]\n  status: {phase: Running, podIP: ${ip}, podIPs: [{ip: ${ip}}]}\n`;
  const list = `apiVersion: v1\nkind: List\nmetadata: {resourceVersion: ""}\nitems:\n${pod('shop', 'web-1', 'web', '10.0.0.1')}${pod('shop', 'web-2', 'web', '10.0.0.2')}${pod('pay', 'api-1', 'api', '10.0.1.1')}`;
  const policy = (port: number): string =>
    `# Source: shop/templates/networkpolicy.yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  namespace: shop\n  labels: {app.kubernetes.io/managed-by: Helm}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: pay}}}]\n    ports: [{port: ${port}}]\n`;
  const namespaces = '# Source: shop/templates/namespaces.yaml\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: pay}\n';
  const stream = (port: number): string => `---\n${namespaces}---\n# Source: shop/templates/pods.yaml\n${list}---\n${policy(port)}`;
  const memo = inventoryMemo();
  let known: ParsedDocuments | undefined;
  const load = (text: string, withKnown: boolean): Promise<Inventory> =>
    loadRead({ inputs: [{ file: 'helm.yaml', text }], diagnostics: [] }, { memo, ...(withKnown && known ? { known } : { onParsed: (p) => void (known = parsedDocuments(p.files, p.docs)) }) }).then((l) => l.inventory);
  const i1 = await load(stream(8080), false);
  const i2 = await load(stream(9090), true);
  assert.equal(i2.endpoints.length, 3);
  // The memo's inventory is a fresh build's, List items, sources and all.
  const fresh2 = (await loadRead({ inputs: [{ file: 'helm.yaml', text: stream(9090) }], diagnostics: [] })).inventory;
  for (const k of ['objects', 'endpoints', 'policies', 'diagnostics', 'summary'] as const) assert.deepEqual(i2[k], fresh2[k], k);
  // The List's items are shared objects: the pods' facts come from the first build.
  assert.ok(i2.endpoints.every((e, k) => e.labels === i1.endpoints[k]!.labels));
  const first = analyze(i1, { podCidrs: CIDRS });
  const based = analyze(i2, { podCidrs: CIDRS, base: first });
  const fresh = analyze(i2, { podCidrs: CIDRS });
  assert.equal(based.reused, 'classes and selector caches');
  assert.deepEqual(classes(based), classes(fresh));
  assert.deepEqual(snapshot(based), snapshot(fresh));
  assert.deepEqual(based.explain('pay/api-1', 'shop/web-1', { port: 9090, protocol: 'TCP' }), fresh.explain('pay/api-1', 'shop/web-1', { port: 9090, protocol: 'TCP' }));
  assert.equal(based.explain('pay/api-1', 'shop/web-1', { port: 9090, protocol: 'TCP' }).allowed, true);
});
