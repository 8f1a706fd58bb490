/**
 * Policy layers: the policies besides networking.k8s.io/v1 NetworkPolicy that a
 * cluster enforces, in one normal form the engine evaluates in order.
 *
 * Each direction of a connection (egress at the source, ingress at the
 * destination) runs through tiers by order; inside a tier, through the policies
 * that select the endpoint by order, and their rules in written order. The first
 * matching rule decides: allow, deny, pass (to the next tier) or log (go on). A
 * tier that applies to the endpoint but decides nothing applies its default action.
 * No decision at all: allowed.
 *
 * Where the kinds sit (Calico 3.32's tiers, which upstream's admin → NetworkPolicy →
 * baseline precedence is a special case of):
 *   admin tier    order 1,000       default Pass   ClusterNetworkPolicy tier Admin, AdminNetworkPolicy (order = priority)
 *   user tiers    their own order   default Deny unless the Tier says Pass
 *   default tier  order 1,000,000   default Deny   NetworkPolicy v1 (order 1000), Calico policies without a tier
 *   baseline tier order 10,000,000  default Pass   ClusterNetworkPolicy tier Baseline, BaselineAdminNetworkPolicy (order 1000)
 */
import { calicoSelectorKeys, type CalicoSelector } from './calico-selector.js';
import type { Cidr } from './ip.js';
import type { LabelSelector, Protocol } from './networkpolicy.js';
import type { SourceRef } from './source.js';

export type LayerAction = 'allow' | 'deny' | 'pass' | 'log';

/** What selects endpoints: a Kubernetes label selector, a Calico selector or a Cilium one (already split into namespace and pod parts). */
export type EndpointPredicate =
  | { readonly kind: 'k8s'; readonly selector: LabelSelector }
  | { readonly kind: 'calico'; readonly selector: CalicoSelector }
  /** Cilium: a label selector over pod labels plus the namespace, its labels and the service account (see layers-cilium.ts). */
  | { readonly kind: 'cilium'; readonly selector: LabelSelector };

/** Which namespaces a pod match looks in. */
export type NamespaceScope =
  | { readonly kind: 'own'; readonly namespace: string }
  | { readonly kind: 'all' }
  | { readonly kind: 'selector'; readonly selector: EndpointPredicate };

/** Pods by namespace and labels (and, for Calico, service account). */
export interface PodMatch {
  readonly namespaces: NamespaceScope;
  /** Absent: every pod of those namespaces. */
  readonly pods?: EndpointPredicate;
  /** Calico `serviceAccounts`: names and/or a selector over the service account's labels. */
  readonly serviceAccounts?: { readonly names: readonly string[]; readonly selector?: CalicoSelector };
}

/** An address block: `cidr` less every `except`. */
export interface NetBlock {
  readonly cidr: Cidr;
  readonly except: readonly Cidr[];
}

/**
 * One peer of a rule (the entries of `from`/`to` are OR-ed). Its criteria are AND-ed;
 * a peer with no criterion at all matches every source or destination.
 */
export interface LayerPeer {
  /** Field path inside the rule, e.g. `from[1]`. */
  readonly path: string;
  /** How explanations name it: `namespaces {team: a}`, `nets 10.0.0.0/8`. */
  readonly text: string;
  readonly pods?: PodMatch;
  /** Calico `notSelector`: pods it matches are excluded. */
  readonly notPods?: PodMatch;
  readonly nets?: readonly NetBlock[];
  readonly notNets?: readonly NetBlock[];
  /** Whether `nets` also match pods by their IP (ANP `networks`, Calico `nets`: yes). */
  readonly netsMatchPods: boolean;
  /** Every pod / every address outside the cluster (Cilium entities). */
  readonly allPods?: boolean;
  readonly allExternal?: boolean;
  /** A peer that cannot be judged from manifests (nodes, domain names, FQDNs): it matches nothing here, and says so. */
  readonly depends?: string;
  /**
   * A Cilium `toServices` entry, still to be resolved against the input's Services and
   * their endpoints (resolveCiliumServicePeers, when the inventory is built). Until then
   * it is the `depends` it carries; the engine never sees one.
   */
  readonly service?: ServiceRef;
  /**
   * A Calico `services` match (a destination of an egress rule, or a source of an ingress
   * rule), still to be resolved against the input's Services and their EndpointSlices
   * (resolveCalicoServicePeers, when the inventory is built). Until then it is the
   * `depends` it carries; the engine never sees one.
   */
  readonly calicoService?: CalicoServiceRef;
}

