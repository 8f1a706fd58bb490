import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { changeArb, clusterText, type Obj } from '../../test/support/netpol-diff-arbitraries.js';
import { inventoryFromTexts } from '../load/text.js';
import { analyze } from './analysis.js';
import { changeScope, type ChangeScope, type NoScope } from './diff-scope.js';
import { diffConnectivity, snapshot, type DiffQuery } from './diff.js';
import type { Level } from './reach.js';

const CIDRS = { podCidrs: ['10.0.0.0/8', 'fd00::/8'] };
const version = (text: string): { inventory: ReturnType<typeof inventoryFromTexts>; analysis: ReturnType<typeof analyze> } => {
  const inventory = inventoryFromTexts([{ file: 'v.yaml', text }]);
  return { inventory, analysis: analyze(inventory, CIDRS) };
};
const scopeOf = (before: string, after: string): ChangeScope | NoScope => changeScope(version(before), version(after));

// ---- what the scope is --------------------------------------------------------

const ns = (name: string, labels = ''): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: {${labels}}\n---\n`;
const pod = (n: string, name: string, labels: string): string => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${n}, labels: {${labels}}}\nspec: {containers: [{name: c, ports: [{containerPort: 8080, name: http}]}]}\n---\n`;
const np = (n: string, name: string, spec: string): string => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${n}}\nspec: ${spec}\n---\n`;

const WORLD = ['a', 'b', 'c', 'd'].map((n) => ns(n, `team: ${n === 'd' ? 'x' : 'y'}`) + pod(n, 'p', 'app: web')).join('');
const DENY = (n: string): string => np(n, 'deny', '{podSelector: {}, policyTypes: [Ingress, Egress]}');
const BASE = WORLD + DENY('a') + DENY('b') + DENY('c') + DENY('d');
const FROM_B = np('a', 'in', '{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: b}}}], ports: [{port: 80}]}]}');
const FROM_B_443 = FROM_B.replace('port: 80', 'port: 443');
const FROM_C = FROM_B.replace('metadata.name: b', 'metadata.name: c');

test('changeScope: a changed rule scopes the comparison to its namespace and the namespaces its old and new rules admit', () => {
  const rows: [string, string, string, string[], string[]][] = [
    ['a port changed', BASE + FROM_B, BASE + FROM_B_443, ['a'], ['a', 'b']],
    ['the admitted namespace changed', BASE + FROM_B, BASE + FROM_C, ['a'], ['a', 'b', 'c']],
    ['a policy added', BASE, BASE + FROM_B, ['a'], ['a', 'b']],
    ['a policy removed', BASE + FROM_B, BASE, ['a'], ['a', 'b']],
    ['nothing changed', BASE + FROM_B, BASE + FROM_B, [], []],
    ['moved within the file: no change', BASE + FROM_B, FROM_B + BASE, [], []],
    // Exact, though no smaller than the cluster.
    ['every namespace admitted', BASE, BASE + np('a', 'all-ns', '{podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}'), ['a'], ['a', 'b', 'c', 'd']],
  ];
  for (const [what, before, after, core, namespaces] of rows) {
    const s = scopeOf(before, after);
    assert.ok('namespaces' in s, `${what}: ${'reason' in s ? s.reason : ''}`);
    assert.deepEqual([...s.core].sort(), core, what);
    assert.deepEqual([...s.namespaces].sort(), namespaces, what);
  }
});

test('changeScope: no scope (everything compared) when the change can act beyond the changed namespaces', () => {
  const rows: [string, string, string, RegExp][] = [
    ['a pod label changed', BASE, BASE.replace('name: p, namespace: b, labels: {app: web}', 'name: p, namespace: b, labels: {app: api}'), /Pod b\/p changed/],
    ['a namespace label changed', BASE, BASE.replace('name: d\n  labels: {team: x}', 'name: d\n  labels: {team: z}'), /Namespace d changed/],
    ['isolation appears', WORLD + DENY('b'), WORLD + DENY('b') + DENY('a'), /a\/Pod\/p changes isolation|changes isolation/],
    ['a rule for every pod', BASE, BASE + np('a', 'all', '{podSelector: {}, ingress: [{}]}'), /rule for every pod/],
    ['a cluster-wide policy', BASE + 'apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: x}\nspec: {priority: 1, subject: {namespaces: {}}, ingress: [{action: Allow, from: [{namespaces: {}}]}]}\n---\n', BASE + FROM_B + 'apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: x}\nspec: {priority: 1, subject: {namespaces: {}}, ingress: [{action: Allow, from: [{namespaces: {}}]}]}\n---\n', /cluster-wide/],
  ];
  for (const [what, before, after, reason] of rows) {
    const s = scopeOf(before, after);
    assert.ok('reason' in s, `${what}: expected no scope`);
    assert.match(s.reason, reason, what);
  }
});

// ---- the scoped comparison is the whole one ------------------------------------

const key = (e: { from: string; to: string }): string => `${e.from} > ${e.to}`;

test('property: on random changes, comparing the scope gives exactly what comparing everything gives, at every level, with ports and filters', () => {
  let scoped = 0;
  let runs = 0;
  fc.assert(
    fc.property(
      changeArb,
      fc.constantFrom<Level>('pod', 'workload', 'namespace'),
      fc.constantFrom(undefined, { port: 80, protocol: 'TCP' as const }, { port: 53, protocol: 'UDP' as const }),
      fc.constantFrom(undefined, 'n1/'),
      ([b, a], level, port, toPrefix) => {
        runs++;
        const vb = version(clusterText(b));
        const va = version(clusterText(a));
        const q: DiffQuery = { level, ...(port ? { port } : {}), ...(toPrefix ? { to: (id: string) => id.startsWith(toPrefix) } : {}) };
        const whole = diffConnectivity(vb.analysis, va.analysis, q);
        const s = changeScope(vb, va);
        if (!('namespaces' in s)) return;
        scoped++;
        const part = diffConnectivity(snapshot(vb.analysis, s), snapshot(va.analysis, s), q);
        assert.deepEqual(part.added.map(key), whole.added.map(key));
        assert.deepEqual(part.removed.map(key), whole.removed.map(key));
        assert.deepEqual(part.changed.map(key), whole.changed.map(key));
        assert.deepEqual(part.added, whole.added);
        assert.deepEqual(part.removed, whole.removed);
        assert.deepEqual(part.changed, whole.changed);
        assert.deepEqual(part.endpoints, whole.endpoints);
        assert.deepEqual(part.external, whole.external);
      },
    ),
    { numRuns: 300 },
  );
  // The property says something only if many changes were scoped.
  assert.ok(scoped >= runs / 8, `${scoped} of ${runs} changes were scoped`);
});

test('two kubectl get -o json dumps: only the policy changed (with its resourceVersion and managedFields), so the comparison is scoped, and it equals the whole one', () => {
  const managed = (t: string): Obj[] => [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', time: t, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }];
  const nsObj = (n: string): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: { 'kubernetes.io/metadata.name': n }, resourceVersion: '10', uid: `ns-${n}`, managedFields: managed('2026-01-01T00:00:00Z') }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  const podObj = (n: string, ip: string): Obj => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: n, labels: { app: 'web' }, resourceVersion: '20', uid: `pod-${n}`, managedFields: managed('2026-01-01T00:00:00Z') },
    spec: { containers: [{ name: 'web', image: 'web:1', ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }] }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  });
  const policy = (port: number, rv: string, t: string): Obj => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'in', namespace: 'a', resourceVersion: rv, generation: Number(rv), uid: 'np-a', managedFields: managed(t) },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } } }], ports: [{ port, protocol: 'TCP' }] }] },
  });
  const dump = (p: Obj): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: [...['a', 'b', 'c'].map(nsObj), podObj('a', '10.0.0.1'), podObj('b', '10.0.0.2'), podObj('c', '10.0.0.3'), p] }, null, 2);
  const vb = version(dump(policy(8080, '30', '2026-01-01T00:00:00Z')));
  const va = version(dump(policy(9090, '31', '2026-02-01T00:00:00Z')));
  const s = changeScope(vb, va);
  assert.ok('namespaces' in s, 'reason' in s ? s.reason : '');
  assert.deepEqual([...s.core], ['a']);
  assert.deepEqual([...s.namespaces].sort(), ['a', 'b']);
  assert.equal(s.changedObjects, 1);
  const whole = diffConnectivity(vb.analysis, va.analysis, { level: 'workload' });
  const part = diffConnectivity(snapshot(vb.analysis, s), snapshot(va.analysis, s), { level: 'workload' });
  assert.deepEqual(part.changed, whole.changed);
  assert.deepEqual(part.changed.map(key), ['b/web > a/web']);
});
