import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inventoryFromText } from '../load/text.js';

const policy = (spec: string): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p
  namespace: x
spec:
${spec
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
`;

// Each row: a policy spec the API server rejects, the field path it names, and a word of the message.
const rejected: [string, string, string, RegExp][] = [
  ['bad selector operator', 'podSelector:\n  matchExpressions:\n  - {key: app, operator: Equals, values: [a]}', 'spec.podSelector.matchExpressions[0].operator', /not a valid selector operator/],
  ['In without values', 'podSelector:\n  matchExpressions:\n  - {key: app, operator: In}', 'spec.podSelector.matchExpressions[0].values', /non-empty/],
  ['Exists with values', 'podSelector:\n  matchExpressions:\n  - {key: app, operator: Exists, values: [a]}', 'spec.podSelector.matchExpressions[0].values', /must be empty/],
  ['invalid CIDR', 'podSelector: {}\ningress:\n- from:\n  - ipBlock: {cidr: 10.0.0.0/33}', 'spec.ingress[0].from[0].ipBlock.cidr', /not a valid CIDR/],
  ['except outside cidr', 'podSelector: {}\negress:\n- to:\n  - ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}', 'spec.egress[0].to[0].ipBlock.except[0]', /strict subset/],
  ['except equal to cidr', 'podSelector: {}\negress:\n- to:\n  - ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}', 'spec.egress[0].to[0].ipBlock.except[0]', /strict subset/],
  ['port out of range', 'podSelector: {}\ningress:\n- ports:\n  - port: 65536', 'spec.ingress[0].ports[0].port', /out of range/],
  ['port zero', 'podSelector: {}\ningress:\n- ports:\n  - port: 0', 'spec.ingress[0].ports[0].port', /out of range/],
  ['endPort without port', 'podSelector: {}\ningress:\n- ports:\n  - endPort: 90', 'spec.ingress[0].ports[0].endPort', /port is not specified/],
  ['endPort below port', 'podSelector: {}\ningress:\n- ports:\n  - {port: 90, endPort: 80}', 'spec.ingress[0].ports[0].endPort', /greater than or equal/],
  ['endPort with a named port', 'podSelector: {}\ningress:\n- ports:\n  - {port: http, endPort: 80}', 'spec.ingress[0].ports[0].endPort', /named port/],
  ['unknown protocol', 'podSelector: {}\ningress:\n- ports:\n  - {port: 80, protocol: ICMP}', 'spec.ingress[0].ports[0].protocol', /unsupported protocol/],
  ['lower-case protocol', 'podSelector: {}\ningress:\n- ports:\n  - {port: 80, protocol: tcp}', 'spec.ingress[0].ports[0].protocol', /unsupported protocol/],
  ['empty peer', 'podSelector: {}\ningress:\n- from:\n  - {}', 'spec.ingress[0].from[0]', /must specify a peer/],
  ['ipBlock with a selector', 'podSelector: {}\ningress:\n- from:\n  - ipBlock: {cidr: 10.0.0.0/8}\n    podSelector: {}', 'spec.ingress[0].from[0]', /more than 1 peer/],
  ['bad policyType', 'podSelector: {}\npolicyTypes: [ingress]', 'spec.policyTypes[0]', /unsupported value/],
  ['invalid named port', 'podSelector: {}\ningress:\n- ports:\n  - port: HTTP_PORT', 'spec.ingress[0].ports[0].port', /not a valid port name/],
  ['quoted number port', 'podSelector: {}\ningress:\n- ports:\n  - port: "80"', 'spec.ingress[0].ports[0].port', /string of digits/],
  ['label value not a string', 'podSelector:\n  matchLabels: {enabled: true}', 'spec.podSelector.matchLabels.enabled', /must be a string/],
  ['to in an ingress rule', 'podSelector: {}\ningress:\n- to:\n  - podSelector: {}', 'spec.ingress[0].to', /unknown field/],
];

for (const [name, spec, path, message] of rejected) {
  test(`rejected like the API server: ${name}`, () => {
    const inv = inventoryFromText(`apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\n${policy(spec)}`, 'p.yaml');
    assert.equal(inv.policies.length, 0, 'the policy is left out of the analysis');
    const errors = inv.diagnostics.filter((d) => d.severity === 'error');
    assert.ok(errors.length >= 1);
    const d = errors.find((e) => e.path === path);
    assert.ok(d, `an error at ${path}; got ${errors.map((e) => `${e.path ?? ''}: ${e.message}`).join('; ')}`);
    assert.match(d.message, message);
    assert.equal(d.source?.file, 'p.yaml');
    assert.ok((d.line ?? 0) > 5, 'the line of the field, not of the document');
    assert.equal(inv.summary.skipped['invalid object'], 1);
    assert.equal(inv.summary.used, 1);
  });
}

test('policyTypes defaulting: Ingress always, Egress only with egress rules', () => {
  const rows: [string, boolean, boolean][] = [
    ['podSelector: {}', true, false],
    ['podSelector: {}\negress: []', true, false],
    ['podSelector: {}\negress: [{}]', true, true],
    ['podSelector: {}\npolicyTypes: []\negress: [{}]', true, true],
    ['podSelector: {}\npolicyTypes: [Egress]', false, true],
    ['podSelector: {}\npolicyTypes: [Egress]\ningress: [{}]', false, true],
  ];
  for (const [spec, ingress, egress] of rows) {
    const inv = inventoryFromText(policy(spec), 'p.yaml');
    assert.equal(inv.policies.length, 1, spec);
    assert.equal(inv.policies[0]!.ingressType, ingress, spec);
    assert.equal(inv.policies[0]!.egressType, egress, spec);
  }
});

test('namespaces: default namespace, --namespace, the implicit name label, assumed namespaces warned about', () => {
  const text = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: a}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: other}\nspec: {containers: [{name: c}]}\n';
  const inv = inventoryFromText(text, 'n.yaml');
  assert.deepEqual(inv.endpoints.map((e) => e.id), ['default/p', 'other/q']);
  assert.deepEqual(inv.namespaces.get('shop')?.labels, { team: 'a', 'kubernetes.io/metadata.name': 'shop' });
  assert.deepEqual(inv.namespaces.get('other')?.labels, { 'kubernetes.io/metadata.name': 'other' });
  assert.equal(inv.namespaces.get('other')?.declared, false);
  const warned = inv.diagnostics.filter((d) => d.code === 'namespace-assumed').map((d) => d.message);
  // `default` (like kube-system, kube-public, kube-node-lease) exists in every cluster: assumed without a warning.
  assert.deepEqual(warned.length, 1);
  assert.ok(warned.some((m) => m.includes('"other"')));
  const inv2 = inventoryFromText(text, 'n.yaml', { defaultNamespace: 'shop' });
  assert.deepEqual(inv2.endpoints.map((e) => e.id).sort(), ['other/q', 'shop/p']);
});

test('endpoints: controllers by template, owned Pods and ReplicaSets skipped once, finished Pods counted', () => {
  const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: s}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-5d4f, namespace: s, ownerReferences: [{kind: Deployment, name: web, controller: true}]}
spec:
  template:
    metadata: {labels: {app: web, pod-template-hash: 5d4f}}
    spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-5d4f-abcde, namespace: s, labels: {app: web, pod-template-hash: 5d4f}, ownerReferences: [{kind: ReplicaSet, name: web-5d4f, controller: true}]}
spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-9z9z-xyz, namespace: s, labels: {app: web, pod-template-hash: 9z9z}, ownerReferences: [{kind: ReplicaSet, name: web-9z9z, controller: true}]}
spec: {containers: [{name: c}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: sync, namespace: s}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: sync}}
        spec: {containers: [{name: c}], restartPolicy: Never}
---
apiVersion: v1
kind: Pod
metadata: {name: done, namespace: s}
spec: {containers: [{name: c}]}
status: {phase: Succeeded}
---
apiVersion: v1
kind: Pod
metadata: {name: lonely, namespace: s, labels: {app: x}}
spec: {containers: [{name: c}]}
status: {podIP: 10.1.2.3, podIPs: [{ip: 10.1.2.3}, {ip: "fd00::3"}]}
`;
  const inv = inventoryFromText(text, 'w.yaml');
  assert.deepEqual(inv.endpoints.map((e) => e.id).sort(), ['s/cronjob/sync', 's/deployment/web', 's/lonely']);
  const web = inv.endpoints.find((e) => e.id === 's/deployment/web')!;
  assert.deepEqual(web.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(inv.endpoints.find((e) => e.id === 's/lonely')!.ips, ['10.1.2.3', 'fd00::3']);
  assert.equal(inv.summary.skipped['owned by a controller in the input'], 3);
  assert.equal(inv.summary.skipped['finished pod (Succeeded or Failed)'], 1);
  assert.equal(inv.summary.read, 7);
  assert.equal(inv.summary.used + Object.values(inv.summary.skipped).reduce((a, b) => a + b, 0), inv.summary.read);
});

