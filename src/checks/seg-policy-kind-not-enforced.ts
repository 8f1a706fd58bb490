import type { LayerKind } from '../model/layers.js';
import { detectCni } from './cni.js';
import type { LoadedObject } from '../model/kube.js';
import { defineCheck, type CheckContext, type FindingDraft } from './types.js';
import { layerObject } from './layers.js';

/** Which CNIs enforce each kind of policy (what their documentation says they implement). */
const ENFORCED_BY: Readonly<Record<LayerKind, readonly string[]>> = {
  CalicoNetworkPolicy: ['calico', 'canal'],
  GlobalNetworkPolicy: ['calico', 'canal'],
  CiliumNetworkPolicy: ['cilium'],
  CiliumClusterwideNetworkPolicy: ['cilium'],
  ClusterNetworkPolicy: ['calico', 'canal', 'cilium'],
  AdminNetworkPolicy: ['calico', 'canal'],
  BaselineAdminNetworkPolicy: ['calico', 'canal'],
};

/** `calico/node:v3.32.1` → [3, 32]. */
function calicoVersion(images: readonly string[]): [number, number] | undefined {
  for (const image of images) {
    const m = /calico\/node:v?(\d+)\.(\d+)/.exec(image);
    if (m) return [Number(m[1]), Number(m[2])];
  }
  return undefined;
}

/** Images of NetworkPolicy controllers that run beside Flannel (Canal's calico-node, kube-router, Cilium chained). */
const POLICY_CONTROLLER_IMAGE = /(^|\/)(kube-router|calico\/node|node|cilium)(:|@|$)/;

/** A workload that enforces NetworkPolicy beside Flannel: kube-router (firewall on), Canal's or Calico's calico-node, Cilium. */
function policyController(ctx: CheckContext): LoadedObject | undefined {
  for (const kind of ['DaemonSet', 'Deployment']) {
    for (const o of ctx.objectsOfKind(kind)) {
      const containers = (o.object['spec'] as { template?: { spec?: { containers?: { image?: unknown; args?: unknown }[] } } } | undefined)?.template?.spec?.containers ?? [];
      for (const c of containers) {
        const image = typeof c.image === 'string' ? c.image.toLowerCase() : '';
        if (!POLICY_CONTROLLER_IMAGE.test(image)) continue;
        if (/(^|\/)node(:|@|$)/.test(image) && !image.includes('calico/')) continue;
        const args = Array.isArray(c.args) ? c.args.filter((a): a is string => typeof a === 'string') : [];
        if (image.includes('kube-router') && args.includes('--run-firewall=false')) continue;
        return o;
      }
    }
  }
  return undefined;
}

/**
 * Flannel only moves packets: without a controller beside it (Canal, kube-router, k3s's
 * embedded one) no NetworkPolicy and no CNI policy is enforced.
 */
