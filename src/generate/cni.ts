/**
 * In-cluster encryption: node-to-node WireGuard or IPsec, switched on in the
 * CNI rather than by a mesh. One object per CNI, in the place that CNI reads
 * the setting from (the same places the audit looks, see src/checks/cni.ts).
 */
import type { Obj } from './platform.js';
import type { Platform } from './spec.js';
import type { FilePlan } from './yaml.js';

/**
 * Calico's cluster-wide Felix settings with WireGuard on (`crd.projectcalico.org/v1`,
 * or `projectcalico.org/v3` through the Calico API server).
 */
export function calicoWireguardObject(apiVersion = 'crd.projectcalico.org/v1'): Obj {
  return { apiVersion, kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { wireguardEnabled: true } };
}

/** Cilium's ConfigMap keys for transparent encryption (WireGuard, or IPsec with keys from the cilium-ipsec-keys Secret). */
export function ciliumEncryptionConfig(mode: 'wireguard' | 'ipsec', namespace = 'kube-system'): Obj {
  const data: Record<string, string> = mode === 'wireguard' ? { 'enable-wireguard': 'true' } : { 'enable-ipsec': 'true', 'ipsec-key-file': '/etc/ipsec/keys' };
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cilium-config', namespace }, data };
}

export function renderCni(spec: Platform): FilePlan[] {
  const { cni, mode } = spec.encryption;
  if (cni === 'calico') {
    return [
      {
        path: 'cni/calico-felixconfiguration.yaml',
        title: 'Calico: WireGuard encryption of pod traffic between nodes.',
        notes: [
          'Kubespray: set calico_wireguard_enabled: true in the cluster inventory instead of applying this file.',
          'With the Calico API server, the same object is projectcalico.org/v3 FelixConfiguration default.',
          `The audit and reach need the pod network: meshless audit DIR --pod-cidr ${spec.cluster.podCidr}.`,
        ],
        docs: [
          {
            comment: 'The cluster-wide Felix settings. Applying this adds wireguardEnabled to the existing object; every node then encrypts pod traffic to other nodes.',
            object: calicoWireguardObject(),
          },
        ],
      },
    ];
  }
  // Flannel alone enforces no NetworkPolicy: checkSpec refuses it before anything is rendered.
  if (cni === 'flannel') return [];
  return [
    {
      path: 'cni/cilium-config.yaml',
      title: `Cilium: ${mode === 'wireguard' ? 'WireGuard' : 'IPsec'} encryption of pod traffic between nodes.`,
      notes: [
        `With Helm, set encryption.enabled=true and encryption.type=${mode} instead of applying this file; Kubespray: cilium_encryption_enabled: true, cilium_encryption_type: ${mode}.`,
        ...(mode === 'ipsec' ? ['IPsec keys are read from the existing Secret kube-system/cilium-ipsec-keys (create it out of band; no key is written here).'] : []),
        'Cilium reads its ConfigMap at start: restart the cilium DaemonSet after applying.',
        `The audit and reach need the pod network: meshless audit DIR --pod-cidr ${spec.cluster.podCidr}.`,
      ],
      docs: [{ object: ciliumEncryptionConfig(mode) }],
    },
  ];
}
