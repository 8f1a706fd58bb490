import { detectCni } from './cni.js';
import { defineCheck, type CniStatus, type FindingDraft } from './types.js';

/** The change that turns encryption on, per CNI: YAML first, then the command. */
function fixFor(s: CniStatus): { path: string; fix: string } {
  const o = s.evidence!;
  const ns = o.object.metadata.namespace ?? 'kube-system';
  switch (s.cni) {
    case 'calico':
      return {
        path: 'spec',
        fix: [
          `Turn on WireGuard in the cluster-wide Felix configuration (nodes must allow UDP 51820 between each other; IPv6 pods also need wireguardEnabledV6):`,
          `apiVersion: ${o.object.apiVersion}`,
          `kind: FelixConfiguration`,
          `metadata:`,
          `  name: default`,
          `spec:`,
          `  wireguardEnabled: true`,
          `or: kubectl patch felixconfiguration default --type merge -p '{"spec":{"wireguardEnabled":true}}'`,
          `With Kubespray, set calico_wireguard_enabled: true in the k8s-net-calico group_vars and re-run the playbook.`,
        ].join('\n'),
      };
    case 'flannel':
    case 'canal':
      return {
        path: 'data.net-conf.json',
        fix: [
          `Switch the backend to WireGuard in ${o.object.metadata.name} (nodes must allow UDP 51820 between each other; the backend is read at start-up, so roll the ${s.cni === 'canal' ? 'canal' : 'kube-flannel-ds'} DaemonSet node by node afterwards):`,
          `apiVersion: v1`,
          `kind: ConfigMap`,
          `metadata:`,
          `  name: ${o.object.metadata.name}`,
          `  namespace: ${ns}`,
          `data:`,
          `  net-conf.json: |`,
          `    {`,
          `      "Network": "<your pod CIDR, unchanged>",`,
          `      "Backend": { "Type": "wireguard" }`,
          `    }`,
        ].join('\n'),
      };
    default:
      return {
        path: 'data',
        fix: [
          `Turn on transparent encryption with WireGuard (nodes must allow UDP 51871 between each other), then restart the cilium DaemonSet:`,
          `apiVersion: v1`,
          `kind: ConfigMap`,
          `metadata:`,
          `  name: cilium-config`,
          `  namespace: ${ns}`,
          `data:`,
          `  enable-wireguard: "true"`,
          `With Helm: helm upgrade cilium cilium/cilium -n ${ns} --reuse-values --set encryption.enabled=true --set encryption.type=wireguard`,
        ].join('\n'),
      };
  }
}

export default defineCheck({
  id: 'cni-encryption-off',
  control: 'in-cluster-encryption',
  title: 'The CNI does not encrypt pod traffic between nodes',
  severity: 'high',
  rationale:
    'Pod-to-pod traffic that crosses nodes travels in the clear unless the CNI encrypts it. Where the network between nodes is not fully trusted (a cluster stretched over two data centres, a provider network you would rather not sign a data processing agreement for), WireGuard or IPsec in the CNI encrypts every node-to-node packet without a service mesh. If the network between the nodes is trusted and covered by your provider agreement, suppress this finding with that reason.',
  fixSummary: 'Enable WireGuard (or IPsec) in the CNI: FelixConfiguration wireguardEnabled for Calico, the wireguard backend for Flannel, enable-wireguard for Cilium.',
  requirements: ['PCI-DSS 4.2.1', 'GDPR Art. 32'],
  evidence: ['FelixConfiguration', 'ConfigMap'],
  examples: {
    bad: `apiVersion: crd.projectcalico.org/v1
kind: FelixConfiguration
metadata:
  name: default
spec:
  logSeverityScreen: Info
`,
    good: `apiVersion: crd.projectcalico.org/v1
kind: FelixConfiguration
metadata:
  name: default
spec:
  wireguardEnabled: true
`,
  },
  run(ctx): FindingDraft[] {
    const s = detectCni(ctx);
    if (s.encryption !== 'none' || s.cni === undefined || !s.evidence) return [];
    const { path, fix } = fixFor(s);
    return [{ object: s.evidence, path, message: s.note, fix }];
  },
});
