/**
 * The audit on clusters whose segregation lives in policy layers: what counts as a
 * default deny, what the engine-based checks see through Cilium and Calico rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_CHECKS } from '../src/checks/index.js';
import { runAudit } from '../src/checks/run.js';
import { DEFAULT_CONFIG } from '../src/checks/types.js';
import { inventoryFromText } from '../src/load/text.js';
import { analyze } from '../src/netpol/analysis.js';

const NS = (name: string, labels = ''): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels:\n    kubernetes.io/metadata.name: ${name}\n${labels}`;
const DEPLOY = (ns: string, app: string): string => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${app}\n  namespace: ${ns}\nspec:\n  selector:\n    matchLabels:\n      app: ${app}\n  template:\n    metadata:\n      labels:\n        app: ${app}\n    spec:\n      containers:\n        - name: ${app}\n          image: example/${app}:1`;

function findings(docs: string[]): Map<string, string[]> {
  const inv = inventoryFromText(docs.join('\n---\n'), 'layers.yaml');
  assert.deepEqual(inv.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  const r = runAudit(inv, analyze(inv), { config: DEFAULT_CONFIG, checks: ALL_CHECKS });
  const out = new Map<string, string[]>();
  for (const f of r.findings) out.set(f.check, [...(out.get(f.check) ?? []), `${f.object.namespace ?? ''}/${f.object.name}`]);
  return out;
}

test('a Cilium clusterwide default deny (kube-system exempt) is every namespace\'s default deny; workloads count as isolated', () => {
  const ccnp = `apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata:\n  name: default-deny\nspec:\n  endpointSelector:\n    matchExpressions:\n      - key: io.kubernetes.pod.namespace\n        operator: NotIn\n        values: [kube-system]\n  ingress:\n    - {}\n  egress:\n    - toEndpoints:\n        - matchLabels:\n            k8s:io.kubernetes.pod.namespace: kube-system\n            k8s:k8s-app: kube-dns\n      toPorts:\n        - ports:\n            - port: "53"\n              protocol: ANY`;
  const f = findings([NS('shop'), DEPLOY('shop', 'web'), ccnp]);
  assert.equal(f.get('seg-namespace-no-default-deny'), undefined, 'no default-deny finding for shop');
  assert.equal(f.get('seg-workload-not-isolated-ingress'), undefined);
  assert.equal(f.get('seg-workload-not-isolated-egress'), undefined);
  // Without it, the same namespace is reported.
  const bare = findings([NS('shop'), DEPLOY('shop', 'web')]);
  assert.deepEqual(bare.get('seg-namespace-no-default-deny'), ['/shop']);
});

test('a Calico GlobalNetworkPolicy in a Pass-default tier is no default deny', () => {
  const tier = `apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: observe\nspec:\n  order: 100\n  defaultAction: Pass`;
  const gnp = `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: observe.all\nspec:\n  tier: observe\n  selector: all()\n  types: [Ingress, Egress]`;
  const f = findings([NS('shop'), DEPLOY('shop', 'web'), tier, gnp]);
  assert.deepEqual(f.get('seg-namespace-no-default-deny'), ['/shop']);
  assert.deepEqual(f.get('seg-workload-not-isolated-ingress'), ['shop/web']);
});

test('toEntities: world from a data namespace is internet egress (the engine sees through Cilium)', () => {
  const cnp = `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: db-out\n  namespace: orders-db\nspec:\n  endpointSelector: {}\n  egress:\n    - toEntities: [world]`;
  const f = findings([NS('orders-db', '    meshless.dev/data: "true"\n'), DEPLOY('orders-db', 'db'), cnp]);
  assert.deepEqual(f.get('seg-data-egress-internet'), ['orders-db/db']);
  const closed = `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: db-out\n  namespace: orders-db\nspec:\n  endpointSelector: {}\n  egress:\n    - toEntities: [cluster]`;
  assert.equal(findings([NS('orders-db', '    meshless.dev/data: "true"\n'), DEPLOY('orders-db', 'db'), closed]).get('seg-data-egress-internet'), undefined);
});

test('a Cilium deny rule that denies everything kills the allows beside it', () => {
  const cnp = `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  endpointSelector: {}\n  ingress:\n    - fromEndpoints:\n        - matchLabels:\n            app: web\n  ingressDeny:\n    - fromEntities: [all]`;
  const f = findings([NS('shop'), DEPLOY('shop', 'web'), cnp]);
  assert.equal(f.get('seg-cilium-deny-scope')?.length, 1);
});

test('a Calico rule naming source ports is not judged: it matches nothing and is listed, never guessed', async () => {
  const { notJudged } = await import('../src/netpol/unjudged.js');
  const pod = (ns: string, name: string, ip: string): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels:\n    app: ${name}\nspec:\n  containers:\n    - name: c\n      image: example/${name}:1\nstatus:\n  podIP: ${ip}`;
  const gnp = `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: by-source-port\nspec:\n  selector: app == 'db'\n  types: [Ingress]\n  ingress:\n    - action: Allow\n      protocol: TCP\n      source:\n        ports: [5000]\n      destination:\n        ports: [5432]`;
  const inv = inventoryFromText([NS('shop'), pod('shop', 'web', '10.0.0.1'), pod('shop', 'db', '10.0.0.2'), gnp].join('\n---\n'), 'layers.yaml');
  const a = analyze(inv);
  assert.equal(a.isAllowed('shop/web', 'shop/db', 5432, 'TCP'), false, 'the policy isolates db; the source-port rule admits nothing here');
  assert.deepEqual(notJudged(a).map((n) => `${n.rule} ${n.dependsOn.join(',')}`), ["spec.ingress[0] the connection's source port (ephemeral, not in manifests)"]);
});

test('Cilium TLS server names filter above L4: the connection is allowed and explain says what filters it further', () => {
  const pod = (ns: string, name: string, ip: string): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels:\n    app: ${name}\nspec:\n  containers:\n    - name: c\n      image: example/${name}:1\nstatus:\n  podIP: ${ip}`;
  const cnp = `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: sni\n  namespace: shop\nspec:\n  endpointSelector:\n    matchLabels:\n      app: web\n  egress:\n    - toEntities: [world]\n      toPorts:\n        - ports:\n            - port: "443"\n              protocol: TCP\n          serverNames: [api.example.com]`;
  const inv = inventoryFromText([NS('shop'), pod('shop', 'web', '10.0.0.1'), cnp].join('\n---\n'), 'layers.yaml');
  const e = analyze(inv).explain('shop/web', { ip: '203.0.113.9' }, { port: 443, protocol: 'TCP' });
  assert.equal(e.allowed, true);
  assert.match(e.egress.layers?.tiers.flatMap((t) => t.rules.map((r) => r.note ?? '')).join(' ') ?? '', /serverNames/);
});