/** A Service a Calico rule names: always by name and namespace (Calico's validation asks for both where it must). */
export interface CalicoServiceRef {
  readonly namespace: string;
  readonly name: string;
  /** `destination` (egress): the endpoints' addresses on their ports; `source` (ingress): their addresses. */
  readonly side: 'destination' | 'source';
}

/** A Service named in a rule: by name, or by a selector on the Service's own labels; no namespace: any. */
export interface ServiceRef {
  readonly name?: string;
  readonly selector?: LabelSelector;
  readonly namespace?: string;
}

export interface LayerPort {
  /** Absent: every protocol (a named port takes its container port's protocol). */
  readonly protocol?: Protocol;
  readonly port?: number;
  readonly endPort?: number;
  readonly name?: string;
}

export interface LayerRule {
  /** Index in the policy's ingress/egress list (Cilium: in its section). */
  readonly index: number;
  readonly name?: string;
  /** Field path in the object, for file:line: `spec.ingress[0]`. */
  readonly path: string;
  readonly action: LayerAction;
  /** Undefined: every peer. */
  readonly peers?: readonly LayerPeer[];
  /** Calico: the rule's constraint on the policy's own endpoint (ingress `destination`, egress `source`). */
  readonly self?: PodMatch;
  /** Calico: that side's `notSelector`: the rule does not apply to endpoints it matches. */
  readonly selfNot?: PodMatch;
  /** Calico: the same side's `nets` / `notNets`, on the endpoint's own address. */
  readonly selfNets?: readonly NetBlock[];
  readonly selfNotNets?: readonly NetBlock[];
  /** Undefined: every port and protocol. */
  readonly ports?: readonly LayerPort[];
  readonly notPorts?: readonly LayerPort[];
  /** Calico `protocol`/`notProtocol` narrowed to TCP/UDP/SCTP (an empty list: a rule for other protocols, e.g. ICMP). */
  readonly protocols?: readonly Protocol[];
  /** Calico `ipVersion`. */
  readonly family?: 4 | 6;
  /** What the engine does not decide but the dataplane filters further (L7 rules). */
  readonly note?: string;
}

export type LayerKind =
  | 'AdminNetworkPolicy'
  | 'BaselineAdminNetworkPolicy'
  | 'ClusterNetworkPolicy'
  | 'CalicoNetworkPolicy'
  | 'GlobalNetworkPolicy'
  | 'CiliumNetworkPolicy'
  | 'CiliumClusterwideNetworkPolicy';

export interface LayerPolicy {
  readonly kind: LayerKind;
  /** The kind as written (`StagedGlobalNetworkPolicy`, `NetworkPolicy`). */
  readonly objectKind: string;
  readonly apiVersion: string;
  readonly name: string;
  readonly namespace?: string;
  readonly source: SourceRef;
  /** The tier's name (built-in: ADMIN_TIER, DEFAULT_TIER, BASELINE_TIER). */
  readonly tier: string;
  /** Order inside the tier; undefined: after every ordered policy. */
  readonly order?: number;
  /** Ties of order are broken by this name, as Calico does. */
  readonly sortName: string;
  readonly subject: PodMatch;
  /** Undefined: the policy does not apply to that direction. */
  readonly ingress?: readonly LayerRule[];
  readonly egress?: readonly LayerRule[];
  /** Whether selecting an endpoint makes the tier apply (its default action) in that direction. */
  readonly defaultDenyIngress: boolean;
  readonly defaultDenyEgress: boolean;
  /** Staged policies are not enforced: reported as what would change. */
  readonly staged: boolean;
  /** `ClusterNetworkPolicy deny-tenants (Admin tier, priority 10)` */
  readonly label: string;
}

export interface LayerTier {
  readonly name: string;
  readonly order: number;
  readonly defaultAction: 'deny' | 'pass';
  /** How explanations name it: `admin tier`, `Calico tier security (order 100)`. */
  readonly label: string;
  readonly source?: SourceRef;
}

export const ADMIN_TIER = 'kube-admin';
export const DEFAULT_TIER = 'default';
export const BASELINE_TIER = 'kube-baseline';

