import { matches } from '../netpol/selector.js';
import { CILIUM_NAMESPACE_KEY, CILIUM_NAMESPACE_LABELS } from '../model/layers-cilium.js';
import { defineCheck, type FindingDraft } from './types.js';
import { layerObject } from './layers.js';

export default defineCheck({
  id: 'seg-cilium-unqualified-endpoints',
  control: 'segregation',
  title: 'A namespaced Cilium selector that was meant cluster-wide',
  severity: 'medium',
  rationale:
    'In a CiliumNetworkPolicy, a `fromEndpoints`/`toEndpoints` selector that does not name a namespace (`k8s:io.kubernetes.pod.namespace` or `io.cilium.k8s.namespace.labels.*`) means the policy\'s own namespace. When it matches no pod there but pods in other namespaces carry the labels, the author meant those pods: the rule admits nothing, and the flow it was written for is blocked (or, for a deny, left open).',
  fixSummary: 'Name the namespace in the selector (`k8s:io.kubernetes.pod.namespace: <ns>`), or move the rule to a CiliumClusterwideNetworkPolicy if it is meant for every namespace.',
  evidence: [],
  examples: {
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
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
  name: prometheus
  namespace: monitoring
  labels:
    app: prometheus
spec:
  containers:
    - name: prometheus
      image: example/prometheus:1.0
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: scrape
  namespace: shop
spec:
  endpointSelector: {}
  ingress:
    - fromEndpoints:
        - matchLabels:
            app: prometheus
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
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
  name: prometheus
  namespace: monitoring
  labels:
    app: prometheus
spec:
  containers:
    - name: prometheus
      image: example/prometheus:1.0
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: scrape
  namespace: shop
spec:
  endpointSelector: {}
  ingress:
    - fromEndpoints:
        - matchLabels:
            app: prometheus
            k8s:io.kubernetes.pod.namespace: monitoring
`,
  },
  run(ctx): FindingDraft[] {
    const a = ctx.analysis;
    const out: FindingDraft[] = [];
    const seen = new Set<string>();
    for (const p of a.layerPolicies) {
      if (p.kind !== 'CiliumNetworkPolicy' || p.namespace === undefined) continue;
      for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) {
        for (const peer of r.peers ?? []) {
          const pred = peer.pods?.pods;
          if (!pred || pred.kind !== 'cilium' || peer.pods.namespaces.kind !== 'own') continue;
          const keys = [...Object.keys(pred.selector.matchLabels), ...pred.selector.matchExpressions.map((x) => x.key)];
          if (keys.length === 0 || keys.some((k) => k === CILIUM_NAMESPACE_KEY || k.startsWith(CILIUM_NAMESPACE_LABELS))) continue;
          if (a.classesOfPodMatch(peer.pods).length > 0) continue;
          const elsewhere = [...new Set(a.classes.filter((c) => c.namespace.name !== p.namespace && matches(pred.selector, c.labels)).map((c) => c.namespace.name))].sort();
          if (elsewhere.length === 0) continue;
          const key = `${p.label}|${r.path}|${peer.path}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({
            object: layerObject(ctx, p),
            path: `${r.path}.${peer.path}`,
            message: `${p.label}: ${r.path} ${peer.path} ${peer.text} means namespace ${p.namespace} only, where no pod matches; pods in ${elsewhere.slice(0, 5).join(', ')} do: the rule ${r.action === 'deny' ? 'denies' : 'admits'} nothing`,
            fix: `Name the namespace in the selector:\n  - matchLabels:\n${Object.entries(pred.selector.matchLabels).map(([k, v]) => `      ${k}: ${v}`).join('\n')}\n      k8s:io.kubernetes.pod.namespace: ${elsewhere[0]!}\nor, if it is meant for every namespace, write it in a CiliumClusterwideNetworkPolicy.`,
          });
        }
      }
    }
    return out;
  },
});
