import { defineCheck, type FindingDraft } from './types.js';
import { layerObject } from './layers.js';

export default defineCheck({
  id: 'seg-cilium-deny-scope',
  control: 'segregation',
  title: 'A Cilium deny rule that matches nothing, or everything',
  severity: 'medium',
  rationale:
    'Cilium deny rules (`ingressDeny`, `egressDeny`) win over every allow, whatever policy wrote it. A deny rule whose peers match no pod and no address protects nothing — usually a selector typo, and the traffic it was meant to stop is open. A deny rule that matches every peer on every port makes every allow of that direction dead code: the endpoints accept (or send) nothing, which is rarely what the allows next to it meant.',
  fixSummary: 'Correct the deny rule\'s peers so they name the traffic to stop; for a default deny, select the endpoints with an empty ingress/egress rule instead of a deny-everything rule.',
  evidence: [],
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
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: block-legacy
  namespace: shop
spec:
  endpointSelector: {}
  ingressDeny:
    - fromEndpoints:
        - matchLabels:
            app: legacy-crm
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
apiVersion: v1
kind: Pod
metadata:
  name: crm
  namespace: shop
  labels:
    app: legacy-crm
spec:
  containers:
    - name: crm
      image: example/crm:1.0
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: block-legacy
  namespace: shop
spec:
  endpointSelector: {}
  ingressDeny:
    - fromEndpoints:
        - matchLabels:
            app: legacy-crm
`,
  },
  run(ctx): FindingDraft[] {
    const a = ctx.analysis;
    const out: FindingDraft[] = [];
    const seen = new Set<string>();
    // A Cilium object is two layer policies (deny rules first, allows with NetworkPolicies): which objects have allows, per direction.
    const withAllows = new Set<string>();
    for (const q of a.layerPolicies) {
      for (const dir of ['ingress', 'egress'] as const) if ((q[dir] ?? []).some((x) => x.action === 'allow')) withAllows.add(`${dir}|${q.objectKind}|${q.namespace ?? ''}|${q.name}`);
    }
    for (const g of a.grants) {
      if (!g.layer || g.action !== 'deny') continue;
      const p = a.layerPolicies[g.layer.policy]!;
      if (p.kind !== 'CiliumNetworkPolicy' && p.kind !== 'CiliumClusterwideNetworkPolicy') continue;
      const r = g.layer.rule;
      const key = `${p.label}|${r.path}`;
      if (seen.has(key) || g.depends || r.peers?.length === 0) continue;
      seen.add(key);
      const anyPod = g.allClasses || g.members.length > 0 || g.ipMembers4.length > 0 || g.ipMembers6.length > 0;
      const anyAddress = g.external.some((x) => x === 1);
      if (!anyPod && !anyAddress) {
        out.push({
          object: layerObject(ctx, p),
          path: r.path,
          message: `${p.label}: ${r.path} denies ${r.peers?.map((x) => x.text).join(' or ') ?? 'every peer'}, which matches no pod and no address in the input: it protects nothing`,
          fix: `Correct the peers of ${r.path} to the labels (or CIDRs) of the traffic to stop; the pods in the input carry, e.g., ${[...new Set(a.classes.slice(0, 3).map((c) => Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(',')))].join('; ') || 'no labels'}.`,
        });
      } else if ((r.peers === undefined || r.peers.some((x) => x.allPods === true && x.allExternal === true)) && r.ports === undefined && r.protocols === undefined && withAllows.has(`${g.direction}|${p.objectKind}|${p.namespace ?? ''}|${p.name}`)) {
        out.push({
          object: layerObject(ctx, p),
          path: r.path,
          message: `${p.label}: ${r.path} denies every peer on every port, so the ${g.direction} allows of the endpoints it selects never apply`,
          fix: `For a default deny, select the endpoints with an empty rule (${g.direction}: [{}]) and keep only the allows; deny rules are for traffic that no allow may ever open.`,
        });
      }
    }
    return out;
  },
});