function flannelAlone(ctx: CheckContext): FindingDraft[] {
  if (policyController(ctx)) return [];
  const out: FindingDraft[] = [];
  const why = 'the cluster runs Flannel (ConfigMap kube-flannel-cfg), which does not enforce NetworkPolicy, and the input shows no policy controller beside it (Canal, kube-router)';
  const fix = 'Run a NetworkPolicy controller beside Flannel — Canal (Calico policy on Flannel networking) or kube-router with --run-firewall=true --run-router=false --run-service-proxy=false — and include it in the input; on k3s the embedded controller enforces it (suppress with meshless.dev/ignore and the reason).';
  for (const p of ctx.inventory.policies) {
    const o = ctx.inventory.objects.find((x) => x.source === p.source);
    out.push({ object: o ?? { kind: 'NetworkPolicy', namespace: p.namespace, name: p.name, file: p.source.file, line: p.source.line }, message: `NetworkPolicy ${p.namespace}/${p.name} is not enforced: ${why}`, fix });
  }
  const seen = new Set<string>();
  for (const p of ctx.analysis.layerPolicies) {
    const key = `${p.kind}|${p.namespace ?? ''}|${p.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ object: layerObject(ctx, p), message: `${p.label} is not enforced: ${why}`, fix });
  }
  return out;
}

export default defineCheck({
  id: 'seg-policy-kind-not-enforced',
  control: 'segregation',
  title: 'Policies the cluster\'s CNI does not enforce',
  severity: 'high',
  rationale:
    'A policy only segregates if the network plugin enforces it. Calico policies do nothing on a Cilium cluster and Cilium policies nothing on a Calico one; AdminNetworkPolicy and BaselineAdminNetworkPolicy are not implemented by Cilium, and Calico 3.32 moved to ClusterNetworkPolicy. Flannel enforces no policy at all: without Canal, kube-router or k3s\'s embedded controller beside it, every NetworkPolicy is ignored. Such objects are accepted by the API server and look like protection in review, while every connection they were meant to stop is open.',
  fixSummary: 'Write the rules in a kind the CNI enforces (NetworkPolicy, ClusterNetworkPolicy, or the CNI\'s own), or switch to a CNI that enforces the kind you use.',
  evidence: ['DaemonSet', 'ConfigMap'],
  examples: {
    bad: `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: cilium
  namespace: kube-system
spec:
  selector:
    matchLabels:
      k8s-app: cilium
  template:
    metadata:
      labels:
        k8s-app: cilium
    spec:
      hostNetwork: true
      containers:
        - name: cilium-agent
          image: quay.io/cilium/cilium:v1.20.0
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default-deny
spec:
  selector: all()
  types:
    - Ingress
`,
    good: `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: cilium
  namespace: kube-system
spec:
  selector:
    matchLabels:
      k8s-app: cilium
  template:
    metadata:
      labels:
        k8s-app: cilium
    spec:
      hostNetwork: true
      containers:
        - name: cilium-agent
          image: quay.io/cilium/cilium:v1.20.0
---
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata:
  name: default-deny
spec:
  endpointSelector: {}
  ingress:
    - {}
`,
  },
  run(ctx): FindingDraft[] {
    const cni = detectCni(ctx).cni;
    // Without evidence of the CNI there is nothing to judge: no finding is made up.
    if (cni === undefined) return [];
    const out: FindingDraft[] = [];
    if (cni === 'flannel') return flannelAlone(ctx);
    const images = ctx.objectsOfKind('DaemonSet').flatMap((d) => {
      const containers = (d.object['spec'] as { template?: { spec?: { containers?: { image?: unknown }[] } } } | undefined)?.template?.spec?.containers ?? [];
      return containers.map((c) => (typeof c.image === 'string' ? c.image : ''));
    });
    const calico = calicoVersion(images);
    const seen = new Set<string>();
    for (const p of ctx.analysis.layerPolicies) {
      const key = `${p.kind}|${p.namespace ?? ''}|${p.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const who = cni[0]!.toUpperCase() + cni.slice(1);
      if (!ENFORCED_BY[p.kind].includes(cni)) {
        out.push({
          object: layerObject(ctx, p),
          message: `${p.label} is not enforced: the cluster runs ${who}, which does not implement ${p.objectKind}`,
          fix: p.kind === 'AdminNetworkPolicy' || p.kind === 'BaselineAdminNetworkPolicy'
            ? `Write it as a ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2, tier ${p.kind === 'AdminNetworkPolicy' ? 'Admin' : 'Baseline'}; actions Accept/Deny/Pass, ports as protocols), which ${who} enforces.`
            : `Write the same rules as a NetworkPolicy (or a ${cni === 'cilium' ? 'CiliumNetworkPolicy' : 'Calico NetworkPolicy'}), which ${who} enforces.`,
        });
      } else if ((p.kind === 'AdminNetworkPolicy' || p.kind === 'BaselineAdminNetworkPolicy') && calico && (calico[0] > 3 || (calico[0] === 3 && calico[1] >= 32))) {
        out.push({
          object: layerObject(ctx, p),
          severity: 'medium',
          message: `${p.label}: the cluster runs Calico ${calico.join('.')}, whose admin and baseline tiers hold ClusterNetworkPolicy (network-policy-api v0.2.0 replaced AdminNetworkPolicy and BaselineAdminNetworkPolicy)`,
          fix: `Convert it to a ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) with tier ${p.kind === 'AdminNetworkPolicy' ? 'Admin' : 'Baseline'}: Allow becomes Accept, ports become protocols ({tcp: {destinationPort: {number: 80}}}).`,
        });
      }
    }
    return out;
  },
});
