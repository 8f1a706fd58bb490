/**
 * Calico `services` (ServiceMatch; felix/calc/rule_scanner.go and felix/serviceindex build the
 * match from EndpointSlices): resolved against the input's Services, EndpointSlices, Endpoints
 * and pods when the inventory is built, so reach, explain, the audit and the report see the
 * same peers. The allow/deny answers are table-tested in test/layers-table.test.ts (with what
 * Calico rejects); this file pins what is said when the input does not settle the match.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_CHECKS } from '../src/checks/index.js';
import { runAudit } from '../src/checks/run.js';
import { DEFAULT_CONFIG } from '../src/checks/types.js';
import { inventoryFromText } from '../src/load/text.js';
import { resolveCalicoServicePeers } from '../src/model/layers-calico.js';
import type { LoadedObject } from '../src/model/kube.js';
import { analyze } from '../src/netpol/analysis.js';
import { notJudged } from '../src/netpol/unjudged.js';

const world = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: web, image: web:1}]
status: {podIP: 10.0.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: shop, labels: {app: db}}
spec:
  containers: [{name: db, image: db:1, ports: [{name: pg, containerPort: 5432}]}]
status: {podIP: 10.0.0.6}
`;

const policy = (destination: string, namespace = 'shop'): string => `
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: web-out, namespace: ${namespace}}
spec:
  selector: app == 'web'
  egress:
  - action: Allow
    destination:
${destination.replace(/^\n/, '').replace(/^/gm, '      ').trimEnd()}
`;

const judged = (text: string) => {
  const inv = inventoryFromText(text, 'services.yaml');
  assert.deepEqual(inv.diagnostics.filter((d) => d.severity === 'error'), []);
  return analyze(inv);
};

test('a Service not in the input: reach, explain and the audit say what to include', () => {
  const a = judged(`${world}${policy('services: {name: partner-api, namespace: shop}')}`);
  assert.equal(a.isAllowed('shop/web', 'shop/db-0', 5432, 'TCP'), false);
  const nj = notJudged(a);
  assert.equal(nj.length, 1);
  assert.equal(nj[0]!.rule, 'spec.egress[0]');
  assert.deepEqual(nj[0]!.dependsOn, ['Service shop/partner-api and its EndpointSlices (not in the input)']);
  assert.ok(nj[0]!.line > 1, 'located in the file');
  assert.deepEqual(a.explain('shop/web', 'shop/db-0', { port: 5432, protocol: 'TCP' }).egress.layers?.dependsOn, ['Service shop/partner-api and its EndpointSlices (not in the input)']);
  const r = runAudit(a.inventory, a, { config: DEFAULT_CONFIG, checks: ALL_CHECKS });
  const f = r.findings.filter((x) => x.check === 'seg-rule-not-judged');
  assert.equal(f.length, 1);
  assert.match(f[0]!.message, /spec\.egress\[0\] \(allow\) depends on Service shop\/partner-api and its EndpointSlices \(not in the input\)/);
});

test('a Service without a selector whose EndpointSlices (or mirrored Endpoints) are not in the input: not judged', () => {
  const svc = `---
apiVersion: v1
kind: Service
metadata: {name: partner-api, namespace: shop}
spec: {ports: [{port: 443}]}
`;
  const none = judged(`${world}${svc}${policy('services: {name: partner-api, namespace: shop}')}`);
  assert.deepEqual(notJudged(none)[0]?.dependsOn, ['the EndpointSlices of Service shop/partner-api (not in the input; a Service without a selector gets them by hand, or mirrored from its Endpoints)']);
  // Endpoints that Kubernetes does not mirror into EndpointSlices say nothing about Calico's match.
  const skip = judged(`${world}${svc}---
apiVersion: v1
kind: Endpoints
metadata: {name: partner-api, namespace: shop, labels: {endpointslice.kubernetes.io/skip-mirror: 'true'}}
subsets: [{addresses: [{ip: 203.0.113.9}], ports: [{port: 443}]}]
${policy('services: {name: partner-api, namespace: shop}')}`);
  assert.match(notJudged(skip)[0]?.dependsOn[0] ?? '', /its Endpoints are not mirrored into any/);
  assert.equal(skip.isAllowed('shop/web', { ip: '203.0.113.9' }, 443, 'TCP'), false);
});

test('an ExternalName Service has no endpoints: the rule matches nothing, and that is exact', () => {
  const a = judged(`${world}---
apiVersion: v1
kind: Service
metadata: {name: partner-api, namespace: shop}
spec: {type: ExternalName, externalName: api.partner.example, selector: {app: db}}
${policy('services: {name: partner-api, namespace: shop}')}`);
  assert.equal(a.isAllowed('shop/web', 'shop/db-0', 5432, 'TCP'), false);
  assert.deepEqual(notJudged(a), []);
});

test('an EndpointSlice endpoint whose Pod is in the input without an IP: its address counts, the pod is not judged', () => {
  const a = judged(`${world}---
apiVersion: v1
kind: Pod
metadata: {name: db-1, namespace: shop, labels: {app: db}}
spec:
  containers: [{name: db, image: db:1}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-abc, namespace: shop, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
endpoints:
- addresses: [10.0.0.6]
  targetRef: {kind: Pod, name: db-0}
- addresses: [10.0.0.7]
  targetRef: {kind: Pod, name: db-1, namespace: shop}
ports: [{port: 5432, protocol: TCP}]
${policy('services: {name: db, namespace: shop}')}`);
  assert.equal(a.isAllowed('shop/web', 'shop/db-0', 5432, 'TCP'), true);
  // db-1 has no IP here, so the address 10.0.0.7 cannot be placed on it: denied in the answer, and listed.
  assert.equal(a.isAllowed('shop/web', 'shop/db-1', 5432, 'TCP'), false);
  assert.deepEqual(notJudged(a)[0]?.dependsOn, ['the IP of Pod shop/db-1 (EndpointSlice db-abc gives it 10.0.0.7; the Pod in the input has none)']);
});

test('a NetworkPolicy whose services names no namespace: a warning at the field, and the rule is not judged', () => {
  const inv = inventoryFromText(`${world}---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {selector: {app: db}, ports: [{port: 5432}]}
${policy('services: {name: db}')}`, 'no-namespace.yaml');
  const w = inv.diagnostics.filter((d) => d.path === 'spec.egress[0].destination.services.namespace');
  assert.equal(w.length, 1, JSON.stringify(inv.diagnostics));
  assert.equal(w[0]!.severity, 'warning');
  assert.match(w[0]!.message, /Calico's API reference says the policy's namespace \(shop\), but its data path looks the Service's EndpointSlices up under an empty namespace/);
  assert.equal(w[0]!.hint, 'write services.namespace: shop');
  const a = analyze(inv);
  assert.equal(a.isAllowed('shop/web', 'shop/db-0', 5432, 'TCP'), false);
  assert.deepEqual(notJudged(a)[0]?.dependsOn, ['which namespace Calico looks in for Service db (services.namespace not given)']);
});

test('a single-stack Service of the other family than the rule\'s ipVersion: the rule matches nothing', () => {
  const svc = `---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {selector: {app: db}, ipFamilies: [IPv6], ports: [{port: 5432}]}
`;
  const a = judged(`${world}${svc}---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: web-out, namespace: shop}
spec:
  selector: app == 'web'
  egress:
  - action: Allow
    ipVersion: 4
    destination:
      services: {name: db, namespace: shop}
`);
  assert.equal(a.isAllowed('shop/web', 'shop/db-0', 5432, 'TCP'), false);
  assert.deepEqual(notJudged(a), []);
});

test('without a services match, resolution reads no object and returns the policies as they are', () => {
  const inv = inventoryFromText(`${world}${policy("selector: app == 'db'")}`, 'plain.yaml');
  const untouchable = new Proxy([] as LoadedObject[], {
    get: () => {
      assert.fail('the objects were read');
    },
  });
  const out = resolveCalicoServicePeers(inv.layers.policies, untouchable);
  assert.equal(out.length, inv.layers.policies.length);
  for (const [i, p] of out.entries()) assert.equal(p, inv.layers.policies[i]);
});
