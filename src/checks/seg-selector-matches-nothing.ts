import type { Labels } from '../model/labels.js';
import type { LabelSelector, NetworkPolicy } from '../model/networkpolicy.js';
import { describeSelector, isEmptySelector, matches, selectorKey } from '../netpol/selector.js';
import { NAMESPACE_NAME_LABEL } from '../model/labels.js';
import { CLUSTER_NAMESPACES } from '../model/inventory.js';
import { defineCheck, type CheckContext, type FindingDraft } from './types.js';
import { namespacesWithPods, nearMatchLabels, policyObject, selectsRuntimePods } from './segregation.js';

/** Does the selector match a namespace every cluster has (by its name label alone)? */
function matchesClusterNamespace(sel: LabelSelector): boolean {
  return CLUSTER_NAMESPACES.some((ns) => matches(sel, { [NAMESPACE_NAME_LABEL]: ns }));
}

const yamlLabels = (labels: Labels, indent: string): string[] => Object.keys(labels).sort().map((k) => `${indent}${k}: ${JSON.stringify(labels[k])}`);

/** The finding for a namespaceSelector that matches no namespace. */
function noNamespace(ctx: CheckContext, p: NetworkPolicy, at: string, sel: LabelSelector): FindingDraft {
  const all = [...ctx.inventory.namespaces.values()].sort((x, y) => (x.name < y.name ? -1 : 1));
  const near = nearMatchLabels(sel, all.map((n) => n.labels));
  const names = all.map((n) => n.name);
  return {
    object: policyObject(ctx, p),
    path: `${at}.namespaceSelector`,
    message: `NetworkPolicy ${p.namespace}/${p.name} ${at.replace(/^spec\./, '')}: namespaceSelector ${describeSelector(sel)} matches no namespace in the input, so this peer allows nothing`,
    fix: near
      ? [`Correct the selector (did you mean ${describeSelector({ matchLabels: near, matchExpressions: [] })}?):`, `        - namespaceSelector:`, `            matchLabels:`, ...yamlLabels(near, '              ')].join('\n')
      : [
          `Select the intended namespace by its name label, which every namespace has:`,
          `        - namespaceSelector:`,
          `            matchLabels:`,
          `              kubernetes.io/metadata.name: <one of: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''}>`,
          `or give that Namespace the label the selector expects:`,
          `kubectl label namespace <name> ${Object.entries(sel.matchLabels).map(([k, v]) => `${k}=${v}`).join(' ') || '<key>=<value>'}`,
        ].join('\n'),
  };
}

/** The finding for a podSelector that matches no pod in the namespaces it applies to. */
function noPod(ctx: CheckContext, p: NetworkPolicy, at: string, sel: LabelSelector, namespaces: readonly string[]): FindingDraft {
  const a = ctx.analysis;
  const all = namespaces.flatMap((ns) => a.classesMatching(ns, undefined));
  const near = nearMatchLabels(sel, all.map((c) => c.labels));
  const where = namespaces.length === 1 ? `namespace ${namespaces[0]!}` : `namespaces ${namespaces.join(', ')}`;
  return {
    object: policyObject(ctx, p),
    path: `${at}.podSelector`,
    message: `NetworkPolicy ${p.namespace}/${p.name} ${at.replace(/^spec\./, '')}: podSelector ${describeSelector(sel)} matches no pod in ${where}, so this peer allows nothing`,
    fix: near
      ? [`Correct the selector (did you mean ${describeSelector({ matchLabels: near, matchExpressions: [] })}?):`, `          podSelector:`, `            matchLabels:`, ...yamlLabels(near, '              ')].join('\n')
      : [
          `Make the podSelector match the intended pods' labels. Pods there carry, for example:`,
          ...all.slice(0, 3).map((c) => `  ${c.endpoints[0]!.workload}: ${describeSelector({ matchLabels: c.labels, matchExpressions: [] })}`),
          `e.g.:`,
          `          podSelector:`,
          `            matchLabels:`,
          `              app.kubernetes.io/name: <the pods' app.kubernetes.io/name>`,
        ].join('\n'),
  };
}

