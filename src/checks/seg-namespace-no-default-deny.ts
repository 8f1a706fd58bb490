import type { NetworkPolicy, PolicyRule } from '../model/networkpolicy.js';
import { isEmptySelector } from '../netpol/selector.js';
import { defineCheck, type FindingDraft } from './types.js';
import { fixWithObjects, namespaceObject, WORKLOAD_KINDS } from './segregation.js';
import { defaultDenyPolicies, objectsYaml } from '../generate/fixes.js';
import { layerDefaultDeny } from './layers.js';

type Direction = 'ingress' | 'egress';

/** A rule that admits every peer on every port: with it the policy isolates nothing. */
const allowsEverything = (r: PolicyRule): boolean => r.peers === undefined && r.ports === undefined;

/**
 * Does this policy isolate every pod of its namespace, present and future, in the
 * direction? It must select all pods (`podSelector: {}`), have the direction among
 * its effective policyTypes, and have no rule that lets everything through. Rules
 * that open some traffic (DNS, say) keep it a default-deny for everything else.
 */
export function isDefaultDeny(p: NetworkPolicy, dir: Direction): boolean {
  if (!isEmptySelector(p.podSelector)) return false;
  const on = dir === 'ingress' ? p.ingressType : p.egressType;
  const rules = dir === 'ingress' ? p.ingress : p.egress;
  return on && !rules.some(allowsEverything);
}

/** The default-deny NetworkPolicy for a namespace, as YAML; with egress, also the DNS allowance it needs (the objects: generate/fixes.ts). */
export function defaultDenyYaml(namespace: string, dirs: readonly Direction[]): string {
  return objectsYaml(defaultDenyPolicies(namespace, dirs));
}

export default defineCheck({
  id: 'seg-namespace-no-default-deny',
  control: 'segregation',
  title: 'Namespace without a default-deny NetworkPolicy',
  severity: 'medium',
  policyReads: 'namespace',
  rationale:
    'A default-deny policy (podSelector: {} with the direction in policyTypes, or a cluster-wide or CNI policy — Calico GlobalNetworkPolicy, Cilium clusterwide policy — that selects every pod of the namespace with a default deny) isolates every pod of a namespace, including the ones deployed tomorrow, so that only flows someone wrote down are allowed. Without it, each new workload is open until someone remembers to write its policy. With default-deny in place, per-workload policies only ever open traffic, which is easy to review.',
  fixSummary: 'Add a NetworkPolicy with podSelector: {} and the missing direction(s) in policyTypes (and, for egress, one that allows DNS).',
  requirements: ['PCI-DSS 1.3.1', 'PCI-DSS 1.4.1'],
  evidence: WORKLOAD_KINDS,
  requires: ['NetworkPolicy'],
  examples: {
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: catalog
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: catalog
  namespace: catalog
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: catalog
  template:
    metadata:
      labels:
        app.kubernetes.io/name: catalog
    spec:
      containers:
        - name: catalog
          image: example/catalog:1.0
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
  namespace: catalog
spec:
  podSelector: {}
  policyTypes:
    - Ingress
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: catalog
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: catalog
  namespace: catalog
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: catalog
  template:
    metadata:
      labels:
        app.kubernetes.io/name: catalog
    spec:
      containers:
        - name: catalog
          image: example/catalog:1.0
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: catalog
spec:
  podSelector: {}
  policyTypes:
    - Ingress
    - Egress
`,
  },
  run(ctx): FindingDraft[] {
    // Namespaces that run something NetworkPolicy governs; an empty namespace has nothing to protect yet.
    // Asked about some namespaces only (diff): their pods are found through the engine's classes, not by reading every endpoint.
    const only = ctx.namespaces;
    const withPods = new Set<string>();
    if (only) {
      for (const ns of only) if (ctx.analysis.classesMatching(ns, undefined).some((c) => c.endpoints.some((e) => !e.hostNetwork))) withPods.add(ns);
    } else for (const e of ctx.inventory.endpoints) if (!e.hostNetwork) withPods.add(e.namespace);
    const wanted: Direction[] = ctx.config.requireEgressIsolation ? ['ingress', 'egress'] : ['ingress'];
    const out: FindingDraft[] = [];
    const byNamespace = new Map<string, NetworkPolicy[]>();
    for (const p of ctx.inventory.policies) {
      if (only && !only.has(p.namespace)) continue;
      const l = byNamespace.get(p.namespace);
      if (l) l.push(p);
      else byNamespace.set(p.namespace, [p]);
    }
    for (const ns of [...withPods].sort()) {
      const policies = byNamespace.get(ns) ?? [];
      const namespace = ctx.inventory.namespaces.get(ns);
      // A cluster-wide or CNI policy that isolates the whole namespace counts as its default deny.
      const missing = wanted.filter((d) => !policies.some((p) => isDefaultDeny(p, d)) && !(namespace && layerDefaultDeny(ctx.analysis, namespace, d)));
      if (missing.length === 0) continue;
      const what = missing.length === 2 ? 'ingress or egress' : missing[0]!;
      out.push({
        object: namespaceObject(ctx, ns),
        message: `namespace ${ns} has no default-deny NetworkPolicy for ${what}: pods not selected by another policy are open${missing.length === 2 ? ' in both directions' : ` for ${missing[0]!}`}`,
        ...fixWithObjects(`Add to namespace ${ns}${missing.includes('egress') ? ' (an egress default-deny also blocks DNS: allow-dns-egress lets every pod resolve names)' : ''}:`, defaultDenyPolicies(ns, missing)),
      });
    }
    return out;
  },
});