test('a later object with the same name replaces the earlier one, with a warning', () => {
  const a = policy('podSelector: {}');
  const b = policy('podSelector: {}\npolicyTypes: [Egress]');
  const inv = inventoryFromText(`${a}---\n${b}`, 'd.yaml');
  assert.equal(inv.policies.length, 1);
  assert.equal(inv.policies[0]!.egressType, true);
  assert.ok(inv.diagnostics.some((d) => d.code === 'duplicate-object'));
});

test('a document that is not a Kubernetes object is reported and skipped', () => {
  const inv = inventoryFromText('just: a map\n---\n- a\n- list\n---\napiVersion: v1\nkind: Pod\nmetadata: {}\n', 'x.yaml');
  const errs = inv.diagnostics.filter((d) => d.code === 'invalid-object');
  assert.equal(errs.length, 3);
  assert.deepEqual(errs.map((e) => e.path ?? ''), ['apiVersion', '', 'metadata.name']);
  assert.equal(inv.summary.read, 3);
  assert.equal(inv.summary.used, 0);
});

test('a container port the API server rejects leaves the workload out', () => {
  const inv = inventoryFromText('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    ports:\n    - {containerPort: 70000}\n', 'p.yaml');
  assert.equal(inv.endpoints.length, 0);
  const d = inv.diagnostics.find((x) => x.code === 'invalid-object')!;
  assert.equal(d.path, 'spec.containers[0].ports[0].containerPort');
  assert.equal(d.line, 8);
});