export default defineCheck({
  id: 'seg-selector-matches-nothing',
  control: 'segregation',
  title: 'NetworkPolicy peer selector matches no namespace or pod',
  severity: 'medium',
  policyReads: 'namespace',
  rationale:
    'A namespaceSelector that matches no namespace, or a podSelector that matches no pod, allows nothing: usually a typo in a label or a label the namespace never got. The flow it was written for is then blocked (an outage waiting to happen), or somebody "fixes" it later with a much broader rule. Pods that controllers create at run time (cert-manager\'s HTTP-01 solvers) are not reported.',
  fixSummary: 'Correct the selector so that it matches the intended namespace or pods (or add the missing label to them).',
  requirements: ['PCI-DSS 1.3.1'],
  evidence: ['NetworkPolicy'],
  examples: {
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: orders-db
---
apiVersion: v1
kind: Namespace
metadata:
  name: checkout
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-checkout
  namespace: orders-db
spec:
  podSelector: {}
  policyTypes:
    - Ingress
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: checkuot
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: orders-db
---
apiVersion: v1
kind: Namespace
metadata:
  name: checkout
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-checkout
  namespace: orders-db
spec:
  podSelector: {}
  policyTypes:
    - Ingress
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: checkout
`,
  },
  run(ctx): FindingDraft[] {
    const a = ctx.analysis;
    const withPods = namespacesWithPods(ctx);
    const out: FindingDraft[] = [];
    /** Per selector pair: null when some visible namespace has a match, else the visible namespaces (none match). */
    const verdicts = new Map<string, string[] | null>();
    for (const p of ctx.inventory.policies) {
      if (ctx.namespaces && !ctx.namespaces.has(p.namespace)) continue;
      for (const dir of ['ingress', 'egress'] as const) {
        // Rules of a direction that is not among the effective policyTypes are ignored by Kubernetes.
        if (!(dir === 'ingress' ? p.ingressType : p.egressType)) continue;
        const field = dir === 'ingress' ? 'from' : 'to';
        for (const rule of dir === 'ingress' ? p.ingress : p.egress) {
          for (const peer of rule.peers ?? []) {
            if (peer.kind !== 'selector') continue;
            const at = `spec.${dir}[${rule.index}].${field}[${peer.index}]`;
            // Without a namespaceSelector the peer is in the policy's own namespace.
            const nsSel = peer.namespaceSelector;
            const namespaces = nsSel ? a.namespacesMatching(nsSel) : undefined;
            // kube-system, default… exist in every cluster even when the input leaves them out (the DNS egress rule).
            if (nsSel && namespaces!.length === 0 && matchesClusterNamespace(nsSel)) continue;
            if (nsSel && namespaces!.length === 0) {
              out.push(noNamespace(ctx, p, at, nsSel));
              continue;
            }
            const sel = peer.podSelector;
            if (!sel || isEmptySelector(sel) || selectsRuntimePods(sel)) continue;
            // Only namespaces whose workloads are in the input can show that nothing matches. A selector
            // pair is judged once (many policies repeat it), stopping at the first namespace with a match.
            const key = nsSel ? `${selectorKey(nsSel)}|${selectorKey(sel)}` : `${p.namespace}\u0000${selectorKey(sel)}`;
            let visible = verdicts.get(key);
            if (visible === undefined) {
              visible = [];
              for (const ns of namespaces ? namespaces.map((n) => n.name) : [p.namespace]) {
                if (!withPods.has(ns)) continue;
                if (a.classesMatching(ns, sel).length > 0) {
                  visible = null;
                  break;
                }
                visible.push(ns);
              }
              verdicts.set(key, visible);
            }
            if (visible === null || visible.length === 0) continue;
            out.push(noPod(ctx, p, at, sel, visible));
          }
        }
      }
    }
    return out;
  },
});
