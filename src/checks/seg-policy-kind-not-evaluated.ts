import { defineCheck, type FindingDraft } from './types.js';

export default defineCheck({
  id: 'seg-policy-kind-not-evaluated',
  control: 'segregation',
  title: 'Policies of a kind meshless does not evaluate',
  severity: 'medium',
  rationale:
    'Segregation is what the cluster enforces, and some of it may sit in policy kinds meshless knows but does not evaluate (Antrea, OVN-Kubernetes, Istio or Linkerd authorization, Calico network sets). Connections those objects allow or deny are not in the answers meshless gives, so the segregation verdict is incomplete: it is reported rather than silently counted as used.',
  fixSummary: 'Express the segregation in NetworkPolicy, ClusterNetworkPolicy, Calico or Cilium policies that meshless evaluates, or review the listed objects by hand.',
  evidence: [],
  examples: {
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: crd.antrea.io/v1beta1
kind: NetworkPolicy
metadata:
  name: deny-all
  namespace: shop
spec:
  priority: 5
  appliedTo:
    - podSelector: {}
  ingress:
    - action: Drop
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-all
  namespace: shop
spec:
  podSelector: {}
  policyTypes:
    - Ingress
`,
  },
  run(ctx): FindingDraft[] {
    return ctx.inventory.layers.unevaluated.map((u) => {
      const first = u.sources[0]!;
      return {
        object: { kind: u.kind, name: `${u.count} object${u.count === 1 ? '' : 's'} (${u.group})`, file: first.file, line: first.line },
        message: `${u.count} ${u.kind} object${u.count === 1 ? '' : 's'} of ${u.who} (${u.group}) not evaluated: the connections they allow or deny are not in meshless's answers, so connectivity may differ from what is reported`,
        fix: `Review them by hand (${u.sources.slice(0, 5).map((s) => `${s.file}:${s.line}`).join(', ')}${u.count > 5 ? ', …' : ''}), or express the same rules as NetworkPolicy / ClusterNetworkPolicy (or Calico / Cilium policies), which meshless evaluates exactly.`,
      };
    });
  },
});
