/**
 * Which CNI the input shows, and whether it encrypts pod traffic between nodes.
 *
 * Where each CNI keeps the switch:
 * - Calico: the cluster-wide FelixConfiguration named `default` (apiVersion
 *   crd.projectcalico.org/v1, or projectcalico.org/v3 through Calico's API server),
 *   `spec.wireguardEnabled` (IPv4) and `spec.wireguardEnabledV6` (IPv6); both
 *   default to false. Kubespray sets the first from `calico_wireguard_enabled`.
 *   Calico shows itself by the calico-node DaemonSet, the calico-config ConfigMap
 *   or the operator's Installation.
 * - Flannel: ConfigMap `kube-flannel-cfg`, key `net-conf.json`, `Backend.Type`
 *   `wireguard` or `ipsec` (vxlan, host-gw, udp, ipip... do not encrypt).
 *   Canal (Calico policy on Flannel networking) keeps the same JSON in `canal-config`.
 * - Cilium: ConfigMap `cilium-config`, `enable-wireguard: "true"` or `enable-ipsec: "true"`.
 */
import type { LoadedObject } from '../model/kube.js';
import type { CheckContext, CniStatus } from './types.js';
import { isRecord } from '../model/json.js';

/** ConfigMap values are strings; a hand-written manifest may still say `true` unquoted. */
const isTrue = (v: unknown): boolean => v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');

const CALICO_API_VERSIONS = new Set(['crd.projectcalico.org/v1', 'projectcalico.org/v3']);

const ref = (o: LoadedObject): string => `${o.object.kind} ${o.object.metadata.namespace ? `${o.object.metadata.namespace}/` : ''}${o.object.metadata.name}`;

/** What to include so that the input can tell, per CNI. */
export const CNI_EVIDENCE_HINT: Readonly<Record<string, string>> = {
  calico: 'the FelixConfiguration named default (kubectl get felixconfiguration default -o yaml)',
  flannel: 'the ConfigMap kube-flannel-cfg with its net-conf.json (kubectl -n kube-flannel get configmap kube-flannel-cfg -o yaml)',
  canal: 'the ConfigMap canal-config with its net-conf.json (kubectl -n kube-system get configmap canal-config -o yaml)',
  cilium: 'the ConfigMap cilium-config (kubectl -n kube-system get configmap cilium-config -o yaml)',
};

function fromFelix(o: LoadedObject): CniStatus {
  const spec = isRecord(o.object['spec']) ? o.object['spec'] : {};
  const v4 = isTrue(spec['wireguardEnabled']);
  const v6 = isTrue(spec['wireguardEnabledV6']);
  if (v4 || v6) {
    const fields = [v4 ? 'wireguardEnabled' : '', v6 ? 'wireguardEnabledV6' : ''].filter(Boolean).join(' and ');
    return { cni: 'calico', encryption: 'wireguard', evidence: o, note: `Calico encrypts pod traffic between nodes with WireGuard (${ref(o)} sets ${fields})` };
  }
  return { cni: 'calico', encryption: 'none', evidence: o, note: `Calico does not encrypt pod traffic between nodes: ${ref(o)} does not set wireguardEnabled or wireguardEnabledV6 to true` };
}

function fromNetConf(o: LoadedObject, cni: 'flannel' | 'canal'): CniStatus {
  const data = isRecord(o.object['data']) ? o.object['data'] : {};
  const text = data['net-conf.json'];
  const name = cni === 'flannel' ? 'Flannel' : 'Canal';
  if (typeof text !== 'string') {
    return { cni, encryption: 'unknown', evidence: o, note: `${ref(o)} has no net-conf.json, so the ${name} backend is not known; include ${CNI_EVIDENCE_HINT[cni]!}` };
  }
  let backend: unknown;
  try {
    const parsed: unknown = JSON.parse(text);
    backend = isRecord(parsed) && isRecord(parsed['Backend']) ? parsed['Backend']['Type'] : undefined;
  } catch {
    return { cni, encryption: 'unknown', evidence: o, note: `net-conf.json in ${ref(o)} is not valid JSON, so the ${name} backend is not known` };
  }
  // Flannel's default backend, when Backend.Type is not given, is udp.
  const type = typeof backend === 'string' ? backend.toLowerCase() : 'udp';
  if (type === 'wireguard' || type === 'ipsec') {
    return { cni, encryption: type, evidence: o, note: `${name} encrypts pod traffic between nodes with its ${type} backend (${ref(o)})` };
  }
  return { cni, encryption: 'none', evidence: o, note: `${name} uses the ${type} backend (${ref(o)}), which does not encrypt pod traffic between nodes` };
}

