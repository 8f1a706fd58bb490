/**
 * What the layers say about parts of a rule that open nothing meshless reports: ICMP
 * (it answers for TCP, UDP and SCTP ports) and a Cilium toPorts entry without ports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inventoryFromText } from '../load/text.js';

const cnp = (ingress: string): string => `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: p, namespace: x}
spec:
  endpointSelector: {}
  ingress:
${ingress}`;

const notes = (text: string): string[] => inventoryFromText(text, 'p.yaml').layers.policies.flatMap((p) => [...(p.ingress ?? []), ...(p.egress ?? [])].flatMap((r) => (r.note !== undefined ? [r.note] : [])));

test('a Cilium rule with icmps says ICMP is not reported, whether or not it has toPorts too', () => {
  assert.deepEqual(notes(cnp('  - fromEntities: [cluster]\n    icmps: [{fields: [{type: 8}]}]\n')), ['matches ICMP only (icmps), which meshless does not report: nothing on TCP, UDP or SCTP']);
  assert.deepEqual(notes(cnp('  - fromEntities: [cluster]\n    icmps: [{fields: [{type: 8}]}]\n    toPorts: [{ports: [{port: "80"}]}]\n')), ['its ICMP types (icmps) are not reported']);
  assert.deepEqual(notes(cnp('  - fromEntities: [cluster]\n    toPorts: [{ports: [{port: "80"}]}]\n')), []);
});

test('a Cilium toPorts entry without ports is a warning at its path, naming what to write', () => {
  const inv = inventoryFromText(cnp('  - fromEntities: [cluster]\n    toPorts:\n    - rules: {http: [{method: GET}]}\n    - ports: [{port: "80"}]\n'), 'p.yaml');
  const w = inv.diagnostics.filter((d) => d.path === 'spec.ingress[0].toPorts[0]');
  assert.equal(w.length, 1, JSON.stringify(inv.diagnostics));
  assert.equal(w[0]!.severity, 'warning');
  assert.match(w[0]!.message, /lists no ports, so Cilium adds nothing for it/);
  assert.match(w[0]!.hint ?? '', /ports: \[\{port: "80"/);
  assert.equal(inv.diagnostics.filter((d) => d.path?.startsWith('spec.ingress[0].toPorts[1]')).length, 0);
});

test('a Calico rule for another protocol says it is not reported', () => {
  const gnp = (proto: string): string => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  selector: all()
  ingress:
  - action: Allow
    protocol: ${proto}
`;
  assert.deepEqual(notes(gnp('ICMP')), ['matches protocol ICMP only, which meshless does not report: nothing on TCP, UDP or SCTP']);
  assert.deepEqual(notes(gnp('TCP')), []);
});
