/**
 * Cilium `toServices` (language.rst, "Services based"): resolved against the input's
 * Services and endpoints when the inventory is built, so reach, explain, the audit and
 * the report all see the same peers. The allow/deny answers are table-tested in
 * test/layers-table.test.ts; this file pins what is said about them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inventoryFromText } from '../src/load/text.js';
import { analyze } from '../src/netpol/analysis.js';
import { notJudged } from '../src/netpol/unjudged.js';

const world = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {kubernetes.io/metadata.name: shop}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: web, image: web:1}]
status: {podIP: 10.0.0.5}
`;

const policy = (egress: string): string => `
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: web-out, namespace: shop}
spec:
  endpointSelector:
    matchLabels: {app: web}
  egress:
${egress.replace(/^\n/, '').replace(/^/gm, '  ').trimEnd()}
`;

test('a Service with a selector: a warning at the rule (file:line), and the rule admits nothing', () => {
  const inv = inventoryFromText(`${world}---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: db, namespace: shop}
subsets: [{addresses: [{ip: 192.0.2.20}]}]
${policy(`
- toServices:
  - k8sService: {serviceName: db, namespace: shop}
`)}`, 'svc.yaml');
  const w = inv.diagnostics.filter((d) => d.code === 'cilium-service-with-selector');
  assert.equal(w.length, 1, JSON.stringify(inv.diagnostics));
  assert.match(w[0]!.message, /CiliumNetworkPolicy shop\/web-out: toServices names Service shop\/db, which has a selector: Cilium applies toServices only to Services without a selector/);
  assert.match(w[0]!.hint ?? '', /toEndpoints/);
  assert.equal(w[0]!.path, 'spec.egress[0].toServices[0]');
  assert.ok(w[0]!.line !== undefined && w[0]!.line > 1, 'located in the file');
  const a = analyze(inv);
  assert.equal(a.isAllowed('shop/web', { ip: '192.0.2.20' }, 5432, 'TCP'), false);
  assert.deepEqual(notJudged(a), [], 'nothing left to judge: the answer is exact');
});

test('a Service not in the input, or its endpoints not in it: not judged, never guessed', () => {
  const missing = analyze(inventoryFromText(`${world}${policy(`
- toServices:
  - k8sService: {serviceName: partner-api, namespace: shop}
`)}`, 'missing.yaml'));
  const nj = notJudged(missing);
  assert.equal(nj.length, 1);
  assert.match(JSON.stringify(nj[0]), /Service shop\/partner-api \(not in the input\)/);
  const e = missing.explain('shop/web', { ip: '203.0.113.9' }, { port: 443, protocol: 'TCP' });
  assert.equal(e.allowed, false);
  assert.deepEqual(e.egress.layers?.dependsOn, ['Service shop/partner-api (not in the input)']);

  const noEndpoints = analyze(inventoryFromText(`${world}---
apiVersion: v1
kind: Service
metadata: {name: partner-api, namespace: shop}
spec: {ports: [{port: 443}]}
${policy(`
- toServices:
  - k8sService: {serviceName: partner-api, namespace: shop}
`)}`, 'no-endpoints.yaml'));
  assert.match(JSON.stringify(notJudged(noEndpoints)), /the endpoints of Service shop\/partner-api \(not in the input\)/);
});

test('toServices with toPorts in one rule: Cilium rejects the policy, an input error naming the field', () => {
  const inv = inventoryFromText(`${world}${policy(`
- toServices:
  - k8sService: {serviceName: partner-api, namespace: shop}
  toPorts:
  - ports: [{port: '443', protocol: TCP}]
`)}`, 'ports.yaml');
  const errors = inv.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1, JSON.stringify(inv.diagnostics));
  assert.equal(errors[0]!.path, 'spec.egress[0].toPorts');
  assert.match(errors[0]!.message, /cannot combine toServices with toPorts; Cilium rejects it \(nothing of it is enforced\)/);
  assert.equal(inv.layers.policies.length, 0, 'the rejected policy is not evaluated');
});

test('read from a kubectl get -o json List (managedFields, status, EndpointSlice): the same answer', () => {
  const meta = (name: string, namespace: string, extra: Record<string, unknown> = {}) => ({ name, namespace, uid: `uid-${name}`, resourceVersion: '4711', managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }], ...extra });
  const list = {
    apiVersion: 'v1',
    kind: 'List',
    metadata: { resourceVersion: '' },
    items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { ...meta('shop', ''), namespace: undefined, labels: { 'kubernetes.io/metadata.name': 'shop' } }, status: { phase: 'Active' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: meta('web', 'shop', { labels: { app: 'web' } }), spec: { containers: [{ name: 'web', image: 'web:1' }] }, status: { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: meta('partner-api', 'shop'), spec: { type: 'ClusterIP', clusterIP: '10.96.0.40', ports: [{ port: 443, protocol: 'TCP' }] }, status: { loadBalancer: {} } },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta('partner-api-x7k2p', 'shop', { labels: { 'kubernetes.io/service-name': 'partner-api', 'endpointslice.kubernetes.io/managed-by': 'staff' } }), addressType: 'IPv4', endpoints: [{ addresses: ['203.0.113.9'], conditions: { ready: true, serving: true, terminating: false } }], ports: [{ port: 443, protocol: 'TCP' }] },
      { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: meta('web-out', 'shop', { generation: 2 }), spec: { endpointSelector: { matchLabels: { app: 'web' } }, egress: [{ toServices: [{ k8sService: { serviceName: 'partner-api', namespace: 'shop' } }] }] }, status: { conditions: [{ type: 'Valid', status: 'True' }] } },
    ],
  };
  const inv = inventoryFromText(JSON.stringify(list, null, 2), 'cluster.json');
  assert.deepEqual(inv.diagnostics.filter((d) => d.severity === 'error'), []);
  const a = analyze(inv);
  assert.equal(a.isAllowed('shop/web', { ip: '203.0.113.9' }, 443, 'TCP'), true);
  assert.equal(a.isAllowed('shop/web', { ip: '203.0.113.10' }, 443, 'TCP'), false);
  assert.deepEqual(notJudged(a), []);
});
