/**
 * NetworkPolicies for the new edge: wherever a policy admitted the ingress-nginx
 * controller's pods, it admits the new edge's pods instead (same rule, same
 * ports), so the edge reaches exactly the backends the controller reached; the
 * edge's own namespace gets the egress (to those backends and oauth2-proxy) and
 * ingress (from clients) it needs when it isolates its pods; oauth2-proxy is
 * admitted only from the edge.
 *
 * NetworkPolicies are additive (networking.k8s.io/v1): a rewritten policy must
 * replace the original, under the same namespace and name, or the controller's
 * peer would stay allowed by it.
 */
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { Endpoint } from '../model/workloads.js';
import { isRecord } from '../model/json.js';
import { matches } from '../netpol/selector.js';
import { field, findService, list, nameOf, nsOf, ofKind, selectorOf } from '../exposure/index.js';
import type { Obj } from '../generate/platform.js';
import type { Doc } from '../generate/yaml.js';
import type { IngressPlan } from './read.js';
import { MANAGED, MIGRATED_FROM, objectName, type EdgePods } from './types.js';

const NS_LABEL = 'kubernetes.io/metadata.name';

function nsLabels(inv: Inventory, ns: string): Readonly<Record<string, string>> {
  return inv.namespaces.get(ns)?.labels ?? { [NS_LABEL]: ns };
}

/** Does a `from` peer name the controller's pods specifically (not every pod of a namespace)? */
function namesController(inv: Inventory, peer: unknown, policyNs: string, controller: readonly Endpoint[]): boolean {
  if (!isRecord(peer) || peer['ipBlock'] !== undefined || !isRecord(peer['podSelector'])) return false;
  const pod = selectorOf(peer['podSelector']);
  if (Object.keys(pod.matchLabels).length === 0 && pod.matchExpressions.length === 0) return false;
  const nsSel = peer['namespaceSelector'];
  return controller.some((e) => matches(pod, e.labels) && (nsSel === undefined ? e.namespace === policyNs : matches(selectorOf(nsSel), nsLabels(inv, e.namespace))));
}

export function edgePeer(edge: EdgePods): Obj {
  return { namespaceSelector: { matchLabels: { [NS_LABEL]: edge.namespace } }, podSelector: { matchLabels: { ...edge.labels } } };
}

/** The container ports a Service sends to, on the pods it selects. */
export function targetPorts(inv: Inventory, ns: string, service: string, port: number): { selector: Record<string, string>; ports: number[] } | undefined {
  const svc = findService(inv, ns, service);
  if (!svc) return undefined;
  const sel = field(svc.object, 'spec', 'selector');
  if (!isRecord(sel)) return undefined;
  const selector: Record<string, string> = {};
  for (const [k, v] of Object.entries(sel)) if (typeof v === 'string') selector[k] = v;
  if (Object.keys(selector).length === 0) return undefined;
  const sp = list(field(svc.object, 'spec', 'ports')).find((p) => field(p, 'port') === port);
  const target = field(sp, 'targetPort') ?? port;
  const ports = new Set<number>();
  if (typeof target === 'number') ports.add(target);
  else if (typeof target === 'string' && /^\d+$/.test(target)) ports.add(Number(target));
  else if (typeof target === 'string') {
    for (const e of inv.endpoints) {
      if (e.namespace !== ns || !Object.entries(selector).every(([k, v]) => e.labels[k] === v)) continue;
      for (const cp of e.ports) if (cp.name === target) ports.add(cp.port);
    }
  }
  return ports.size > 0 ? { selector, ports: [...ports].sort((a, b) => a - b) } : undefined;
}

function policy(name: string, ns: string, from: string, spec: Obj): Obj {
  const np: INetworkPolicy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns, labels: { ...MANAGED }, annotations: { [MIGRATED_FROM]: from } }, spec: spec as unknown as NonNullable<INetworkPolicy["spec"]> };
  return np as unknown as Obj;
}

export interface PolicyPlan {
  readonly docs: Doc[];
  /** Input NetworkPolicies the docs replace (same namespace and name). */
  readonly replaced: LoadedObject[];
}

