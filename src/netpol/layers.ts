/**
 * The policy layers compiled over the engine's classes: for each class and
 * direction that some cluster-wide or CNI policy selects, a **program** — the
 * tiers that apply to it, in order, each with its rules (compiled to grants) in
 * evaluation order. NetworkPolicy v1 rules take their place in the default tier.
 *
 * A class no layer selects in a direction keeps the plain v1 evaluation (the union
 * of its policies' rules), which is what the program would give it anyway.
 */
import type { Namespace } from '../model/inventory.js';
import type { Labels } from '../model/labels.js';
import { matchesCalico, formatCalicoSelector } from '../model/calico-selector.js';
import { BUILTIN_TIERS, DEFAULT_TIER, K8S_NETWORKPOLICY_ORDER, type EndpointPredicate, type LayerPolicy, type LayerPort, type LayerRule, type LayerTier, type NamespaceScope, type PodMatch } from '../model/layers.js';
import type { ContainerPort } from '../model/workloads.js';
import type { Diagnostic } from '../model/diagnostics.js';
import { CILIUM_NAMESPACE_KEY, CILIUM_NAMESPACE_LABELS, CILIUM_SERVICE_ACCOUNT_KEY } from '../model/layers-cilium.js';
import { ALL_PORTS, EMPTY_PORTS, allOfProtocol, intersect, portRange, subtract, union, type PortSet } from './ports.js';
import { matches, matchesLookup, selectorKey } from './selector.js';

export interface Segment {
  /** Index in the analysis' tiers. */
  readonly tier: number;
  /** Some policy of the tier selects the class with a default deny in this direction: the tier's default action applies. */
  readonly applies: boolean;
  /** Grant ids in evaluation order. */
  readonly grants: readonly number[];
}

export interface Program {
  readonly id: number;
  readonly segments: readonly Segment[];
  /** Whether a peer that no rule names can get anything (decides which peers must be tried). */
  open: boolean;
  /** Whether some applying tier denies by default, or nothing gets through to an unnamed peer: the class is isolated. */
  isolated: boolean;
  /**
   * The grants that can let a peer through when the program is closed (rolePairs tries only
   * the peers they name): the allow rules that do not admit every peer, and the pass rules
   * that do not, in tiers after which an unnamed peer could still get something.
   */
  candidateGrants: readonly number[];
}

/** The tiers in evaluation order: the built-in ones and the input's Calico Tiers. */
export function orderedTiers(user: readonly LayerTier[], diagnostics: Diagnostic[]): LayerTier[] {
  const byName = new Map<string, LayerTier>();
  for (const t of BUILTIN_TIERS) byName.set(t.name, t);
  for (const t of user) {
    const builtin = BUILTIN_TIERS.find((b) => b.name === t.name);
    if (builtin) {
      // A built-in tier's order is fixed; its object may set the default action.
      byName.set(t.name, { ...builtin, defaultAction: t.defaultAction });
      continue;
    }
    byName.set(t.name, t);
  }
  const tiers = [...byName.values()].sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < tiers.length; i++) {
    if (tiers[i]!.order === tiers[i - 1]!.order && tiers[i]!.source) {
      diagnostics.push({ severity: 'warning', code: 'tier-order-tie', message: `${tiers[i]!.label} has the same order as ${tiers[i - 1]!.label}; Calico orders them by name`, source: tiers[i]!.source! });
    }
  }
  return tiers;
}

/** A policy's place: tier, order (missing = last), then name. */
export interface PlacedEntry {
  readonly tierIndex: number;
  readonly order: number;
  readonly name: string;
}

