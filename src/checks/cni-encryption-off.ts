import { isRecord } from '../model/json.js';
import type { LoadedObject } from '../model/kube.js';
import { calicoWireguardObject, ciliumEncryptionConfig } from '../generate/cni.js';
import type { Obj } from '../generate/platform.js';
import { detectCni } from './cni.js';
import { patched } from './fix-objects.js';
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

/** The evidence itself with the generator's setting merged in, when it is that object; else the setting as its own object. */
function applied(o: LoadedObject, setting: Obj): Obj {
  const md = setting['metadata'] as { name?: unknown; namespace?: unknown };
  const same = o.object.kind === setting['kind'] && o.object.metadata.name === md.name && (md.namespace === undefined || o.object.metadata.namespace === md.namespace);
  return same ? patched(o, setting) : setting;
}

/** Flannel's net-conf.json with the wireguard backend, the rest unchanged; undefined when it is not JSON. */
function wireguardNetConf(o: LoadedObject): Obj | undefined {
  const data = o.object['data'];
  const text = isRecord(data) ? data['net-conf.json'] : undefined;
  if (typeof text !== 'string') return undefined;
  let conf: unknown;
  try {
    conf = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(conf)) return undefined;
  return patched(o, { data: { 'net-conf.json': `${JSON.stringify({ ...conf, Backend: { Type: 'wireguard' } }, null, 2)}\n` } });
}

/** The objects that turn encryption on, as `meshless generate` writes them (Flannel: the evidence's own net-conf.json changed). */
function fixObjects(s: CniStatus): Obj[] {
  const o = s.evidence!;
  switch (s.cni) {
    case 'calico':
      return [applied(o, calicoWireguardObject(o.object.apiVersion))];
    case 'flannel':
    case 'canal': {
      const c = wireguardNetConf(o);
      return c ? [c] : [];
    }
    default:
      return [applied(o, ciliumEncryptionConfig('wireguard', o.object.metadata.namespace ?? 'kube-system'))];
  }
}

export default defineCheck({
  id: 'cni-encryption-off',
  control: 'in-cluster-encryption',
  title: 'The CNI does not encrypt pod traffic between nodes',
  severity: 'high',
  policyReads: 'none',
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
    const objects = fixObjects(s);
    return [{ object: s.evidence, path, message: s.note, fix, ...(objects.length > 0 ? { fixObjects: objects } : {}) }];
  },
});