export function migratePolicies(inv: Inventory, controller: readonly Endpoint[], edge: EdgePods, plans: readonly IngressPlan[]): PolicyPlan {
  const docs: Doc[] = [];
  const replaced: LoadedObject[] = [];
  const peer = edgePeer(edge);
  for (const np of ofKind(inv, 'NetworkPolicy')) {
    if (np.object.apiVersion !== 'networking.k8s.io/v1') continue;
    const ns = nsOf(np);
    const rawIngress = list(field(np.object, 'spec', 'ingress'));
    const ingress = rawIngress.map((rule) => {
      if (!isRecord(rule)) return rule;
      const from = list(rule['from']);
      if (!from.some((p) => namesController(inv, p, ns, controller))) return rule;
      const out: unknown[] = [];
      const seen = new Set<string>();
      for (const p of from) {
        const next = namesController(inv, p, ns, controller) ? peer : p;
        const k = JSON.stringify(next);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(next);
      }
      return { ...rule, from: out };
    });
    if (ingress.every((r, i) => r === rawIngress[i])) continue;
    replaced.push(np);
    const { metadata } = np.object;
    docs.push({
      comment: `Replaces NetworkPolicy ${ns}/${nameOf(np)} (${np.source.file}:${np.source.line}): the peer that admitted the ingress-nginx controller admits the new edge's pods (${edge.namespace}) instead, on the same ports.`,
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { ...(metadata as object), name: nameOf(np), namespace: ns, annotations: { ...(metadata.annotations ?? {}), [MIGRATED_FROM]: `NetworkPolicy ${ns}/${nameOf(np)}` } },
        spec: { ...(field(np.object, 'spec') as object), ingress },
      },
    });
  }

  // Backends and authentication services the edge must reach.
  const targets = new Map<string, { ns: string; selector: Record<string, string>; ports: Set<number> }>();
  const auth = new Map<string, { ns: string; name: string; selector: Record<string, string>; ports: Set<number> }>();
  for (const p of plans) {
    for (const h of p.hosts) for (const r of h.paths) {
      const t = targetPorts(inv, p.namespace, r.service, r.port);
      if (!t) continue;
      const key = `${p.namespace}|${JSON.stringify(t.selector)}`;
      const cur = targets.get(key) ?? targets.set(key, { ns: p.namespace, selector: t.selector, ports: new Set() }).get(key)!;
      for (const x of t.ports) cur.ports.add(x);
    }
    const s = p.auth?.service;
    if (s) {
      const t = targetPorts(inv, s.namespace, s.name, s.port);
      if (!t) continue;
      const key = `${s.namespace}/${s.name}`;
      const cur = auth.get(key) ?? auth.set(key, { ns: s.namespace, name: s.name, selector: t.selector, ports: new Set() }).get(key)!;
      for (const x of t.ports) cur.ports.add(x);
    }
  }
  const isolatedBy = (type: 'ingressType' | 'egressType'): boolean => inv.policies.some((np) => np.namespace === edge.namespace && np[type] && matches(np.podSelector, edge.labels));
  const tcp = (ports: Iterable<number>): Obj[] => [...ports].sort((a, b) => a - b).map((port) => ({ protocol: 'TCP', port }));
  // A new edge (not in the input) is isolated here from the start: it reaches only what the controller served.
  if (isolatedBy('egressType') || !edge.inInput) {
    const to: Obj[] = [...targets.values(), ...auth.values()]
      .sort((a, b) => (`${a.ns}${JSON.stringify(a.selector)}` < `${b.ns}${JSON.stringify(b.selector)}` ? -1 : 1))
      .map((t) => ({ to: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: t.ns } }, podSelector: { matchLabels: { ...t.selector } } }], ports: tcp(t.ports) }));
    if (!edge.inInput) to.push({ to: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] });
    docs.push({
      comment: `The edge's pods ${edge.inInput ? 'are isolated for egress' : 'are new'} in ${edge.namespace}: they may reach the backends the Ingresses named (the container ports their Services send to) and oauth2-proxy${edge.inInput ? '' : ', and DNS. The proxy also talks to its control plane (Envoy Gateway xDS on 18000, or the Kubernetes API for Traefik): add that destination for your cluster'}.`,
      object: policy(objectName(edge.name, 'to-backends'), edge.namespace, 'ingress-nginx', { podSelector: { matchLabels: { ...edge.labels } }, policyTypes: ['Egress'], egress: to }),
    });
  }
  if (isolatedBy('ingressType')) {
    docs.push({
      comment: `The edge's pods are isolated for ingress in ${edge.namespace}: clients (through the load balancer) reach their listener ports.`,
      object: policy(objectName(edge.name, 'from-clients'), edge.namespace, 'ingress-nginx', {
        podSelector: { matchLabels: { ...edge.labels } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: tcp(edge.ports.map((p) => p.port)) }],
      }),
    });
  }
  for (const a of [...auth.values()].sort((x, y) => (`${x.ns}/${x.name}` < `${y.ns}/${y.name}` ? -1 : 1))) {
    docs.push({
      comment: `oauth2-proxy (${a.ns}/${a.name}) answers the edge's authentication checks: only the edge's pods may reach it${replaced.some((r) => nsOf(r) === a.ns) ? ' (the rewritten policies above no longer admit the controller)' : ''}.`,
      object: policy(objectName(a.name, 'from-edge'), a.ns, 'ingress-nginx auth-url', {
        podSelector: { matchLabels: { ...a.selector } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [peer], ports: tcp(a.ports) }],
      }),
    });
  }
  return { docs, replaced };
}