export function compareEntries(a: PlacedEntry, b: PlacedEntry): number {
  return a.tierIndex - b.tierIndex || a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

export const V1_ENTRY_ORDER = K8S_NETWORKPOLICY_ORDER;
export const V1_TIER = DEFAULT_TIER;

/** Labels as Calico sees a pod: its own plus the synthetic ones Calico adds. */
export function calicoPodLookup(labels: Labels, ns: Namespace, serviceAccount: string | undefined): (k: string) => string | undefined {
  return (k) => {
    const own = labels[k];
    if (own !== undefined) return own;
    if (k === 'projectcalico.org/namespace') return ns.name;
    if (k === 'projectcalico.org/orchestrator') return 'k8s';
    if (k === 'projectcalico.org/serviceaccount') return serviceAccount;
    if (k.startsWith('pcns.')) return ns.labels[k.slice(5)];
    return undefined;
  };
}

export function calicoNamespaceLookup(ns: Namespace): (k: string) => string | undefined {
  return (k) => (k === 'projectcalico.org/name' ? ns.name : ns.labels[k]);
}

export function predicateKey(p: EndpointPredicate | undefined): string {
  if (!p) return '*';
  return p.kind === 'calico' ? `c:${formatCalicoSelector(p.selector)}` : `${p.kind === 'k8s' ? 'k' : 'i'}:${selectorKey(p.selector)}`;
}

/**
 * The labels a Cilium selector sees on a pod, as a lookup (no object per pod and
 * selector): its own, its namespace's name, the namespace's labels under
 * `io.cilium.k8s.namespace.labels.`, its service account. The synthetic keys win
 * over a pod label of the same name, as in the identity Cilium builds.
 */
export function ciliumLookup(labels: Labels, ns: Namespace, serviceAccount: string | undefined): (k: string) => string | undefined {
  return (k) => {
    if (k === CILIUM_NAMESPACE_KEY) return ns.name;
    if (k === CILIUM_SERVICE_ACCOUNT_KEY && serviceAccount !== undefined) return serviceAccount;
    if (k.startsWith(CILIUM_NAMESPACE_LABELS)) {
      const nk = k.slice(CILIUM_NAMESPACE_LABELS.length);
      if (Object.prototype.hasOwnProperty.call(ns.labels, nk)) return ns.labels[nk];
    }
    return Object.prototype.hasOwnProperty.call(labels, k) ? labels[k] : undefined;
  };
}

export function scopeKey(s: NamespaceScope): string {
  return s.kind === 'own' ? `own:${s.namespace}` : s.kind === 'all' ? 'all' : `sel:${predicateKey(s.selector)}`;
}

export function podMatchKey(m: PodMatch): string {
  const sa = m.serviceAccounts ? `|sa:${m.serviceAccounts.names.join(',')}:${m.serviceAccounts.selector ? formatCalicoSelector(m.serviceAccounts.selector) : ''}` : '';
  return `${scopeKey(m.namespaces)}|${predicateKey(m.pods)}${sa}`;
}

export function namespaceMatches(p: EndpointPredicate, ns: Namespace): boolean {
  return p.kind === 'calico' ? matchesCalico(p.selector, calicoNamespaceLookup(ns)) : matches(p.selector, ns.labels);
}

export function podMatches(p: EndpointPredicate, labels: Labels, ns: Namespace, serviceAccount: string | undefined): boolean {
  if (p.kind === 'k8s') return matches(p.selector, labels);
  if (p.kind === 'cilium') return matchesLookup(p.selector, ciliumLookup(labels, ns, serviceAccount));
  return matchesCalico(p.selector, calicoPodLookup(labels, ns, serviceAccount));
}

function portsOfEntry(e: LayerPort, dstPorts: readonly ContainerPort[] | undefined): PortSet {
  if (e.name !== undefined) {
    let acc = EMPTY_PORTS;
    // A named port resolves at the destination pod; without a protocol it takes the container port's.
    for (const cp of dstPorts ?? []) if (cp.name === e.name && (!e.protocol || cp.protocol === e.protocol)) acc = union(acc, portRange(cp.protocol, cp.port));
    return acc;
  }
  if (e.port !== undefined) {
    if (e.protocol) return portRange(e.protocol, e.port, e.endPort ?? e.port);
    return union(union(portRange('TCP', e.port, e.endPort ?? e.port), portRange('UDP', e.port, e.endPort ?? e.port)), portRange('SCTP', e.port, e.endPort ?? e.port));
  }
  return e.protocol ? allOfProtocol(e.protocol) : ALL_PORTS;
}

/** The ports a layer rule covers at a destination with these container ports. */
export function resolveLayerPorts(rule: LayerRule, dstPorts: readonly ContainerPort[] | undefined): PortSet {
  let acc = ALL_PORTS;
  if (rule.ports) {
    acc = EMPTY_PORTS;
    for (const e of rule.ports) acc = union(acc, portsOfEntry(e, dstPorts));
  }
  if (rule.protocols) {
    let allowed = EMPTY_PORTS;
    for (const p of rule.protocols) allowed = union(allowed, allOfProtocol(p));
    acc = intersect(acc, allowed);
  }
  if (rule.notPorts) {
    let not = EMPTY_PORTS;
    for (const e of rule.notPorts) not = union(not, portsOfEntry(e, dstPorts));
    acc = subtract(acc, not);
  }
  return acc;
}

export function layerRuleHasNamedPorts(rule: LayerRule): boolean {
  return [...(rule.ports ?? []), ...(rule.notPorts ?? [])].some((p) => p.name !== undefined);
}

/**
 * Does selecting an endpoint make this policy isolate it in the direction? It has a
 * section for the direction with a default deny, in a tier whose default action is Deny
 * (a tier missing from `tiers` behaves as Calico's default: Deny). The engine, the audit
 * and the guard all judge coverage by this.
 */
export function isolatesWhatItSelects(p: LayerPolicy, tiers: readonly LayerTier[], dir: 'ingress' | 'egress'): boolean {
  if (p.staged || !p[dir] || !(dir === 'ingress' ? p.defaultDenyIngress : p.defaultDenyEgress)) return false;
  const tier = tiers.find((t) => t.name === p.tier) ?? BUILTIN_TIERS.find((t) => t.name === p.tier);
  return !tier || tier.defaultAction === 'deny';
}
