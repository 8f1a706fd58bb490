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
import { documentsByText, type ParsedDocuments } from '../load/yaml.js';
import { inventoryMemo, type Inventory } from '../model/inventory.js';
import { analyze, type Analysis } from './analysis.js';
import { snapshot } from './diff.js';

const CIDRS = ['10.0.0.0/8', 'fd00::/8'];
const read = (text: string): Parameters<typeof loadRead>[0] => ({ inputs: [{ file: 'v.yaml', text: `# cluster\n${text}` }], diagnostics: [] });

/** Both versions as diff loads them: the second parsed reusing the first's documents, with the first build's memo. */
async function versions(v1: string, v2: string): Promise<[Inventory, Inventory]> {
  const memo = inventoryMemo();
  let known: ParsedDocuments | undefined;
  const first = await loadRead(read(v1), { memo, onParsed: (p) => void (known = documentsByText(p.files, p.docs)) });
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
  assert.ok(reused['classes and selector caches'] >= 30, JSON.stringify(reused));
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
