import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inventoryFromText } from '../load/text.js';
import { analyze } from './analysis.js';
import { reach } from './reach.js';
import { formatPorts } from './ports.js';

const ns = (name: string, labels = ''): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: {${labels}}\n---\n`;
const deploy = (n: string, name: string, labels: string, ports = '[{containerPort: 8080, name: http}]'): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: ${n}}\nspec:\n  template:\n    metadata: {labels: {${labels}}}\n    spec: {containers: [{name: c, ports: ${ports}}]}\n---\n`;
const np = (n: string, name: string, spec: string): string =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${n}}\nspec:\n${spec.split('\n').map((l) => `  ${l}`).join('\n')}\n---\n`;

test('ipBlock against pods without IPs: 0.0.0.0/0 except 10.0.0.0/8 reaches the internet but no pod', () => {
  const text =
    ns('a') + ns('b') + deploy('a', 'client', 'app: client') + deploy('b', 'server', 'app: server') +
    np('a', 'internet-only', 'podSelector: {}\npolicyTypes: [Egress]\negress:\n- to:\n  - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}');
  const a = analyze(inventoryFromText(text, 't.yaml'), { podCidrs: ['10.0.0.0/8'] });
  assert.equal(a.isAllowed('a/deployment/client', 'b/deployment/server', 8080, 'TCP'), false);
  assert.equal(a.isAllowed('a/deployment/client', { ip: '8.8.8.8' }, 443, 'TCP'), true);
  assert.throws(() => a.isAllowed('a/deployment/client', { ip: '10.20.30.40' }, 443, 'TCP'), /inside the pod network \(10\.0\.0\.0\/8\) but no pod/);
  // The same rule without except covers the whole pod network: it reaches pods wherever they run.
  const all = analyze(inventoryFromText(text.replace(', except: [10.0.0.0/8]', ''), 't.yaml'), { podCidrs: ['10.0.0.0/8'] });
  assert.equal(all.isAllowed('a/deployment/client', 'b/deployment/server', 8080, 'TCP'), true);
});

test('a block covering part of the pod network matches no template pod, and the analysis says so', () => {
  const text = ns('a') + deploy('a', 'client', 'app: client') + deploy('a', 'server', 'app: server') +
    np('a', 'half', 'podSelector: {matchLabels: {app: client}}\npolicyTypes: [Egress]\negress:\n- to:\n  - ipBlock: {cidr: 10.0.0.0/9}');
  const a = analyze(inventoryFromText(text, 't.yaml'), { podCidrs: ['10.0.0.0/8'] });
  assert.equal(a.isAllowed('a/deployment/client', 'a/deployment/server', 8080, 'TCP'), false);
  assert.ok(a.diagnostics.some((d) => d.code === 'ipblock-partial-pod-network'));
});

test('the pod network is read from a Calico IPPool', () => {
  const text = ns('a') + deploy('a', 'client', 'app: client') +
    'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: pool}\nspec: {cidr: 192.168.0.0/16}\n---\n' +
    np('a', 'e', 'podSelector: {}\npolicyTypes: [Egress]\negress:\n- to:\n  - ipBlock: {cidr: 10.0.0.0/8}');
  const a = analyze(inventoryFromText(text, 't.yaml'));
  assert.deepEqual(a.podCidrs.map((c) => c.text), ['192.168.0.0/16']);
  assert.match(a.podCidrSource, /IPPool pool/);
  assert.equal(a.isAllowed('a/deployment/client', { ip: '10.1.1.1' }, 80, 'TCP'), true, '10/8 is outside this pod network');
});

test('the pod network is read from the Calico operator Installation ipPools', () => {
  const text = ns('a') + deploy('a', 'client', 'app: client') +
    'apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata: {name: default}\nspec:\n  calicoNetwork:\n    ipPools:\n      - {cidr: 192.168.0.0/16, encapsulation: VXLANCrossSubnet}\n---\n' +
    np('a', 'e', 'podSelector: {}\npolicyTypes: [Egress]\negress:\n- to:\n  - ipBlock: {cidr: 10.0.0.0/8}');
  const a = analyze(inventoryFromText(text, 't.yaml'));
  assert.deepEqual(a.podCidrs.map((c) => c.text), ['192.168.0.0/16']);
  assert.match(a.podCidrSource, /Installation default/);
  assert.equal(a.isAllowed('a/deployment/client', { ip: '10.1.1.1' }, 80, 'TCP'), true, '10/8 is outside this pod network');
});

test('reach levels: workload, namespace with the internet as a peer, and a port filter', () => {
  const text =
    ns('web') + ns('api') + deploy('web', 'front', 'app: front') + deploy('api', 'back', 'app: back') +
    np('api', 'deny', 'podSelector: {}\npolicyTypes: [Ingress, Egress]') +
    np('api', 'from-web', 'podSelector: {matchLabels: {app: back}}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}}\n  ports:\n  - port: http');
  const a = analyze(inventoryFromText(text, 't.yaml'), { podCidrs: ['10.0.0.0/8'] });
  const w = reach(a, { level: 'workload' });
  const pairs = w.allowed.map((e) => `${e.from} > ${e.to} ${formatPorts(e.ports).join(',')}`);
  assert.ok(pairs.includes('web/deployment/front > api/deployment/back 8080/TCP'));
  assert.ok(pairs.includes('web/deployment/front > web/deployment/front all'));
  assert.ok(pairs.includes('web/deployment/front > ip:other all'));
  assert.ok(!pairs.some((p) => p.startsWith('api/')), 'api is isolated for egress with no rules');
  const n = reach(a, { level: 'namespace' });
  assert.deepEqual(n.endpoints, ['api', 'web']);
  assert.ok(n.allowed.some((e) => e.from === 'ip:other' && e.to === 'web'));
  const p = reach(a, { level: 'workload', port: { port: 8080, protocol: 'TCP' }, to: (id) => id.startsWith('api/') });
  assert.deepEqual(p.allowed.map((e) => [e.from, e.to]), [['web/deployment/front', 'api/deployment/back']]);
});

test('explain names the policy, rule and line that allow, and why others do not match', () => {
  const text =
    ns('web', 'team: web') + ns('api') + deploy('web', 'front', 'app: front') + deploy('api', 'back', 'app: back') +
    np('api', 'only-from-shop', 'podSelector: {matchLabels: {app: back}}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {team: shop}}\n  ports:\n  - port: 80\n  - port: 443\n- from:\n  - namespaceSelector: {matchLabels: {team: web}}\n  ports:\n  - port: 9090');
  const a = analyze(inventoryFromText(text, 't.yaml'), { podCidrs: ['10.0.0.0/8'] });
  const e = a.explain('web/deployment/front', 'api/deployment/back', { port: 8080, protocol: 'TCP' });
  assert.equal(e.allowed, false);
  assert.equal(e.egress.isolated, false);
  assert.equal(e.ingress.isolated, true);
  const rules = e.ingress.policies[0]!.rules;
  assert.match(rules[0]!.peerReason, /namespaceSelector \{team: shop\} matches no namespace/);
  assert.match(rules[0]!.portReason, /port 8080\/TCP not in rule ports 80\/TCP, 443\/TCP/);
  assert.match(rules[1]!.peerReason, /matches web\/deployment\/front/);
  assert.equal(rules[1]!.line, 40, 'the line of spec.ingress[1]');
  assert.match(e.summary, /DENIED.*ingress of the destination/);
  const ok = a.explain('web/deployment/front', 'api/deployment/back', { port: 9090, protocol: 'TCP' });
  assert.equal(ok.allowed, true);
  assert.match(ok.ingress.summary, /allowed by api\/only-from-shop ingress\[1\] \(t\.yaml:40\)/);
});

test('explain: a podSelector without namespaceSelector only selects the policy namespace', () => {
  const text = ns('a') + ns('b') + deploy('a', 'x', 'app: x') + deploy('b', 'y', 'app: y') +
    np('b', 'p', 'podSelector: {}\ningress:\n- from:\n  - podSelector: {matchLabels: {app: x}}');
  const a = analyze(inventoryFromText(text, 't.yaml'));
  const e = a.explain('a/deployment/x', 'b/deployment/y', {});
  assert.equal(e.allowed, false);
  assert.match(e.ingress.policies[0]!.rules[0]!.peerReason, /selects pods in the policy's namespace "b" only/);
});