function fromCiliumConfig(o: LoadedObject): CniStatus {
  const data = isRecord(o.object['data']) ? o.object['data'] : {};
  if (isTrue(data['enable-wireguard'])) return { cni: 'cilium', encryption: 'wireguard', evidence: o, note: `Cilium encrypts pod traffic between nodes with WireGuard (${ref(o)}: enable-wireguard)` };
  if (isTrue(data['enable-ipsec'])) return { cni: 'cilium', encryption: 'ipsec', evidence: o, note: `Cilium encrypts pod traffic between nodes with IPsec (${ref(o)}: enable-ipsec)` };
  return { cni: 'cilium', encryption: 'none', evidence: o, note: `Cilium does not encrypt pod traffic between nodes: ${ref(o)} sets neither enable-wireguard nor enable-ipsec to "true"` };
}

/** Reads the CNI and its node-to-node encryption from the input. */
export function detectCni(ctx: Pick<CheckContext, 'objectsOfKind'>): CniStatus {
  const configMaps = ctx.objectsOfKind('ConfigMap');
  const daemonSets = ctx.objectsOfKind('DaemonSet');
  const named = (list: readonly LoadedObject[], name: string): LoadedObject | undefined => list.find((o) => o.object.metadata.name === name);

  // Objects that state the setting decide; several of them (a migration, Canal) are
  // combined conservatively: encryption counts as on only when every one says so.
  const decided: CniStatus[] = [];
  const felix = ctx.objectsOfKind('FelixConfiguration').find((o) => o.object.metadata.name === 'default' && CALICO_API_VERSIONS.has(o.object.apiVersion));
  if (felix) decided.push(fromFelix(felix));
  const flannelCfg = named(configMaps, 'kube-flannel-cfg');
  if (flannelCfg) decided.push(fromNetConf(flannelCfg, 'flannel'));
  const canalCfg = named(configMaps, 'canal-config');
  if (canalCfg && typeof (isRecord(canalCfg.object['data']) ? canalCfg.object['data'] : {})['net-conf.json'] === 'string') decided.push(fromNetConf(canalCfg, 'canal'));
  const ciliumCfg = named(configMaps, 'cilium-config');
  if (ciliumCfg) decided.push(fromCiliumConfig(ciliumCfg));

  const off = decided.find((d) => d.encryption === 'none');
  if (off) return off;
  const unknown = decided.find((d) => d.encryption === 'unknown');
  if (unknown) return unknown;
  if (decided.length > 0) return decided[0]!;

  // Only the CNI's presence: which one is known, whether it encrypts is not.
  const presence: [string, LoadedObject | undefined][] = [
    ['calico', named(daemonSets, 'calico-node') ?? named(configMaps, 'calico-config') ?? ctx.objectsOfKind('Installation').find((o) => o.object.apiVersion.startsWith('operator.tigera.io/'))],
    ['canal', named(daemonSets, 'canal') ?? canalCfg],
    ['flannel', named(daemonSets, 'kube-flannel-ds') ?? named(daemonSets, 'kube-flannel')],
    ['cilium', named(daemonSets, 'cilium')],
  ];
  for (const [cni, o] of presence) {
    if (!o) continue;
    return { cni, encryption: 'unknown', evidence: o, note: `${ref(o)} shows ${cni[0]!.toUpperCase()}${cni.slice(1)}, but not whether it encrypts pod traffic between nodes; include ${CNI_EVIDENCE_HINT[cni]!}` };
  }
  return {
    encryption: 'unknown',
    note: `the input does not show the CNI; include ${CNI_EVIDENCE_HINT['calico']!} for Calico, ${CNI_EVIDENCE_HINT['flannel']!} for Flannel, or ${CNI_EVIDENCE_HINT['cilium']!} for Cilium`,
  };
}
