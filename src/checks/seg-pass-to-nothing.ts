import { defineCheck, type FindingDraft } from './types.js';
import { layerObject } from './layers.js';

export default defineCheck({
  id: 'seg-pass-to-nothing',
  control: 'segregation',
  title: 'A Pass rule hands traffic to no policy',
  severity: 'low',
  rationale:
    'Pass delegates a decision to the tiers after it: in an admin policy, to the namespace owners\' NetworkPolicies; in a Calico tier, to the next tier. When no later tier has a policy for the pods, nothing decides and Kubernetes allows the traffic: the Pass acts as an Accept, which is rarely what its author meant by "delegate".',
  fixSummary: 'Give the pods a NetworkPolicy (or a baseline policy) that decides what the Pass hands over, or write Accept/Deny if that is what is meant.',
  evidence: [],
  requires: ['NetworkPolicy'],
  examples: {
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  containers:
    - name: web
      image: example/web:1.0
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: delegate-shop
spec:
  tier: Admin
  priority: 10
  subject:
    namespaces:
      matchLabels:
        kubernetes.io/metadata.name: shop
  ingress:
    - name: delegate
      action: Pass
      from:
        - namespaces: {}
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  containers:
    - name: web
      image: example/web:1.0
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: delegate-shop
spec:
  tier: Admin
  priority: 10
  subject:
    namespaces:
      matchLabels:
        kubernetes.io/metadata.name: shop
  ingress:
    - name: delegate
      action: Pass
      from:
        - namespaces: {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes:
    - Ingress
`,
  },
  run(ctx): FindingDraft[] {
    const a = ctx.analysis;
    const out: FindingDraft[] = [];
    const reported = new Set<number>();
    for (const c of a.classes) {
      for (const dir of ['ingress', 'egress'] as const) {
        const prog = dir === 'ingress' ? c.ingressProgram : c.egressProgram;
        if (!prog) continue;
        prog.segments.forEach((sg, i) => {
          const later = prog.segments.slice(i + 1);
          // Something after it decides: a tier with rules, or one whose default denies.
          if (later.some((l) => l.grants.length > 0 || (l.applies && a.tiers[l.tier]!.defaultAction === 'deny'))) return;
          for (const gi of sg.grants) {
            const g = a.grants[gi]!;
            if (g.action !== 'pass' || !g.layer || reported.has(gi)) continue;
            reported.add(gi);
            const p = a.layerPolicies[g.layer.policy]!;
            const rule = g.layer.rule;
            out.push({
              object: layerObject(ctx, p),
              path: rule.path,
              message: `${p.label}: ${rule.name ? `rule ${rule.name}` : rule.path} passes ${dir} of ${c.endpoints[0]!.workload}${c.endpoints.length > 1 ? ' and others' : ''} to later tiers, but no policy there selects those pods: the traffic is allowed as if the rule said Accept`,
              fix: `Decide what the Pass hands over: a NetworkPolicy in namespace ${c.namespace.name} that selects the pods for ${dir} (e.g. a default deny plus the flows it needs), or change the rule's action to Accept or Deny.`,
            });
          }
        });
      }
    }
    return out;
  },
});
