import type { PolicyRule } from '../model/networkpolicy.js';
import { resolvePorts } from '../netpol/analysis.js';
import { describeSelector, isEmptySelector } from '../netpol/selector.js';
import { ALL_PORTS, formatPorts } from '../netpol/ports.js';
import { defineCheck, type FindingDraft } from './types.js';
import { policyObject } from './segregation.js';

/** Does the rule admit every TCP port (whatever else)? A missing `ports` admits every port of every protocol. */
function everyPort(rule: PolicyRule): boolean {
  if (rule.ports === undefined) return true;
  const p = resolvePorts(rule.ports, undefined);
  return p === ALL_PORTS || (p.TCP.length === 2 && p.TCP[0] === 1 && p.TCP[1] === 65535);
}

/** Why a rule lets every peer through, or undefined when it does not. */
export function allowsAllReason(rule: PolicyRule): { peer: string; path: string } | undefined {
  if (!everyPort(rule)) return undefined;
  if (rule.peers === undefined) return { peer: 'every peer, in the cluster and outside', path: '' };
  for (const peer of rule.peers) {
    if (peer.kind === 'ipBlock') {
      if (peer.cidr.prefix === 0 && peer.except.length === 0) return { peer: `every address (ipBlock ${peer.cidr.text})`, path: `[${peer.index}].ipBlock` };
    } else if (peer.namespaceSelector && isEmptySelector(peer.namespaceSelector) && (!peer.podSelector || isEmptySelector(peer.podSelector))) {
      return { peer: 'every pod in every namespace (namespaceSelector: {})', path: `[${peer.index}].namespaceSelector` };
    }
  }
  return undefined;
}

export default defineCheck({
  id: 'seg-policy-allows-all',
  control: 'segregation',
  title: 'NetworkPolicy rule allows everything from everywhere',
  severity: 'high',
  policyReads: 'namespace',
  rationale:
    'A rule with no `from`/`to`, with `namespaceSelector: {}`, or with ipBlock 0.0.0.0/0, and no port restriction, admits every peer on every port. The selected pods are then as open as pods with no policy at all, while the policy gives the impression that they are protected.',
  fixSummary: 'Name the peers the selected pods really talk to, and the ports, instead of allowing everything.',
  requirements: ['PCI-DSS 1.3.1', 'PCI-DSS 1.4.1'],
  evidence: ['NetworkPolicy'],
  examples: {
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: payments
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all
  namespace: payments
spec:
  podSelector: {}
  policyTypes:
    - Ingress
  ingress:
    - {}
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: payments
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-checkout
  namespace: payments
spec:
  podSelector: {}
  policyTypes:
    - Ingress
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: checkout
      ports:
        - protocol: TCP
          port: 8443
`,
  },
  run(ctx): FindingDraft[] {
    const out: FindingDraft[] = [];
    for (const p of ctx.inventory.policies) {
      if (ctx.namespaces && !ctx.namespaces.has(p.namespace)) continue;
      for (const dir of ['ingress', 'egress'] as const) {
        if (!(dir === 'ingress' ? p.ingressType : p.egressType)) continue;
        for (const rule of dir === 'ingress' ? p.ingress : p.egress) {
          const why = allowsAllReason(rule);
          if (!why) continue;
          const field = dir === 'ingress' ? 'from' : 'to';
          const ports = rule.ports === undefined ? 'every port' : `ports ${formatPorts(resolvePorts(rule.ports, undefined)).join(', ')}`;
          const selected = isEmptySelector(p.podSelector) ? `every pod in namespace ${p.namespace}` : `pods ${describeSelector(p.podSelector)} in namespace ${p.namespace}`;
          out.push({
            object: policyObject(ctx, p),
            path: `spec.${dir}[${rule.index}]${why.path ? `.${field}${why.path}` : ''}`,
            severity: dir === 'ingress' ? 'high' : 'medium',
            message: `NetworkPolicy ${p.namespace}/${p.name} ${dir}[${rule.index}] ${dir === 'ingress' ? 'admits' : 'lets reach'} ${why.peer} on ${ports} ${dir === 'ingress' ? 'to' : 'from'} ${selected}`,
            fix: [
              `Replace spec.${dir}[${rule.index}] with the peers and ports actually needed (replace the <...> placeholders):`,
              `  ${dir}:`,
              `    - ${field}:`,
              `        - namespaceSelector:`,
              `            matchLabels:`,
              `              kubernetes.io/metadata.name: <${dir === 'ingress' ? 'client' : 'destination'} namespace>`,
              `          podSelector:`,
              `            matchLabels:`,
              `              app.kubernetes.io/name: <${dir === 'ingress' ? 'client' : 'destination'}>`,
              `      ports:`,
              `        - protocol: TCP`,
              `          port: <port>`,
              `For traffic from outside the cluster (a public load balancer), keep the ipBlock but list only the listener ports.`,
            ].join('\n'),
          });
        }
      }
    }
    return out;
  },
});