/** The built-in tiers (Calico 3.32; older Calico names the admin and baseline tiers adminnetworkpolicy / baselineadminnetworkpolicy). */
export const BUILTIN_TIERS: readonly LayerTier[] = [
  { name: ADMIN_TIER, order: 1_000, defaultAction: 'pass', label: 'Admin tier' },
  { name: DEFAULT_TIER, order: 1_000_000, defaultAction: 'deny', label: 'NetworkPolicy tier (Calico default tier)' },
  { name: BASELINE_TIER, order: 10_000_000, defaultAction: 'pass', label: 'Baseline tier' },
];

/** Calico's older names for the built-in tiers. */
export const TIER_ALIASES: Readonly<Record<string, string>> = {
  adminnetworkpolicy: ADMIN_TIER,
  baselineadminnetworkpolicy: BASELINE_TIER,
};

/** The order Kubernetes NetworkPolicies have inside the default tier. */
export const K8S_NETWORKPOLICY_ORDER = 1000;

/** Policy kinds some CNI or mesh enforces that meshless does not evaluate: counted and warned, never silently used. */
export const UNEVALUATED_POLICY_KINDS: readonly { readonly group: string; readonly kinds: readonly string[]; readonly who: string }[] = [
  { group: 'crd.antrea.io', kinds: ['NetworkPolicy', 'ClusterNetworkPolicy', 'ClusterGroup', 'Group', 'Tier'], who: 'Antrea' },
  { group: 'k8s.ovn.org', kinds: ['EgressFirewall', 'EgressQoS', 'AdminPolicyBasedExternalRoute'], who: 'OVN-Kubernetes' },
  { group: 'security.istio.io', kinds: ['AuthorizationPolicy', 'PeerAuthentication'], who: 'Istio' },
  { group: 'policy.linkerd.io', kinds: ['AuthorizationPolicy', 'Server', 'ServerAuthorization', 'NetworkAuthentication', 'MeshTLSAuthentication'], who: 'Linkerd' },
  { group: 'cilium.io', kinds: ['CiliumCIDRGroup'], who: 'Cilium' },
  { group: 'projectcalico.org', kinds: ['NetworkSet', 'GlobalNetworkSet', 'HostEndpoint', 'StagedKubernetesNetworkPolicy'], who: 'Calico' },
  { group: 'crd.projectcalico.org', kinds: ['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy', 'Tier'], who: 'Calico (its storage CRDs: apply through projectcalico.org/v3)' },
  { group: 'networking.gke.io', kinds: ['FQDNNetworkPolicy'], who: 'GKE' },
];

/** The layers an Inventory holds. */
export interface Layers {
  readonly policies: readonly LayerPolicy[];
  /** User tiers (Calico Tier objects); the built-in ones are added by the engine. */
  readonly tiers: readonly LayerTier[];
  /** Objects of known policy kinds that no layer evaluates. */
  readonly unevaluated: readonly UnevaluatedPolicies[];
  /**
   * Protocols the CNI's datapath drops to and from every pod before any policy is looked
   * at (Cilium without SCTP support, see ciliumDatapath): no policy can allow them.
   */
  readonly dropped?: readonly DroppedProtocol[];
}

/** A protocol the datapath drops whatever the policies say, and why (said in explanations). */
export interface DroppedProtocol {
  readonly protocol: Protocol;
  /** `Cilium drops SCTP ...: <the evidence or the assumption>`. */
  readonly reason: string;
  /** The object that says so (the CNI's configuration), when the input has it. */
  readonly source?: SourceRef;
}

export interface UnevaluatedPolicies {
  readonly kind: string;
  readonly group: string;
  readonly who: string;
  readonly count: number;
  readonly sources: readonly SourceRef[];
}

export const NO_LAYERS: Layers = { policies: [], tiers: [], unevaluated: [] };

/** The label keys a policy's selectors read (to know whether service accounts must tell pods apart). */
export function policySelectorKeys(p: LayerPolicy): Set<string> {
  const out = new Set<string>();
  const visit = (m: PodMatch | undefined): void => {
    if (!m) return;
    const pred = m.pods;
    if (pred?.kind === 'calico') calicoSelectorKeys(pred.selector, out);
    else if (pred) {
      for (const k of Object.keys(pred.selector.matchLabels)) out.add(k);
      for (const r of pred.selector.matchExpressions) out.add(r.key);
    }
    if (m.serviceAccounts) out.add('projectcalico.org/serviceaccount');
  };
  visit(p.subject);
  for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) {
    visit(r.self);
    for (const peer of r.peers ?? []) {
      visit(peer.pods);
      visit(peer.notPods);
    }
  }
  return out;
}
