import { BASELINE_TIER } from '../model/layers.js';
import { defineCheck, type FindingDraft } from './types.js';
import { layerObject } from './layers.js';

export default defineCheck({
  id: 'seg-baseline-deny-shadowed',
  control: 'segregation',
  title: 'A baseline deny never applies',
  severity: 'medium',
  rationale:
    'Baseline policies (ClusterNetworkPolicy tier Baseline, BaselineAdminNetworkPolicy) are consulted only for pods that no NetworkPolicy isolates in that direction. Where a namespace\'s NetworkPolicies select the pods, their allows decide and the baseline Deny is never reached: a guardrail the platform team believes in does not hold there. Use the Admin tier for rules that must not be overridden.',
  fixSummary: 'Move the rule to the Admin tier (ClusterNetworkPolicy tier Admin, or an AdminNetworkPolicy) if it must hold everywhere, or accept that namespace policies decide for these pods.',
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
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all
  namespace: shop
spec:
  podSelector: {}
  ingress:
    - {}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: baseline-deny
spec:
  tier: Baseline
  priority: 10
  subject:
    namespaces: {}
  ingress:
    - name: deny-all
      action: Deny
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
  name: baseline-deny
spec:
  tier: Baseline
  priority: 10
  subject:
    namespaces: {}
  ingress:
    - name: deny-all
      action: Deny
      from:
        - namespaces: {}
`,
  },
  run(ctx): FindingDraft[] {
    const a = ctx.analysis;
    const out: FindingDraft[] = [];
    const baseline = a.tiers.findIndex((t) => t.name === BASELINE_TIER);
    a.layerPolicies.forEach((p) => {
      if (p.tier !== BASELINE_TIER) return;
      const selected = a.classesOfPodMatch(p.subject);
      for (const dir of ['ingress', 'egress'] as const) {
        const denies = (p[dir] ?? []).filter((r) => r.action === 'deny');
        if (denies.length === 0) continue;
        // The NetworkPolicy tier decides for pods a policy there isolates: the baseline is never reached for them.
        const shadowed = selected.filter((c) => {
          const prog = dir === 'ingress' ? c.ingressProgram : c.egressProgram;
          return prog?.segments.some((sg) => sg.tier < baseline && sg.applies && a.tiers[sg.tier]!.defaultAction === 'deny') ?? false;
        });
        if (shadowed.length === 0) continue;
        const namespaces = [...new Set(shadowed.map((c) => c.namespace.name))].sort();
        const rule = denies[0]!;
        out.push({
          object: layerObject(ctx, p),
          path: rule.path,
          message: `${p.label}: its ${dir} Deny ${rule.name ? `(${rule.name}) ` : ''}never applies to ${shadowed.length === selected.length ? 'any' : `${shadowed.length} of the ${selected.length} pod groups`} it selects in ${namespaces.slice(0, 5).join(', ')}${namespaces.length > 5 ? ', …' : ''}: NetworkPolicies there isolate those pods, and their allows decide before the baseline tier`,
          fix: `If the rule must hold everywhere, write it in the Admin tier:\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata:\n  name: ${p.name}-admin\nspec:\n  tier: Admin\n  priority: 100\n  # the same subject and ${dir} rules as ${p.name}`,
        });
      }
    });
    return out;
  },
});
