/**
 * The pod network, read from the input where the CNI or the installer says it:
 * Calico IPPools (or the operator's Installation), Flannel's net-conf.json, Cilium's cluster-pool CIDRs, kubeadm's
 * ClusterConfiguration. ipBlocks are matched against pod IPs, so pods without a
 * known IP (manifests) can only be placed by knowing the network they live in.
 */
import type { Inventory } from '../model/inventory.js';
import { parseCidr } from '../model/ip.js';
import { isRecord } from '../model/json.js';

export interface PodNetwork {
  readonly cidrs: readonly string[];
  /** Where they came from: `Calico IPPool default-ipv4-ippool (cni.yaml:40)`, or `default`. */
  readonly source: string;
}


function valid(list: readonly unknown[]): string[] {
  return list.filter((c): c is string => typeof c === 'string' && typeof parseCidr(c) !== 'string');
}

/** Pod CIDRs stated by the input, or undefined when it says nothing. */
export function inferPodNetwork(inv: Inventory): PodNetwork | undefined {
  const found: string[] = [];
  const sources: string[] = [];
  for (const o of inv.objects) {
    const { kind, metadata } = o.object;
    const where = `${o.source.file}:${o.source.line}`;
    if (kind === 'IPPool' && o.object.apiVersion.includes('projectcalico.org')) {
      const spec = o.object['spec'];
      if (isRecord(spec) && spec['disabled'] !== true) {
        const c = valid([spec['cidr']]);
        if (c.length) {
          found.push(...c);
          sources.push(`Calico IPPool ${metadata.name} (${where})`);
        }
      }
    } else if (kind === 'Installation' && o.object.apiVersion.startsWith('operator.tigera.io/')) {
      // The Tigera operator creates one IPPool per spec.calicoNetwork.ipPools[] entry.
      const pools = o.object['spec'];
      const list = isRecord(pools) && isRecord(pools['calicoNetwork']) ? pools['calicoNetwork']['ipPools'] : undefined;
      if (Array.isArray(list)) {
        const c = valid(list.filter((p) => isRecord(p) && p['disabled'] !== true).map((p: Record<string, unknown>) => p['cidr']));
        if (c.length) {
          found.push(...c);
          sources.push(`Calico operator Installation ${metadata.name} ipPools (${where})`);
        }
      }
    } else if (kind === 'ConfigMap') {
      const data = o.object['data'];
      if (!isRecord(data)) continue;
      if (typeof data['net-conf.json'] === 'string') {
        try {
          const conf: unknown = JSON.parse(data['net-conf.json']);
          if (isRecord(conf)) {
            const c = valid([conf['Network'], conf['IPv6Network']]);
            if (c.length) {
              found.push(...c);
              sources.push(`Flannel ${metadata.name} net-conf.json (${where})`);
            }
          }
        } catch {
          // Flannel would fail to start with it; the audit reports the ConfigMap.
        }
      }
      if (metadata.name === 'cilium-config') {
        const c = valid([
          ...(typeof data['cluster-pool-ipv4-cidr'] === 'string' ? data['cluster-pool-ipv4-cidr'].split(/[\s,]+/) : []),
          ...(typeof data['cluster-pool-ipv6-cidr'] === 'string' ? data['cluster-pool-ipv6-cidr'].split(/[\s,]+/) : []),
        ]);
        if (c.length) {
          found.push(...c);
          sources.push(`Cilium cilium-config (${where})`);
        }
      }
      if (metadata.name === 'kubeadm-config' && typeof data['ClusterConfiguration'] === 'string') {
        const m = /podSubnet:\s*["']?([0-9a-fA-F:./,]+)/.exec(data['ClusterConfiguration']);
        if (m) {
          const c = valid(m[1]!.split(','));
          if (c.length) {
            found.push(...c);
            sources.push(`kubeadm ClusterConfiguration podSubnet (${where})`);
          }
        }
      }
    }
  }
  if (found.length === 0) return undefined;
  return { cidrs: [...new Set(found)], source: sources.join(', ') };
}
