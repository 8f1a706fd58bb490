import { detectCni } from './cni.js';
import { defineCheck, type FindingDraft } from './types.js';

export default defineCheck({
  id: 'cni-unknown',
  control: 'in-cluster-encryption',
  title: 'The input does not show whether the CNI encrypts pod traffic',
  severity: 'info',
  policyReads: 'none',
  rationale:
    'In-cluster encryption without a mesh is a CNI setting (WireGuard or IPsec in Calico, Flannel or Cilium). When the input does not carry the object that holds that setting, the audit cannot say whether pod traffic between nodes is encrypted, so the control is reported as unknown rather than passed or failed.',
  fixSummary: 'Include the CNI configuration object in the audited input (FelixConfiguration default, ConfigMap kube-flannel-cfg or cilium-config).',
  requirements: ['PCI-DSS 4.2.1', 'GDPR Art. 32'],
  examples: {
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: kube-system
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: calico-node
  namespace: kube-system
spec:
  selector:
    matchLabels:
      k8s-app: calico-node
  template:
    metadata:
      labels:
        k8s-app: calico-node
    spec:
      containers:
        - name: calico-node
          image: quay.io/calico/node:v3.28.0
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
    if (s.encryption !== 'unknown') return [];
    const fix = [
      'Add the object that holds the setting to the audited input, for example:',
      '  kubectl get felixconfiguration default -o yaml > cni.yaml                       # Calico',
      '  kubectl -n kube-flannel get configmap kube-flannel-cfg -o yaml > cni.yaml        # Flannel',
      '  kubectl -n kube-system get configmap cilium-config -o yaml > cni.yaml            # Cilium',
      'or declare it with your manifests, e.g. for Calico (Kubespray: calico_wireguard_enabled: true):',
      'apiVersion: crd.projectcalico.org/v1',
      'kind: FelixConfiguration',
      'metadata:',
      '  name: default',
      'spec:',
      '  wireguardEnabled: true',
    ].join('\n');
    return [{ object: s.evidence ?? { kind: 'CNI', name: s.cni ?? 'unknown' }, message: `in-cluster encryption is unknown: ${s.note}`, fix }];
  },
});
