import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inventoryFromText } from '../load/text.js';
import { analyze } from '../netpol/analysis.js';
import { detectCni } from './cni.js';
import cniEncryptionOff from './cni-encryption-off.js';
import cniUnknown from './cni-unknown.js';
import { encryptionChecks } from './registry-encryption.js';
import { DEFAULT_CONFIG, type CheckContext } from './types.js';

function ctxOf(yaml: string): CheckContext {
  const inv = inventoryFromText(yaml, 'cni.yaml');
  return { inventory: inv, analysis: analyze(inv), config: DEFAULT_CONFIG, objectsOfKind: (k) => inv.objects.filter((o) => o.object.kind === k) };
}

const felix = (apiVersion: string, name: string, spec: string): string => `apiVersion: ${apiVersion}
kind: FelixConfiguration
metadata:
  name: ${name}
spec:
${spec}
`;
const configMap = (name: string, ns: string, data: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: ${ns}
data:
${data}
`;
const netConf = (backend: string): string => `  net-conf.json: |
    {
      "Network": "10.244.0.0/16",
      ${backend}
    }`;
const daemonSet = (name: string, ns = 'kube-system'): string => `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    matchLabels: { k8s-app: ${name} }
  template:
    metadata:
      labels: { k8s-app: ${name} }
    spec:
      hostNetwork: true
      containers:
        - name: agent
          image: example/${name}:1
`;

/** [name, input, cni, encryption, evidence kind/name or undefined] */
const cases: [string, string, string | undefined, string, string | undefined][] = [
  ['Calico crd.projectcalico.org/v1 with wireguardEnabled', felix('crd.projectcalico.org/v1', 'default', '  wireguardEnabled: true'), 'calico', 'wireguard', 'FelixConfiguration/default'],
  ['Calico projectcalico.org/v3 with wireguardEnabledV6 only', felix('projectcalico.org/v3', 'default', '  wireguardEnabledV6: true'), 'calico', 'wireguard', 'FelixConfiguration/default'],
  ['Calico default FelixConfiguration without WireGuard', felix('crd.projectcalico.org/v1', 'default', '  logSeverityScreen: Info'), 'calico', 'none', 'FelixConfiguration/default'],
  ['Calico with wireguardEnabled: false', felix('crd.projectcalico.org/v1', 'default', '  wireguardEnabled: false'), 'calico', 'none', 'FelixConfiguration/default'],
  ['a per-node FelixConfiguration is not the cluster-wide one', felix('crd.projectcalico.org/v1', 'node.worker-1', '  wireguardEnabled: true') + '---\n' + daemonSet('calico-node'), 'calico', 'unknown', 'DaemonSet/calico-node'],
  ['a FelixConfiguration of another API group is not Calico', felix('example.com/v1', 'default', '  wireguardEnabled: true'), undefined, 'unknown', undefined],
  ['Calico seen only through calico-config', configMap('calico-config', 'kube-system', '  calico_backend: bird'), 'calico', 'unknown', 'ConfigMap/calico-config'],
  ['Flannel wireguard backend', configMap('kube-flannel-cfg', 'kube-flannel', netConf('"Backend": { "Type": "wireguard" }')), 'flannel', 'wireguard', 'ConfigMap/kube-flannel-cfg'],
  ['Flannel ipsec backend', configMap('kube-flannel-cfg', 'kube-flannel', netConf('"Backend": { "Type": "ipsec", "PSK": "x" }')), 'flannel', 'ipsec', 'ConfigMap/kube-flannel-cfg'],
  ['Flannel vxlan backend', configMap('kube-flannel-cfg', 'kube-flannel', netConf('"Backend": { "Type": "vxlan" }')), 'flannel', 'none', 'ConfigMap/kube-flannel-cfg'],
  ['Flannel without Backend defaults to udp', configMap('kube-flannel-cfg', 'kube-flannel', netConf('"EnableIPv4": true')), 'flannel', 'none', 'ConfigMap/kube-flannel-cfg'],
  ['Flannel net-conf.json that is not JSON', configMap('kube-flannel-cfg', 'kube-flannel', '  net-conf.json: "{ not json"'), 'flannel', 'unknown', 'ConfigMap/kube-flannel-cfg'],
  ['Flannel seen only through its DaemonSet', daemonSet('kube-flannel-ds', 'kube-flannel'), 'flannel', 'unknown', 'DaemonSet/kube-flannel-ds'],
  ['Canal with the wireguard backend', configMap('canal-config', 'kube-system', netConf('"Backend": { "Type": "wireguard" }')), 'canal', 'wireguard', 'ConfigMap/canal-config'],
  ['Cilium with enable-wireguard', configMap('cilium-config', 'kube-system', '  enable-wireguard: "true"'), 'cilium', 'wireguard', 'ConfigMap/cilium-config'],
  ['Cilium with enable-ipsec', configMap('cilium-config', 'kube-system', '  enable-ipsec: "true"'), 'cilium', 'ipsec', 'ConfigMap/cilium-config'],
  ['Cilium with enable-wireguard "false"', configMap('cilium-config', 'kube-system', '  enable-wireguard: "false"\n  tunnel-protocol: vxlan'), 'cilium', 'none', 'ConfigMap/cilium-config'],
  ['Cilium seen only through its DaemonSet', daemonSet('cilium'), 'cilium', 'unknown', 'DaemonSet/cilium'],
  ['nothing about the CNI', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n', undefined, 'unknown', undefined],
  [
    'two configurations that disagree: the one that does not encrypt wins',
    felix('crd.projectcalico.org/v1', 'default', '  wireguardEnabled: true') + '---\n' + configMap('cilium-config', 'kube-system', '  enable-ipsec: "false"'),
    'cilium',
    'none',
    'ConfigMap/cilium-config',
  ],
];

for (const [name, yaml, cni, encryption, evidence] of cases) {
  test(`detectCni: ${name}`, () => {
    const s = detectCni(ctxOf(yaml));
    assert.equal(s.cni, cni);
    assert.equal(s.encryption, encryption);
    assert.equal(s.evidence ? `${s.evidence.object.kind}/${s.evidence.object.metadata.name}` : undefined, evidence);
    assert.ok(s.note.length > 0);
    // Exactly one of the two checks speaks when encryption is off or unknown, neither when it is on.
    const off = cniEncryptionOff.run(ctxOf(yaml)).length;
    const unknown = cniUnknown.run(ctxOf(yaml)).length;
    assert.deepEqual([off, unknown], encryption === 'none' ? [1, 0] : encryption === 'unknown' ? [0, 1] : [0, 0]);
  });
}

test('cni-unknown says which object to include', () => {
  const [f] = cniUnknown.run(ctxOf(daemonSet('calico-node')));
  assert.ok(f);
  assert.match(f.message, /FelixConfiguration named default/);
  const [g] = cniUnknown.run(ctxOf('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n'));
  assert.ok(g);
  assert.match(g.message, /FelixConfiguration.*kube-flannel-cfg.*cilium-config/);
  assert.deepEqual(g.object, { kind: 'CNI', name: 'unknown' });
});

const fixes: [string, string, RegExp[]][] = [
  ['calico', felix('crd.projectcalico.org/v1', 'default', '  logSeverityScreen: Info'), [/wireguardEnabled: true/, /kubectl patch felixconfiguration default/, /calico_wireguard_enabled: true/]],
  ['flannel', configMap('kube-flannel-cfg', 'kube-flannel', netConf('"Backend": { "Type": "vxlan" }')), [/"Type": "wireguard"/, /namespace: kube-flannel/]],
  ['cilium', configMap('cilium-config', 'kube-system', '  enable-wireguard: "false"'), [/enable-wireguard: "true"/, /encryption\.type=wireguard/]],
];
for (const [cni, yaml, patterns] of fixes) {
  test(`cni-encryption-off gives the ${cni} change as YAML`, () => {
    const [f] = cniEncryptionOff.run(ctxOf(yaml));
    assert.ok(f);
    for (const p of patterns) assert.match(f.fix, p);
  });
}

test('the shop demo encrypts with Calico WireGuard, so neither check fires', () => {
  const yaml = readFileSync(new URL('../../examples/shop/cni.yaml', import.meta.url), 'utf8');
  const s = detectCni(ctxOf(yaml));
  assert.deepEqual([s.cni, s.encryption], ['calico', 'wireguard']);
  assert.equal(cniEncryptionOff.run(ctxOf(yaml)).length + cniUnknown.run(ctxOf(yaml)).length, 0);
});

for (const check of encryptionChecks) {
  test(`${check.id}: bad example fires, good example does not`, () => {
    assert.ok(check.run(ctxOf(check.examples.bad)).length > 0);
    assert.equal(check.run(ctxOf(check.examples.good)).length, 0);
  });
}