test('cluster-scoped custom resources get no namespace: by their CustomResourceDefinition, else by the known list', () => {
  const text = `apiVersion: operator.tigera.io/v1
kind: Installation
metadata: {name: default}
spec: {}
---
apiVersion: operator.tigera.io/v1
kind: APIServer
metadata: {name: default}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {kind: Widget, plural: widgets}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g}
`;
  const inv = inventoryFromText(text, 'c.yaml', { defaultNamespace: 'shop' });
  const ns = Object.fromEntries(inv.objects.map((o) => [o.object.kind, o.object.metadata.namespace ?? null]));
  assert.deepEqual(ns, { Installation: null, APIServer: null, CustomResourceDefinition: null, Widget: null, Gadget: 'shop' });
  // A CRD that says Namespaced wins over the list.
  const inv2 = inventoryFromText('apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: installations.example.com}\nspec: {group: example.com, scope: Namespaced, names: {kind: Installation}}\n---\napiVersion: example.com/v1\nkind: Installation\nmetadata: {name: i}\n', 'c.yaml');
  assert.equal(inv2.objects.find((o) => o.object.kind === 'Installation')?.object.metadata.namespace, 'default');
});

test('a NetworkPolicy with spec: null (or no spec) is an empty spec: every pod of its namespace isolated for ingress', () => {
  for (const spec of ['spec: null\n', '']) {
    const inv = inventoryFromText(`apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: a}\n${spec}`, 'p.yaml');
    assert.equal(inv.policies.length, 1, spec);
    assert.deepEqual(inv.diagnostics.filter((d) => d.severity === 'error'), [], spec);
    assert.equal(inv.policies[0]!.ingressType, true);
    assert.equal(inv.policies[0]!.egressType, false);
  }
});

test('the same object twice: same group, kind, namespace and name, the last one kept; anything else differs', () => {
  const o = (apiVersion: string, kind: string, name: string, ns = 'a', extra = ''): string => `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: ${name}, namespace: ${ns}${extra}}\n`;
  const cases: [string, string[], number][] = [
    ['another kind of the same name', [o('v1', 'Service', 'web'), o('v1', 'ConfigMap', 'web')], 0],
    ['another namespace', [o('v1', 'ConfigMap', 'x'), o('v1', 'ConfigMap', 'x', 'b')], 0],
    ['another API group', [o('networking.k8s.io/v1', 'NetworkPolicy', 'p'), o('crd.projectcalico.org/v1', 'NetworkPolicy', 'p')], 0],
    ['another version of the same group', [o('networking.k8s.io/v1', 'NetworkPolicy', 'p'), o('networking.k8s.io/v1', 'NetworkPolicy', 'p', 'a', ', labels: {v: "2"}')], 1],
    ['three times', [o('v1', 'ConfigMap', 'x', 'a', ', labels: {n: "1"}'), o('v1', 'Service', 'x'), o('v1', 'ConfigMap', 'x', 'a', ', labels: {n: "2"}'), o('v1', 'ConfigMap', 'x', 'a', ', labels: {n: "3"}')], 2],
  ];
  for (const [what, docs, dups] of cases) {
    const inv = inventoryFromText(docs.join('---\n'), 'd.yaml');
    assert.equal(inv.diagnostics.filter((d) => d.code === 'duplicate-object').length, dups, what);
    assert.equal(inv.objects.length, docs.length - dups, what);
  }
  const three = inventoryFromText(cases[4]![1].join('---\n'), 'd.yaml');
  assert.deepEqual(three.objects.map((x) => `${x.object.kind}:${x.object.metadata.labels?.['n'] ?? '-'}`), ['Service:-', 'ConfigMap:3'], 'the last definition is kept, in its place');
});
