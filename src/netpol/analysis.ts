/**
 * The NetworkPolicy engine: who may talk to whom, exactly.
 *
 * Kubernetes semantics (networking.k8s.io/v1):
 * - A pod is isolated for ingress (egress) iff some policy in its namespace selects
 *   it and has Ingress (Egress) among its effective policyTypes.
 * - Policies are additive: an isolated pod accepts what the union of the rules of
 *   the policies selecting it allows. There are no deny rules.
 * - A connection needs egress allowed at the source AND ingress allowed at the
 *   destination.
 *
 * Cost does not follow pods²: endpoints with the same namespace, labels, container
 * ports and ipBlock memberships behave identically, so they are grouped into
 * classes; classes that every policy treats alike are grouped again into roles
 * (one for each side of a connection), and connectivity is computed on roles.
 */
import { MeshlessError } from '../model/errors.js';
import { endpointsMadeAlike, sameNamespaces, type Inventory, type Namespace } from '../model/inventory.js';
import type { Labels } from '../model/labels.js';
import { labelsKey } from '../model/labels.js';
import { parseCidr, parseIp, type Cidr, type IpFamily } from '../model/ip.js';
import type { NetworkPolicy, PolicyPort, PolicyRule, Protocol } from '../model/networkpolicy.js';
import type { ContainerPort, Endpoint } from '../model/workloads.js';
import type { Diagnostic } from '../model/diagnostics.js';
import { explain, type Explanation, type PortQuery } from './explain.js';
import { inferPodNetwork } from './podcidr.js';
import { sortedEquals, sortedHas, sortedHash, sortedSetOf, type SortedSet } from './bitset.js';
import { ALL_PORTS, allOfProtocol, EMPTY_PORTS, hasPort, intersect, isEmpty, portRange, union, type PortSet } from './ports.js';
import { matches, selectorKey } from './selector.js';
import { containsIp, coversIp, externalAtoms, ipBlockSet, ipSetOf, isEmptyIp, subtract, unionIp, type ExternalAtom, type IpSet } from './ipset.js';
import { subtract as subtractPorts } from './ports.js';
import type { LayerAction, LayerPeer, LayerPolicy, LayerRule, LayerTier, PodMatch } from '../model/layers.js';
import { matchesCalico, type CalicoSelector } from '../model/calico-selector.js';
import { policySelectorKeys } from '../model/layers.js';
import { CILIUM_NAMESPACE_KEY, CILIUM_SERVICE_ACCOUNT_KEY } from '../model/layers-cilium.js';
import { compareEntries, layerRuleHasNamedPorts, namespaceMatches, orderedTiers, podMatches, podMatchKey, resolveLayerPorts, V1_ENTRY_ORDER, V1_TIER, type PlacedEntry, type Program, type Segment } from './layers.js';

/** Pod networks assumed when the input does not say: pods without a known IP are taken to be inside. */
export const DEFAULT_POD_CIDRS: readonly string[] = ['10.0.0.0/8', 'fd00::/8'];

export interface AnalyzeOptions {
  /**
   * The cluster's pod networks. Pods with no IP in the input are assumed to be
   * inside them. Default: what the input says (Calico IPPool, Flannel, Cilium,
   * kubeadm), else DEFAULT_POD_CIDRS.
   */
  readonly podCidrs?: readonly string[];
  /**
   * The layer policies to evaluate instead of the inventory's enforced ones (e.g. with
   * staged policies promoted, to show what enforcing them would change).
   */
  readonly layerPolicies?: readonly LayerPolicy[];
  /**
   * The analysis of an earlier version of the same cluster (diff's first version): when
   * this one has the same pods (the same label, port and address objects, which the
   * inventory's memo shares between versions), the same pod network, the same ipBlocks and
   * no policy layer, its classes are the earlier one's, and the selector caches of the
   * earlier one are valid here too when the namespaces carry the same labels: they are taken
   * instead of computed. Every answer is the one a fresh analysis gives.
   */
  readonly base?: Analysis;
}

export interface PodClass {
  readonly id: number;
  readonly namespace: Namespace;
  readonly labels: Labels;
  readonly ports: readonly ContainerPort[];
  readonly portsKey: string;
  readonly endpoints: Endpoint[];
  /** Indices (in `Analysis.ipBlocks`) of the ipBlocks that contain this class's pods. */
  readonly inBlocks: readonly number[];
  /** Whether its pods have known IPs (a live cluster) or are templates (manifests). */
  readonly ipKnown: boolean;
  /**
   * The IP families its pods have addresses in; for pods without a known IP, the
   * families of the pod network. A connection uses one family, and both ends need it.
   */
  readonly families: readonly IpFamily[];
  ingressIsolated: boolean;
  egressIsolated: boolean;
  /** Indices of the policies selecting it with the Ingress / Egress type. */
  readonly ingressPolicies: number[];
  readonly egressPolicies: number[];
  readonly ingressGrants: number[];
  readonly egressGrants: number[];
  /** The pods' service account, when some Calico selector reads it. */
  readonly serviceAccount?: string;
  /** Set when a policy layer selects the class in that direction (see layers.ts). */
  ingressProgram?: Program;
  egressProgram?: Program;
}

/**
 * One side of a connection: a class of pods, or a piece of the address space
 * outside the cluster (with `family` when one address was asked about).
 */
export type Peer = { readonly kind: 'class'; readonly cls: PodClass } | { readonly kind: 'external'; readonly atom: ExternalAtom; readonly family?: IpFamily };

/** A compiled rule: which peers it admits and on which ports. */
export interface Grant {
  readonly id: number;
  readonly policy: number;
  readonly direction: 'ingress' | 'egress';
  readonly rule: PolicyRule;
  /** `from`/`to` missing or empty: every peer, in the cluster and outside. */
  readonly allPeers: boolean;
  /** Every class is a member (also true when allPeers). */
  readonly allClasses: boolean;
  /**
   * Classes admitted by a podSelector/namespaceSelector peer, over any IP family: ids
   * of member sets (`Analysis.memberSets`), one per peer, shared between the grants
   * whose peers select the same classes. Sparse, so that compiling costs what the
   * selectors select, not rules × classes.
   */
  readonly members: readonly number[];
  /**
   * Classes admitted by an ipBlock peer (member set ids): only over that block's
   * family, since a connection between two pods uses addresses of one family.
   */
  readonly ipMembers4: readonly number[];
  readonly ipMembers6: readonly number[];
  /** Membership of external atoms (1 = member). */
  readonly external: Uint8Array;
  /** The ports when they do not depend on the destination (no named ports). */
  readonly fixedPorts: PortSet | undefined;
  readonly portCache: Map<string, PortSet>;
  /** Layer rules: what a match does (v1 rules only allow). */
  readonly action?: LayerAction;
  /** Layer rules: the policy (index in `layerPolicies`) and the rule. */
  readonly layer?: { readonly policy: number; readonly rule: LayerRule };
  /** Calico `ipVersion`: the rule only matches connections over this family. */
  readonly family?: IpFamily;
  /** Peers of the rule that cannot be judged from manifests (they match nothing here). */
  readonly depends?: readonly string[];
}

/** Roles: classes that behave the same on one side of every connection. */
interface Role {
  readonly id: number;
  readonly classes: number[];
  /** For destination roles built from external atoms, and source roles likewise. */
  readonly atom?: ExternalAtom;
}

export interface RolePairs {
  readonly srcRoles: readonly Role[];
  readonly dstRoles: readonly Role[];
  /** For each source role, the destination roles it reaches and on which ports. */
  readonly reach: readonly { dst: number[]; ports: PortSet[] }[];
}

/** Resolves a rule's ports at a destination with the given container ports. */
export function resolvePorts(ports: readonly PolicyPort[] | undefined, dstPorts: readonly ContainerPort[] | undefined): PortSet {
  if (!ports) return ALL_PORTS;
  let acc = EMPTY_PORTS;
  for (const p of ports) {
    if (p.port === undefined) acc = union(acc, allOfProtocol(p.protocol));
    else if (typeof p.port === 'number') acc = union(acc, portRange(p.protocol, p.port, p.endPort ?? p.port));
    else if (dstPorts) {
      // A named port matches a container port with the same name AND protocol.
      for (const cp of dstPorts) if (cp.name === p.port && cp.protocol === p.protocol) acc = union(acc, portRange(p.protocol, cp.port));
    }
  }
  return acc;
}

function hasNamedPorts(ports: readonly PolicyPort[] | undefined): boolean {
  return !!ports && ports.some((p) => typeof p.port === 'string');
}

function portsSignature(ports: readonly ContainerPort[]): string {
  // Most pods name one port or none: no arrays to build for those.
  let named: ContainerPort | undefined;
  let count = 0;
  for (const p of ports) {
    if (p.name === undefined) continue;
    named = p;
    count++;
  }
  if (count === 0) return '';
  if (count === 1) return `${named!.name!}/${named!.protocol}=${named!.port}`;
  return ports
    .filter((p) => p.name !== undefined)
    .map((p) => `${p.name!}/${p.protocol}=${p.port}`)
    .sort()
    .join(',');
}

export class Analysis {
  readonly inventory: Inventory;
  readonly podCidrs: readonly Cidr[];
  /** Where the pod network came from: the option, the input, or the default. */
  readonly podCidrSource: string;
  /** The cluster's address space: pod networks plus every known pod IP. */
  readonly clusterSpace: IpSet;
  readonly classes: PodClass[] = [];
  readonly policies: readonly NetworkPolicy[];
  readonly grants: Grant[] = [];
  /** Tiers in evaluation order (built-in and the input's Calico Tiers). */
  readonly tiers: readonly LayerTier[];
  /** The cluster-wide and CNI policies that take part (staged ones excluded). */
  readonly layerPolicies: readonly LayerPolicy[];
  /** Distinct programs (classes with the same rules in the same order share one). */
  readonly programs: Program[] = [];
  /** Grant ids of each v1 policy, by direction. */
  private readonly v1Grants: { ingress: number[]; egress: number[] }[] = [];
  private readonly keyServiceAccounts: boolean;
  /** Every distinct ipBlock of every policy, as address sets. */
  readonly ipBlocks: IpSet[] = [];
  readonly external: ExternalAtom[];
  /** Things worth knowing about the analysis itself (assumptions it made). */
  readonly diagnostics: Diagnostic[] = [];
  /**
   * Ports the CNI's datapath drops to and from every pod before any policy is looked at
   * (`inventory.layers.dropped`: SCTP under Cilium without SCTP support). Every connection
   * has a pod at one end at least, so no connection gets them.
   */
  readonly dropped: PortSet;
  /** What was taken from `AnalyzeOptions.base` rather than computed (for --stats and the tests that hold it to a fresh analysis). */
  readonly reused: 'nothing' | 'classes' | 'classes and selector caches' = 'nothing';
  /**
   * The class id of each endpoint, by endpoint id and by its index in the inventory: an
   * analysis that takes its classes from a base (same endpoints, same classes) shares both.
   */
  private classIdOfEndpoint = new Map<string, number>();
  private endpointClasses: Int32Array = new Int32Array(0);
  private readonly classesByNamespace = new Map<string, PodClass[]>();
  private readonly ipBlockIndex = new Map<string, number>();
  /** Every cidr and except written in a policy: the words external peers are described with. */
  private readonly ipBlockCidrs: Cidr[] = [];
  private readonly nsSelectorCache = new Map<string, Namespace[]>();
  private readonly podSelectorCache = new Map<string, PodClass[]>();
  /** Namespaces by label (`key\u0000value`), in input order: selectors look up candidates instead of scanning. */
  private nsLabelIndex: Map<string, Namespace[]> | undefined;
  /**
   * The class sets rules admit (sorted class ids), interned by content: grants point
   * at them by index, and roles tell classes apart by the sets they are in.
   */
  readonly memberSets: SortedSet[] = [];
  private readonly memberSetsByHash = new Map<number, number[]>();
  /** Member set of a selector peer (by meaning), of an ipBlock (`b` + index), of a layer pod match. */
  private readonly peerSetCache = new Map<string, number>();
  private pairs: RolePairs | undefined;
  private noIpBlocks: number[] | undefined;
  /** The family of each ipBlock (by index in ipBlocks). */
  private readonly ipBlockFamily: IpFamily[] = [];
  /** Some ipBlock admits some pod: then answers can differ by IP family. */
  private familySensitive = false;
  /** Parsed pod IPs by endpoint index (parsed once; for the cluster space and ipBlock membership; not kept by an analysis that takes its classes from a base). */
  private parsedIps: ({ family: 4 | 6; value: bigint }[] | undefined)[] = [];
  /** Classes in each ipBlock, by block index. */
  private readonly classesInBlock = new Map<number, number[]>();

  constructor(inventory: Inventory, options: AnalyzeOptions = {}) {
    this.inventory = inventory;
    this.policies = inventory.policies;
    this.layerPolicies = (options.layerPolicies ?? inventory.layers.policies).filter((p) => !p.staged || options.layerPolicies !== undefined);
    this.tiers = orderedTiers(inventory.layers.tiers, this.diagnostics);
    this.dropped = (inventory.layers.dropped ?? []).reduce((acc, d) => union(acc, allOfProtocol(d.protocol)), EMPTY_PORTS);
    this.keyServiceAccounts = this.layerPolicies.some((p) => {
      const keys = policySelectorKeys(p);
      return keys.has('projectcalico.org/serviceaccount') || keys.has(CILIUM_SERVICE_ACCOUNT_KEY) || [...keys].some((k) => k.startsWith('pcsa.'));
    });
    const inferred = options.podCidrs ? undefined : inferPodNetwork(inventory);
    this.podCidrSource = options.podCidrs ? '--pod-cidr' : inferred ? inferred.source : 'default (no IPPool, Flannel, Cilium or kubeadm configuration in the input; set --pod-cidr)';
    this.podCidrs = (options.podCidrs ?? inferred?.cidrs ?? DEFAULT_POD_CIDRS).map((c) => {
      const parsed = parseCidr(c);
      if (typeof parsed === 'string') throw new MeshlessError('invalid-cidr', `pod CIDR "${c}": ${parsed}`, { hint: 'write the pod network as a CIDR such as 10.244.0.0/16' });
      return parsed;
    });
    this.collectIpBlocks();
    const base = options.base;
    // The same pods, pod network and ipBlocks as the base: the same cluster space and outside pieces too.
    const derived = base !== undefined && this.derivesClassesFrom(base);
    if (derived) {
      this.clusterSpace = base.clusterSpace;
      this.external = base.external;
    } else {
      const podIps: Cidr[] = [];
      const endpoints = inventory.endpoints;
      this.parsedIps = new Array<{ family: 4 | 6; value: bigint }[] | undefined>(endpoints.length);
      for (let i = 0; i < endpoints.length; i++) {
        const e = endpoints[i]!;
        if (e.ips.length === 0) continue;
        const parsed: { family: 4 | 6; value: bigint }[] = [];
        for (const ip of e.ips) {
          const p = parseIp(ip);
          if (!p) continue;
          parsed.push(p);
          // Pod IPs inside the pod network add nothing to the cluster space.
          if (!this.podCidrs.some((c) => c.family === p.family && p.value >= c.start && p.value <= c.end)) {
            podIps.push({ family: p.family, prefix: p.family === 4 ? 32 : 128, start: p.value, end: p.value, text: ip, hostBitsSet: false });
          }
        }
        this.parsedIps[i] = parsed;
      }
      this.clusterSpace = unionIp(ipSetOf(this.podCidrs), ipSetOf(podIps));
      this.external = externalAtoms(this.ipBlocks, this.clusterSpace, [...this.podCidrs, ...this.ipBlockCidrs]);
    }
    if (derived) {
      this.classesFrom(base);
      this.reused = 'classes';
      if (sameNamespaces(base.inventory, inventory)) {
        this.cachesFrom(base);
        this.reused = 'classes and selector caches';
      }
    } else this.buildClasses();
    this.compilePolicies(this.reused === 'classes and selector caches' ? base : undefined);
    if (this.layerPolicies.length > 0) this.compileLayers();
  }

  // ---- construction -------------------------------------------------------

  private collectIpBlocks(): void {
    const warned = new Set<string>();
    const podSpace = ipSetOf(this.podCidrs);
    for (const p of this.policies) {
      for (const rule of [...p.ingress, ...p.egress]) {
        for (const peer of rule.peers ?? []) {
          if (peer.kind !== 'ipBlock') continue;
          const key = `${peer.cidr.text}-${peer.except.map((e) => e.text).join(',')}`;
          if (this.ipBlockIndex.has(key)) continue;
          const set = ipBlockSet(peer.cidr, peer.except);
          this.ipBlockCidrs.push(peer.cidr, ...peer.except);
          this.ipBlockFamily.push(peer.cidr.family);
          this.ipBlockIndex.set(key, this.ipBlocks.length);
          this.ipBlocks.push(set);
          // A block that covers part of the pod network matches some pods and not others:
          // pods with no known IP cannot be placed, so say what was assumed.
          const inPodSpace = subtract(podSpace, subtract(podSpace, set));
          if (!isEmptyIp(inPodSpace) && !this.coversSomeFamily(set) && !warned.has(key)) {
            warned.add(key);
            this.diagnostics.push({
              severity: 'warning',
              code: 'ipblock-partial-pod-network',
              message: `ipBlock ${describeBlock(peer.cidr, peer.except)} (NetworkPolicy ${p.namespace}/${p.name}) covers part of the pod network ${this.podCidrs.map((c) => c.text).join(', ')}; pods with no known IP are treated as outside it`,
              source: p.source,
              hint: 'give pods their IPs (analyse a live cluster), or set --pod-cidr to the real pod network',
            });
          }
        }
      }
    }
     for (const p of this.layerPolicies) {
      for (const rule of [...(p.ingress ?? []), ...(p.egress ?? [])]) {
        for (const peer of rule.peers ?? []) {
          for (const b of [...(peer.nets ?? []), ...(peer.notNets ?? [])]) this.registerBlock(b.cidr, b.except);
        }
        for (const b of [...(rule.selfNets ?? []), ...(rule.selfNotNets ?? [])]) this.registerBlock(b.cidr, b.except);
      }
    }
  }

  private registerBlock(cidr: Cidr, except: readonly Cidr[]): number {
    const key = `${cidr.text}-${except.map((e) => e.text).join(',')}`;
    let i = this.ipBlockIndex.get(key);
    if (i === undefined) {
      i = this.ipBlocks.length;
      this.ipBlockCidrs.push(cidr, ...except);
      this.ipBlockFamily.push(cidr.family);
      this.ipBlockIndex.set(key, i);
      this.ipBlocks.push(ipBlockSet(cidr, except));
    }
    return i;
  }

  /** Does the set contain the whole pod network of a family (so it matches every pod of that family)? */
  private coversSomeFamily(set: IpSet): boolean {
    for (const family of [4, 6] as const) {
      const nets = this.podCidrs.filter((c) => c.family === family);
      if (nets.length > 0 && coversIp(set, ipSetOf(nets))) return true;
    }
    return false;
  }

  private blocksOf(ips: readonly { family: 4 | 6; value: bigint }[]): number[] {
    if (this.ipBlocks.length === 0) return [];
    if (ips.length === 0) {
      // No known IP: the pod is somewhere in the pod network, so only a block that
      // covers all of it (for some family) certainly contains it.
      this.noIpBlocks ??= this.ipBlocks.flatMap((set, i) => (this.coversSomeFamily(set) ? [i] : []));
      return this.noIpBlocks;
    }
    const out: number[] = [];
    this.ipBlocks.forEach((set, i) => {
      if (ips.some((ip) => containsIp(set, ip.family, ip.value))) out.push(i);
    });
    return out;
  }

  /** Whether the classes of `base` are this analysis's: the same pods, pod network and ipBlocks, and no layer (see AnalyzeOptions.base). */
  private derivesClassesFrom(base: Analysis): boolean {
    if (base.layerPolicies.length > 0 || this.layerPolicies.length > 0 || base.keyServiceAccounts || this.keyServiceAccounts) return false;
    if (base.podCidrs.map((c) => c.text).join(',') !== this.podCidrs.map((c) => c.text).join(',')) return false;
    const blocks = (a: Analysis): string => [...a.ipBlockIndex.keys()].join('|');
    if (blocks(base) !== blocks(this)) return false;
    const mine = this.inventory.endpoints;
    const theirs = base.inventory.endpoints;
    if (mine.length !== theirs.length) return false;
    // Made from the same facts (diff's memo): the same by construction, without reading each one.
    if (endpointsMadeAlike(this.inventory, base.inventory)) return true;
    for (let i = 0; i < mine.length; i++) {
      const e = mine[i]!;
      const b = theirs[i]!;
      if (e.id !== b.id || e.namespace !== b.namespace || e.labels !== b.labels || e.ports !== b.ports || e.ips !== b.ips || e.serviceAccount !== b.serviceAccount) return false;
    }
    return true;
  }

  /** The classes of `base`, with this inventory's endpoints and namespaces, in the same order (so the same ids) as buildClasses would make them. */
  private classesFrom(base: Analysis): void {
    for (const c of base.classes) {
      const cls = newClass(c.id, this.inventory.namespaces.get(c.namespace.name)!, c.labels, c.ports, c.portsKey, c.inBlocks, c.ipKnown, c.families, c.serviceAccount);
      this.classes.push(cls);
      for (const b of cls.inBlocks) {
        let l = this.classesInBlock.get(b);
        if (!l) this.classesInBlock.set(b, (l = []));
        l.push(cls.id);
      }
      let list = this.classesByNamespace.get(cls.namespace.name);
      if (!list) this.classesByNamespace.set(cls.namespace.name, (list = []));
      list.push(cls);
    }
    // The same endpoints in the same order (derivesClassesFrom): the base's tables hold.
    this.classIdOfEndpoint = base.classIdOfEndpoint;
    this.endpointClasses = base.endpointClasses;
    const endpoints = this.inventory.endpoints;
    for (let i = 0; i < endpoints.length; i++) this.classes[this.endpointClasses[i]!]!.endpoints.push(endpoints[i]!);
  }

  /** The selector caches and member sets of `base`, valid here: the same classes (by id) and namespace labels. */
  private cachesFrom(base: Analysis): void {
    for (const set of base.memberSets) this.memberSets.push(set);
    for (const [h, ids] of base.memberSetsByHash) this.memberSetsByHash.set(h, ids.slice());
    for (const [k, id] of base.peerSetCache) this.peerSetCache.set(k, id);
    for (const [k, classes] of base.podSelectorCache) this.podSelectorCache.set(k, classes.map((c) => this.classes[c.id]!));
    for (const [k, namespaces] of base.nsSelectorCache) this.nsSelectorCache.set(k, namespaces.map((n) => this.inventory.namespaces.get(n.name)!));
  }

  private buildClasses(): void {
    const byKey = new Map<string, PodClass>();
    this.endpointClasses = new Int32Array(this.inventory.endpoints.length);
    let index = 0;
    const podFamilies = [...new Set(this.podCidrs.map((c) => c.family))].sort();
    const podFamiliesKey = podFamilies.join('');
    for (const e of this.inventory.endpoints) {
      const ns = this.inventory.namespaces.get(e.namespace)!;
      const ips = this.parsedIps[index] ?? [];
      const blocks = this.blocksOf(ips);
      // The families a pod uses, sorted and distinct ('4', '6' or '46'), without building arrays per pod.
      let has4 = false;
      let has6 = false;
      for (const ip of ips) {
        if (ip.family === 4) has4 = true;
        else has6 = true;
      }
      const familiesKey = ips.length === 0 ? podFamiliesKey : has4 && has6 ? '46' : has4 ? '4' : '6';
      const pk = portsSignature(e.ports);
      const sa = this.keyServiceAccounts ? (e.serviceAccount ?? 'default') : undefined;
      const key = `${e.namespace}\u0000${labelsKey(e.labels)}\u0000${pk}\u0000${blocks.join(',')}\u0000${e.ips.length > 0 ? 1 : 0}\u0000${familiesKey}${sa !== undefined ? `\u0000${sa}` : ''}`;
      let cls = byKey.get(key);
      if (!cls) {
        const families: IpFamily[] = ips.length === 0 ? podFamilies : familiesKey === '46' ? [4, 6] : familiesKey === '4' ? [4] : [6];
        cls = newClass(this.classes.length, ns, e.labels, e.ports, pk, blocks, e.ips.length > 0, families, sa);
        byKey.set(key, cls);
        this.classes.push(cls);
        for (const b of blocks) {
          let l = this.classesInBlock.get(b);
          if (!l) this.classesInBlock.set(b, (l = []));
          l.push(cls.id);
        }
        let list = this.classesByNamespace.get(e.namespace);
        if (!list) this.classesByNamespace.set(e.namespace, (list = []));
        list.push(cls);
      }
      cls.endpoints.push(e);
      this.classIdOfEndpoint.set(e.id, cls.id);
      this.endpointClasses[index++] = cls.id;
    }
  }

  /** Namespaces a namespaceSelector matches (cached by selector). */
  namespacesMatching(sel: Parameters<typeof matches>[0]): Namespace[] {
    const k = selectorKey(sel);
    let hit = this.nsSelectorCache.get(k);
    if (!hit) {
      hit = this.namespaceCandidates(sel).filter((ns) => matches(sel, ns.labels));
      this.nsSelectorCache.set(k, hit);
    }
    return hit;
  }

  /**
   * A superset of the namespaces a selector can match, in input order: for a selector
   * with matchLabels, the namespaces with the rarest of its key=value pairs (from an
   * index built once), so that n selectors over n namespaces cost n, not n².
   */
  private namespaceCandidates(sel: Parameters<typeof matches>[0]): Namespace[] {
    let best: Namespace[] | undefined;
    for (const key in sel.matchLabels) {
      if (!this.nsLabelIndex) {
        this.nsLabelIndex = new Map();
        for (const ns of this.inventory.namespaces.values()) {
          for (const [lk, lv] of Object.entries(ns.labels)) {
            const ik = `${lk}\u0000${lv}`;
            let l = this.nsLabelIndex.get(ik);
            if (!l) this.nsLabelIndex.set(ik, (l = []));
            l.push(ns);
          }
        }
      }
      const l = this.nsLabelIndex.get(`${key}\u0000${sel.matchLabels[key]!}`) ?? [];
      if (!best || l.length < best.length) best = l;
      if (best.length === 0) break;
    }
    return best ?? [...this.inventory.namespaces.values()];
  }

  /** Interns a set of class ids (any order, duplicates allowed): its index in memberSets, -1 when empty. */
  private internSet(ids: readonly number[] | Int32Array): number {
    if (ids.length === 0) return -1;
    const set = sortedSetOf(ids);
    const h = sortedHash(set);
    const same = this.memberSetsByHash.get(h);
    if (same) {
      for (const i of same) if (sortedEquals(this.memberSets[i]!, set)) return i;
      same.push(this.memberSets.length);
    } else this.memberSetsByHash.set(h, [this.memberSets.length]);
    this.memberSets.push(set);
    return this.memberSets.length - 1;
  }

  /** The member set of a v1 podSelector/namespaceSelector peer of a policy in `namespace` (-1: none). */
  private selectorPeerSet(namespace: string, nsSel: Parameters<typeof matches>[0] | undefined, podSel: Parameters<typeof matches>[0] | undefined): number {
    const podKey = podSel ? selectorKey(podSel) : '*';
    const key = nsSel ? `n${selectorKey(nsSel)}\u0001${podKey}` : `o${namespace}\u0001${podKey}`;
    let id = this.peerSetCache.get(key);
    if (id !== undefined) return id;
    const ids: number[] = [];
    if (nsSel) {
      for (const ns of this.namespacesMatching(nsSel)) {
        for (const c of this.classesByNamespace.get(ns.name) ?? []) if (!podSel || matches(podSel, c.labels)) ids.push(c.id);
      }
    } else for (const c of this.classesMatching(namespace, podSel)) ids.push(c.id);
    id = this.internSet(ids);
    this.peerSetCache.set(key, id);
    return id;
  }

  /** The member set of the classes in an ipBlock (-1: none). */
  private blockSet(bi: number): number {
    const key = `b${bi}`;
    let id = this.peerSetCache.get(key);
    if (id === undefined) {
      id = this.internSet(this.classesInBlock.get(bi) ?? []);
      this.peerSetCache.set(key, id);
    }
    return id;
  }

  /** Classes in a namespace that a podSelector matches (cached). */
  classesMatching(namespace: string, sel: Parameters<typeof matches>[0] | undefined): PodClass[] {
    const all = this.classesByNamespace.get(namespace) ?? [];
    if (!sel) return all;
    const k = `${namespace}\u0000${selectorKey(sel)}`;
    let hit = this.podSelectorCache.get(k);
    if (!hit) {
      hit = all.filter((c) => matches(sel, c.labels));
      this.podSelectorCache.set(k, hit);
    }
    return hit;
  }

  /** The base's grant ids of the same policy (the same rule objects, selector, namespace and types), if it has it. */
  private static baseGrantsOf(base: Analysis, inBase: ReadonlyMap<object, number>, policy: NetworkPolicy): { ingress: number[]; egress: number[] } | undefined {
    const bi = inBase.get(policy.ingress);
    const was = bi !== undefined ? base.policies[bi] : undefined;
    if (was === undefined || was.egress !== policy.egress || was.podSelector !== policy.podSelector || was.namespace !== policy.namespace || was.ingressType !== policy.ingressType || was.egressType !== policy.egressType) return undefined;
    return base.v1Grants[bi!];
  }

  /**
   * Compiles the v1 policies into grants. With `base` (whose classes, member sets and
   * selector caches this analysis took: cachesFrom), a policy that is the base's own —
   * the same rule objects, selector, namespace and types, as the memo gives for a
   * document the change left alone — takes the base's grants, renumbered: they would
   * compile to the same peers, member sets, addresses and ports.
   */
  private compilePolicies(base?: Analysis): void {
    const inBase = base ? new Map<object, number>(base.policies.map((p, i) => [p.ingress, i])) : undefined;
    this.policies.forEach((policy, pi) => {
      const selected = this.classesMatching(policy.namespace, policy.podSelector);
      const v1: { ingress: number[]; egress: number[] } = { ingress: [], egress: [] };
      this.v1Grants.push(v1);
      const same = base && inBase ? Analysis.baseGrantsOf(base, inBase, policy) : undefined;
      for (const [dir, on, rules] of [
        ['ingress', policy.ingressType, policy.ingress],
        ['egress', policy.egressType, policy.egress],
      ] as const) {
        // A section whose type is not listed in policyTypes is ignored.
        if (!on) continue;
        const grantIds: number[] = [];
        if (same) {
          for (const gi of same[dir]) {
            const g = base!.grants[gi]!;
            if (g.ipMembers4.length > 0 || g.ipMembers6.length > 0) this.familySensitive = true;
            const grant: Grant = { ...g, id: this.grants.length, policy: pi };
            this.grants.push(grant);
            grantIds.push(grant.id);
            v1[dir].push(grant.id);
          }
        }
        for (const rule of same ? [] : rules) {
          const members: number[] = [];
          const ipMembers4: number[] = [];
          const ipMembers6: number[] = [];
          const external = new Uint8Array(this.external.length);
          let allClasses = false;
          const allPeers = rule.peers === undefined;
          if (allPeers) {
            allClasses = true;
            external.fill(1);
          } else {
            for (const peer of rule.peers ?? []) {
              if (peer.kind === 'ipBlock') {
                const bi = this.ipBlockIndex.get(`${peer.cidr.text}-${peer.except.map((e) => e.text).join(',')}`)!;
                const set = this.blockSet(bi);
                if (set >= 0) {
                  this.familySensitive = true;
                  addSet(this.ipBlockFamily[bi] === 4 ? ipMembers4 : ipMembers6, set);
                }
                for (const a of this.external) if (a.inBlocks.includes(bi)) external[a.index] = 1;
              } else {
                const set = this.selectorPeerSet(policy.namespace, peer.namespaceSelector, peer.podSelector);
                if (set >= 0) addSet(members, set);
              }
            }
          }
          const grant: Grant = {
            id: this.grants.length,
            policy: pi,
            direction: dir,
            rule,
            allPeers,
            allClasses,
            members,
            ipMembers4,
            ipMembers6,
            external,
            fixedPorts: hasNamedPorts(rule.ports) ? undefined : resolvePorts(rule.ports, undefined),
            portCache: new Map(),
          };
          this.grants.push(grant);
          grantIds.push(grant.id);
          v1[dir].push(grant.id);
        }
        for (const c of selected) {
          if (dir === 'ingress') {
            c.ingressIsolated = true;
            c.ingressPolicies.push(pi);
            for (const g of grantIds) c.ingressGrants.push(g);
          } else {
            c.egressIsolated = true;
            c.egressPolicies.push(pi);
            for (const g of grantIds) c.egressGrants.push(g);
          }
        }
      }
    });
  }

  // ---- policy layers --------------------------------------------------------

  /** Classes a layer pod match selects (cached by the match's meaning and the policy's namespace). */
  private readonly podMatchCache = new Map<string, PodClass[]>();
  private readonly saLabels = new Map<string, Labels>();

  classesOfPodMatch(m: PodMatch): PodClass[] {
    const key = podMatchKey(m);
    let hit = this.podMatchCache.get(key);
    if (hit) return hit;
    let namespaces: Namespace[];
    const scope = m.namespaces;
    const named = m.pods?.kind === 'cilium' ? m.pods.selector.matchLabels[CILIUM_NAMESPACE_KEY] : undefined;
    if (scope.kind === 'own') namespaces = this.inventory.namespaces.get(scope.namespace) ? [this.inventory.namespaces.get(scope.namespace)!] : [];
    // A Cilium selector naming the namespace (k8s:io.kubernetes.pod.namespace) can only match there.
    else if (scope.kind === 'all' && named !== undefined) namespaces = this.inventory.namespaces.get(named) ? [this.inventory.namespaces.get(named)!] : [];
    else if (scope.kind === 'all') namespaces = [...this.inventory.namespaces.values()];
    else if (scope.selector.kind !== 'calico') namespaces = this.namespacesMatching(scope.selector.selector);
    else namespaces = [...this.inventory.namespaces.values()].filter((ns) => namespaceMatches(scope.selector, ns));
    hit = [];
    for (const ns of namespaces) {
      for (const c of this.classesByNamespace.get(ns.name) ?? []) {
        if (m.pods && !podMatches(m.pods, c.labels, ns, c.serviceAccount)) continue;
        if (m.serviceAccounts && !this.serviceAccountMatches(m.serviceAccounts, ns.name, c.serviceAccount)) continue;
        hit.push(c);
      }
    }
    this.podMatchCache.set(key, hit);
    return hit;
  }

  private serviceAccountMatches(sa: NonNullable<PodMatch['serviceAccounts']>, namespace: string, name: string | undefined): boolean {
    const n = name ?? 'default';
    if (sa.names.length > 0 && !sa.names.includes(n)) return false;
    if (!sa.selector) return true;
    if (this.saLabels.size === 0) {
      for (const o of this.inventory.objects) {
        if (o.object.kind === 'ServiceAccount' && o.object.apiVersion === 'v1') this.saLabels.set(`${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`, o.object.metadata.labels ?? {});
      }
    }
    const labels = this.saLabels.get(`${namespace}/${n}`) ?? {};
    return matchesCalicoLabels(sa.selector, labels);
  }

  /** Family-restricted copies of grants, by `grant id/family`. */
  private readonly familyGrants = new Map<string, number>();

  /**
   * A rule's constraint on the endpoint's own address (Calico `destination.nets` on
   * ingress, `source.nets` on egress): the grant as is when every family of the
   * class satisfies it, none when none does, a copy for one family otherwise.
   */
  private selfAddressGrant(g: Grant, r: LayerRule, c: PodClass): number[] {
    if (!r.selfNets && !r.selfNotNets) return [g.id];
    const nets = r.selfNets?.map((b) => this.registerBlock(b.cidr, b.except));
    const notNets = r.selfNotNets?.map((b) => this.registerBlock(b.cidr, b.except));
    const ok = c.families.filter((f) =>
      (nets === undefined || nets.some((b) => this.ipBlockFamily[b] === f && c.inBlocks.includes(b))) &&
      (notNets === undefined || !notNets.some((b) => this.ipBlockFamily[b] === f && c.inBlocks.includes(b))) &&
      (g.family === undefined || g.family === f));
    if (ok.length === 0) return [];
    if (ok.length === c.families.length) return [g.id];
    this.familySensitive = true;
    const key = `${g.id}/${ok[0]!}`;
    let id = this.familyGrants.get(key);
    if (id === undefined) {
      id = this.grants.length;
      this.grants.push({ ...g, id, family: ok[0]!, portCache: new Map() });
      this.familyGrants.set(key, id);
    }
    return [id];
  }

  /** Compiles one layer rule into a grant. */
  private compileLayerRule(pi: number, rule: LayerRule, dir: 'ingress' | 'egress'): Grant {
    const members: number[] = [];
    const ipMembers4: number[] = [];
    const ipMembers6: number[] = [];
    const external = new Uint8Array(this.external.length);
    const depends: string[] = [];
    let allPeers = rule.peers === undefined;
    if (allPeers) external.fill(1);
    for (const peer of rule.peers ?? []) {
      if (peer.depends !== undefined) {
        depends.push(peer.depends);
        continue;
      }
      if (isUniversal(peer)) {
        allPeers = true;
        external.fill(1);
        break;
      }
      this.compileLayerPeer(peer, members, ipMembers4, ipMembers6, external);
    }
    const named = layerRuleHasNamedPorts(rule);
    return {
      id: this.grants.length,
      policy: -1,
      direction: dir,
      rule: { index: rule.index },
      allPeers,
      allClasses: allPeers,
      members,
      ipMembers4,
      ipMembers6,
      external,
      fixedPorts: named ? undefined : resolveLayerPorts(rule, undefined),
      portCache: new Map(),
      action: rule.action,
      layer: { policy: pi, rule },
      ...(rule.family !== undefined ? { family: rule.family } : {}),
      ...(depends.length > 0 ? { depends } : {}),
    };
  }

  private compileLayerPeer(peer: LayerPeer, members: number[], ip4: number[], ip6: number[], external: Uint8Array): void {
    // Pods: who the identity criteria admit, less notSelector, then narrowed by address.
    let base: readonly PodClass[];
    let baseKey: string | undefined;
    if (peer.allPods) [base, baseKey] = [this.classes, 'all'];
    else if (peer.pods) [base, baseKey] = [this.classesOfPodMatch(peer.pods), `p${podMatchKey(peer.pods)}`];
    else if ((peer.nets && !peer.netsMatchPods) || peer.allExternal) base = [];
    else [base, baseKey] = [this.classes, 'all'];
    const excluded = peer.notPods ? new Set(this.classesOfPodMatch(peer.notPods)) : undefined;
    const nets = peer.nets?.map((b) => this.registerBlock(b.cidr, b.except));
    const notNets = peer.notNets?.map((b) => this.registerBlock(b.cidr, b.except));
    const byAddress = (nets !== undefined && peer.netsMatchPods && !peer.allPods) || notNets !== undefined;
    if (!byAddress && !excluded && baseKey !== undefined) {
      // The common case: the pods a match selects, one shared set per match.
      let set = this.peerSetCache.get(baseKey);
      if (set === undefined) {
        set = this.internSet(base.map((c) => c.id));
        this.peerSetCache.set(baseKey, set);
      }
      if (set >= 0) addSet(members, set);
    } else {
      const any: number[] = [];
      const only4: number[] = [];
      const only6: number[] = [];
      for (const c of base) {
        if (excluded?.has(c)) continue;
        if (!byAddress) {
          any.push(c.id);
          continue;
        }
        // A connection uses one family: the class matches over a family when its address of that family is inside.
        for (const f of c.families) {
          const inNets = nets === undefined || peer.allPods || nets.some((b) => this.ipBlockFamily[b] === f && c.inBlocks.includes(b));
          const outNotNets = notNets === undefined || !notNets.some((b) => this.ipBlockFamily[b] === f && c.inBlocks.includes(b));
          if (inNets && outNotNets) {
            (f === 4 ? only4 : only6).push(c.id);
            this.familySensitive = true;
          }
        }
      }
      for (const [ids, target] of [[any, members], [only4, ip4], [only6, ip6]] as const) {
        const set = this.internSet(ids);
        if (set >= 0) addSet(target, set);
      }
    }
    // Outside addresses: selectors never match them; nets (and notNets) do.
    if (peer.allExternal) {
      external.fill(1);
      return;
    }
    if (peer.pods || peer.allPods) return;
    for (const a of this.external) {
      if (nets !== undefined && !nets.some((b) => a.inBlocks.includes(b))) continue;
      if (notNets !== undefined && notNets.some((b) => a.inBlocks.includes(b))) continue;
      external[a.index] = 1;
    }
  }

  /**
   * Builds the programs: for every class and direction some layer selects, its
   * tiers in order with their rules, NetworkPolicy v1 rules at their place in the
   * default tier.
   */
  private compileLayers(): void {
    const tierIndex = new Map(this.tiers.map((t, i) => [t.name, i]));
    const defaultTier = tierIndex.get(V1_TIER)!;
    interface Entry extends PlacedEntry {
      /** Interned: classes whose sorted entries are the same run the same program, found without rebuilding it. */
      readonly id: number;
      readonly grants: readonly number[];
      readonly applies: boolean;
    }
    let entryCount = 0;
    const entryCache = new Map<string, Entry>();
    /** One entry per policy, direction and grants: shared by every class it applies to alike. */
    const entry = (key: string, make: () => Omit<Entry, 'id'>): Entry => {
      let e = entryCache.get(key);
      if (!e) entryCache.set(key, (e = { ...make(), id: entryCount++ }));
      return e;
    };
    const entries: { ingress: Map<number, Entry[]>; egress: Map<number, Entry[]> } = { ingress: new Map(), egress: new Map() };
    const add = (dir: 'ingress' | 'egress', c: PodClass, e: Entry): void => {
      let l = entries[dir].get(c.id);
      if (!l) entries[dir].set(c.id, (l = []));
      l.push(e);
    };
    this.layerPolicies.forEach((p, pi) => {
      let t = tierIndex.get(p.tier);
      if (t === undefined) {
        this.diagnostics.push({ severity: 'warning', code: 'tier-missing', message: `${p.label} names tier "${p.tier}", which is not in the input; it is evaluated as a tier with Calico's defaults (order last, default action Deny)`, source: p.source, hint: `include the Tier ${p.tier} object` });
        const tier: LayerTier = { name: p.tier, order: Number.MAX_SAFE_INTEGER, defaultAction: 'deny', label: `Calico tier ${p.tier} (not in the input)` };
        (this.tiers as LayerTier[]).push(tier);
        t = this.tiers.length - 1;
        tierIndex.set(p.tier, t);
      }
      const tier = t;
      const selected = this.classesOfPodMatch(p.subject);
      for (const dir of ['ingress', 'egress'] as const) {
        const rules = p[dir];
        if (!rules) continue;
        const compiled = rules.map((r) => {
          const g = this.compileLayerRule(pi, r, dir);
          this.grants.push(g);
          return { g, r, self: r.self ? new Set(this.classesOfPodMatch(r.self)) : undefined, not: r.selfNot ? new Set(this.classesOfPodMatch(r.selfNot)) : undefined };
        });
        const applies = dir === 'ingress' ? p.defaultDenyIngress : p.defaultDenyEgress;
        const place = { tierIndex: tier, order: p.order ?? Number.POSITIVE_INFINITY, name: p.sortName };
        const make = (grants: readonly number[]) => () => ({ ...place, grants, applies });
        // Most policies constrain nothing on their own endpoint: one entry for every class they select.
        if (compiled.every((x) => !x.self && !x.not && !x.r.selfNets && !x.r.selfNotNets)) {
          const grants = compiled.map((x) => x.g.id);
          const e = entry(`${pi}/${dir}`, make(grants));
          for (const c of selected) add(dir, c, e);
          continue;
        }
        for (const c of selected) {
          // A rule whose constraint on the policy's own endpoint fails is no rule for it.
          const grants = compiled.filter((x) => (!x.self || x.self.has(c)) && !x.not?.has(c)).flatMap((x) => this.selfAddressGrant(x.g, x.r, c));
          add(dir, c, entry(`${pi}/${dir}/${grants.join(',')}`, make(grants)));
        }
      }
    });
    const programsByKey = new Map<string, Program>();
    const programsByEntries = new Map<string, Program>();
    const v1Entries: Record<'ingress' | 'egress', Entry[]> = { ingress: [], egress: [] };
    for (const dir of ['ingress', 'egress'] as const) {
      for (const [cid, list] of entries[dir]) {
        const c = this.classes[cid]!;
        // NetworkPolicy v1: the default tier at order 1000, applying to the pods it isolates.
        const v1 = v1Entries[dir];
        for (const pi of dir === 'ingress' ? c.ingressPolicies : c.egressPolicies) {
          list.push((v1[pi] ??= { tierIndex: defaultTier, order: V1_ENTRY_ORDER, name: `knp.default.${this.policies[pi]!.name}`, grants: this.v1Grants[pi]![dir], applies: true, id: entryCount++ }));
        }
        list.sort(compareEntries);
        const entriesKey = list.map((e) => e.id).join(',');
        let prog = programsByEntries.get(entriesKey);
        if (!prog) {
          const segments: Segment[] = [];
          for (const e of list) {
            const last = segments[segments.length - 1];
            if (last && last.tier === e.tierIndex) segments[segments.length - 1] = { tier: last.tier, applies: last.applies || e.applies, grants: [...last.grants, ...e.grants] };
            else segments.push({ tier: e.tierIndex, applies: e.applies, grants: [...e.grants] });
          }
          // Programs are shared by content: different entries can make the same tiers.
          const key = segments.map((sg) => `${sg.tier}:${sg.applies ? 1 : 0}:${sg.grants.join(',')}`).join('|');
          prog = programsByKey.get(key);
          if (!prog) {
            const candidateGrants = segments.flatMap((sg) => sg.grants.filter((g) => (this.grants[g]!.action ?? 'allow') === 'allow' || this.grants[g]!.action === 'pass'));
            prog = { id: this.programs.length, segments, open: true, isolated: false, candidateGrants };
            this.programs.push(prog);
            programsByKey.set(key, prog);
          }
          programsByEntries.set(entriesKey, prog);
        }
        if (dir === 'ingress') c.ingressProgram = prog;
        else c.egressProgram = prog;
      }
    }
    // Per program: open when a peer no rule names gets something at some class that runs it;
    // and, for each segment, whether a peer passed on there could still get something after it.
    const passOpen = new Map<Program, boolean[]>();
    const genericOpen = new Map<string, boolean>();
    for (const c of this.classes) {
      for (const dir of ['ingress', 'egress'] as const) {
        const prog = dir === 'ingress' ? c.ingressProgram : c.egressProgram;
        if (!prog) continue;
        // What an unnamed peer gets depends on the class only through its named ports (ingress).
        const generic = (from: number): boolean => {
          const key = `${prog.id}/${dir}/${from}/${dir === 'ingress' ? c.portsKey : ''}`;
          let v = genericOpen.get(key);
          if (v === undefined) genericOpen.set(key, (v = !isEmpty(this.runGeneric(prog, dir, c, from))));
          return v;
        };
        const open = generic(0);
        const denyTier = prog.segments.some((sg) => sg.applies && this.tiers[sg.tier]!.defaultAction === 'deny');
        let after = passOpen.get(prog);
        if (!after) {
          passOpen.set(prog, (after = prog.segments.map(() => false)));
          prog.open = open;
        } else prog.open ||= open;
        for (let s = 0; s < prog.segments.length; s++) if (!after[s] && generic(s + 1)) after[s] = true;
        prog.isolated = denyTier || !open;
        if (dir === 'ingress') c.ingressIsolated = prog.isolated;
        else c.egressIsolated = prog.isolated;
      }
    }
    // A closed program lets a peer through only if some allow rule that is not for every peer
    // names it, or some pass rule names it in a tier after which a peer no rule names could
    // still get something (runGeneric bounds everything else). Those rules alone are the
    // candidates for pruning: an "everyone: Pass" rule no longer makes every peer one.
    for (const [prog, after] of passOpen) {
      if (prog.open) continue;
      prog.candidateGrants = prog.segments.flatMap((sg, s) =>
        sg.grants.filter((gi) => {
          const g = this.grants[gi]!;
          const action = g.action ?? 'allow';
          return !g.allPeers && (action === 'allow' || (action === 'pass' && after[s]!));
        }),
      );
    }
  }

  /**
   * A program run for a peer that no rule names (only rules for every peer match):
   * an upper bound of what any named peer gets once the rules naming it are set
   * aside. Allow and pass rules count as matching whenever they could; deny rules
   * only when they surely do.
   */
  private runGeneric(prog: Program, dir: 'ingress' | 'egress', self: PodClass, fromSegment = 0): PortSet {
    let remaining = ALL_PORTS;
    let allowed = EMPTY_PORTS;
    for (let si = fromSegment; si < prog.segments.length; si++) {
      const sg = prog.segments[si]!;
      let undecided = remaining;
      let passed = EMPTY_PORTS;
      for (const gi of sg.grants) {
        const g = this.grants[gi]!;
        const action = g.action ?? 'allow';
        if (action === 'log' || !g.allPeers) continue;
        const surely = action === 'deny';
        if (surely && g.family !== undefined) continue;
        let ports: PortSet;
        if (g.fixedPorts) ports = g.fixedPorts;
        else if (dir === 'ingress') ports = this.grantPorts(g, { kind: 'class', cls: self });
        else ports = surely ? this.grantPorts(g, { kind: 'external', atom: this.external[0]! }) : ALL_PORTS;
        const p = intersect(ports, undecided);
        if (isEmpty(p)) continue;
        if (action === 'allow') allowed = union(allowed, p);
        else if (action === 'pass') passed = union(passed, p);
        undecided = subtractPorts(undecided, p);
      }
      remaining = union(passed, sg.applies && this.tiers[sg.tier]!.defaultAction === 'deny' ? EMPTY_PORTS : undecided);
      if (isEmpty(remaining)) break;
    }
    return union(allowed, remaining);
  }

  /** Runs a program: the ports on which the tiers let `other` through to / from the class, over `family`. */
  runProgram(prog: Program, other: Peer, dst: Peer, family: IpFamily): PortSet {
    let remaining = ALL_PORTS;
    let allowed = EMPTY_PORTS;
    for (const sg of prog.segments) {
      let undecided = remaining;
      let passed = EMPTY_PORTS;
      for (const gi of sg.grants) {
        const g = this.grants[gi]!;
        if (g.family !== undefined && g.family !== family) continue;
        if (!this.grantHas(g, other, family)) continue;
        const p = intersect(this.grantPorts(g, dst), undecided);
        if (isEmpty(p)) continue;
        const action = g.action ?? 'allow';
        if (action === 'log') continue;
        if (action === 'allow') allowed = union(allowed, p);
        else if (action === 'pass') passed = union(passed, p);
        undecided = subtractPorts(undecided, p);
        if (isEmpty(undecided)) break;
      }
      remaining = union(passed, sg.applies && this.tiers[sg.tier]!.defaultAction === 'deny' ? EMPTY_PORTS : undecided);
      if (isEmpty(remaining)) break;
    }
    return union(allowed, remaining);
  }

  // ---- lookups ------------------------------------------------------------

  /** Index in `ipBlocks` of a policy's ipBlock peer. */
  ipBlockIndexOf(peer: { cidr: Cidr; except: readonly Cidr[] }): number {
    return this.ipBlockIndex.get(`${peer.cidr.text}-${peer.except.map((e) => e.text).join(',')}`) ?? -1;
  }

  /** Why a connection is allowed or denied (see explain.ts). */
  explain(from: string | { ip: string }, to: string | { ip: string }, q: PortQuery = {}): Explanation {
    return explain(this, from, to, q);
  }

  endpoint(id: string): Endpoint | undefined {
    return this.classOf(id)?.endpoints.find((e) => e.id === id);
  }

  classOf(endpointId: string): PodClass | undefined {
    const c = this.classIdOfEndpoint.get(endpointId);
    return c === undefined ? undefined : this.classes[c];
  }

  /** A peer from an endpoint id, or an IP address (a pod's IP resolves to that pod). */
  peer(ref: string | { ip: string }): Peer | undefined {
    if (typeof ref === 'string') {
      const cls = this.classOf(ref);
      if (cls) return { kind: 'class', cls };
      if (!parseIp(ref)) return undefined;
      ref = { ip: ref };
    }
    const ip = parseIp(ref.ip);
    if (!ip) return undefined;
    for (const c of this.classes) {
      for (const e of c.endpoints) if (e.ips.includes(ref.ip)) return { kind: 'class', cls: c };
    }
    const atom = this.external.find((a) => containsIp(a.set, ip.family, ip.value));
    return atom ? { kind: 'external', atom, family: ip.family } : undefined;
  }

  // ---- evaluation ---------------------------------------------------------

  /** The IP families a peer can use. */
  familiesOf(peer: Peer): readonly IpFamily[] {
    if (peer.kind === 'class') return peer.cls.families;
    if (peer.family !== undefined) return [peer.family];
    const f: IpFamily[] = [];
    if (peer.atom.set.v4.length > 0) f.push(4);
    if (peer.atom.set.v6.length > 0) f.push(6);
    return f;
  }

  /** Does the grant admit the peer on a connection over IP family `family`? */
  grantHas(g: Grant, peer: Peer, family: IpFamily): boolean {
    if (g.allPeers) return true;
    if (peer.kind === 'class') {
      if (g.allClasses) return true;
      const id = peer.cls.id;
      for (const s of g.members) if (sortedHas(this.memberSets[s]!, id)) return true;
      for (const s of family === 4 ? g.ipMembers4 : g.ipMembers6) if (sortedHas(this.memberSets[s]!, id)) return true;
      return false;
    }
    // External atoms other than ip:other lie in one family, and ip:other is in no block.
    return g.external[peer.atom.index] === 1;
  }

  /** The ports a grant allows towards a destination (named ports resolve there). */
  grantPorts(g: Grant, dst: Peer): PortSet {
    if (g.fixedPorts) return g.fixedPorts;
    const key = dst.kind === 'class' ? dst.cls.portsKey : '\u0000external';
    let p = g.portCache.get(key);
    if (!p) {
      const cp = dst.kind === 'class' ? dst.cls.ports : undefined;
      p = g.layer ? resolveLayerPorts(g.layer.rule, cp) : resolvePorts(g.rule.ports, cp);
      g.portCache.set(key, p);
    }
    return p;
  }

  /** The families both ends can use; one is enough when no ipBlock tells families apart. */
  sharedFamilies(a: Peer, b: Peer): readonly IpFamily[] {
    const fb = this.familiesOf(b);
    const shared = this.familiesOf(a).filter((f) => fb.includes(f));
    return this.familySensitive ? shared : shared.slice(0, 1);
  }

  /** Ports on which the source's egress side lets it reach dst (over any family both have). */
  egressPorts(src: Peer, dst: Peer): PortSet {
    let acc = EMPTY_PORTS;
    for (const f of this.sharedFamilies(src, dst)) acc = union(acc, this.egressPortsOver(src, dst, f));
    return acc;
  }

  /** Ports on which the destination's ingress side accepts src (over any family both have). */
  ingressPorts(src: Peer, dst: Peer): PortSet {
    let acc = EMPTY_PORTS;
    for (const f of this.sharedFamilies(src, dst)) acc = union(acc, this.ingressPortsOver(src, dst, f));
    return acc;
  }

  private egressPortsOver(src: Peer, dst: Peer, family: IpFamily): PortSet {
    if (src.kind !== 'class') return ALL_PORTS;
    if (src.cls.egressProgram) return this.runProgram(src.cls.egressProgram, dst, dst, family);
    if (!src.cls.egressIsolated) return ALL_PORTS;
    let acc = EMPTY_PORTS;
    for (const gi of src.cls.egressGrants) {
      const g = this.grants[gi]!;
      if (!this.grantHas(g, dst, family)) continue;
      acc = union(acc, this.grantPorts(g, dst));
      if (acc === ALL_PORTS) break;
    }
    return acc;
  }

  private ingressPortsOver(src: Peer, dst: Peer, family: IpFamily): PortSet {
    if (dst.kind !== 'class') return ALL_PORTS;
    if (dst.cls.ingressProgram) return this.runProgram(dst.cls.ingressProgram, src, dst, family);
    if (!dst.cls.ingressIsolated) return ALL_PORTS;
    let acc = EMPTY_PORTS;
    for (const gi of dst.cls.ingressGrants) {
      const g = this.grants[gi]!;
      if (!this.grantHas(g, src, family)) continue;
      acc = union(acc, this.grantPorts(g, dst));
      if (acc === ALL_PORTS) break;
    }
    return acc;
  }

  /**
   * Every port and protocol on which src may open a connection to dst: over some
   * IP family both ends have, egress at the source AND ingress at the destination,
   * less what the datapath drops (`dropped`).
   */
  allowedPorts(src: Peer, dst: Peer): PortSet {
    if (src.kind === 'external' && dst.kind === 'external') return EMPTY_PORTS;
    let acc = EMPTY_PORTS;
    for (const f of this.sharedFamilies(src, dst)) {
      const e = this.egressPortsOver(src, dst, f);
      if (isEmpty(e)) continue;
      acc = union(acc, intersect(e, this.ingressPortsOver(src, dst, f)));
    }
    // What the datapath drops is gone whatever both sides allow.
    return this.dropped === EMPTY_PORTS ? acc : subtractPorts(acc, this.dropped);
  }

  /** Like peer(), but says why a reference names nothing. */
  requirePeer(ref: string | { ip: string }, role: 'source' | 'destination'): Peer {
    const p = this.peer(ref);
    if (p) return p;
    const text = typeof ref === 'string' ? ref : ref.ip;
    const ip = parseIp(text);
    if (ip && containsIp(this.clusterSpace, ip.family, ip.value)) {
      throw new MeshlessError('unknown-endpoint', `${role} ${text} is inside the pod network (${this.podCidrs.map((c) => c.text).join(', ')}) but no pod in the input has that IP; if it is not a pod address, set --pod-cidr to the real pod network (now: ${this.podCidrSource})`);
    }
    throw new MeshlessError('unknown-endpoint', `unknown ${role} ${JSON.stringify(text)}: not an endpoint id in the input nor an IP address`);
  }

  /** Is a connection from → to on port/protocol allowed? Endpoint ids or IP addresses. */
  isAllowed(from: string | { ip: string }, to: string | { ip: string }, port: number, protocol: Protocol): boolean {
    return hasPort(this.allowedPorts(this.requirePeer(from, 'source'), this.requirePeer(to, 'destination')), protocol, port);
  }

  // ---- all pairs, on roles -------------------------------------------------

  /**
   * Full allowed connectivity, computed on roles: a source role is the set of
   * classes with the same egress rules and the same membership in ingress peers;
   * a destination role likewise with ingress rules, egress-peer membership and
   * named ports. Any two classes of one role get identical answers, so each role
   * pair is evaluated once on representatives.
   */
  rolePairs(): RolePairs {
    this.pairs ??= this.computeRolePairs(undefined);
    return this.pairs;
  }

  /**
   * Role pairs that touch the classes of the `core` namespaces: from them to the classes
   * of `namespaces` and the outside world, and from those to them. What `diff` compares
   * when a change can only act there (netpol/diff-scope.ts): each pair's answer is the
   * one `rolePairs()` gives; other pairs are left out. Core and other classes never share
   * a role.
   */
  rolePairsWithin(namespaces: ReadonlySet<string>, core: ReadonlySet<string>): RolePairs {
    const included = new Uint8Array(this.classes.length);
    for (const c of this.classes) {
      const ns = c.namespace.name;
      if (core.has(ns)) included[c.id] = 2;
      else if (namespaces.has(ns)) included[c.id] = 1;
    }
    return this.computeRolePairs(included);
  }

  /**
   * `included[class id]`: 0 takes no part, 1 takes part only in pairs with a class marked
   * 2, 2 takes part in every pair (all classes are 2 when `included` is undefined).
   */
  private computeRolePairs(included: Uint8Array | undefined): RolePairs {
    const inMember: number[][] = this.classes.map(() => []);
    const outMember: number[][] = this.classes.map(() => []);
    // Membership codes: 3s for member set s admitted over any family, 3s+1 / 3s+2 over IPv4 / IPv6
    // only. Two classes in the same sets are in the same grants; each set is walked once per
    // direction, so this costs the sum of the distinct sets' sizes, not grants × classes.
    const inCodes = new Set<number>();
    const outCodes = new Set<number>();
    /** Ingress grants (not universal) by membership code: which grants a source class is named in. */
    const ingressGrantsOfCode = new Map<number, number[]>();
    for (const g of this.grants) {
      if (g.allClasses) continue; // universal membership tells no class apart
      const codes = g.direction === 'ingress' ? inCodes : outCodes;
      for (const [list, k] of [[g.members, 0], [g.ipMembers4, 1], [g.ipMembers6, 2]] as const) {
        for (const s of list) {
          const code = 3 * s + k;
          codes.add(code);
          if (g.direction !== 'ingress') continue;
          let l = ingressGrantsOfCode.get(code);
          if (!l) ingressGrantsOfCode.set(code, (l = []));
          l.push(g.id);
        }
      }
    }
    for (const [codes, target] of [[inCodes, inMember], [outCodes, outMember]] as const) {
      for (const code of [...codes].sort((a, b) => a - b)) for (const c of this.memberSets[Math.floor(code / 3)]!) target[c]!.push(code);
    }
    const srcRoles: Role[] = [];
    const dstRoles: Role[] = [];
    const dstRoleOf = new Int32Array(this.classes.length).fill(-1);
    const srcKeys = new Map<string, Role>();
    const dstKeys = new Map<string, Role>();
    for (const c of this.classes) {
      if (included && included[c.id] === 0) continue;
      const part = included ? `|${included[c.id]!}` : '';
      const sk = `${c.egressProgram ? `P${c.egressProgram.id}` : c.egressIsolated ? c.egressGrants.join(',') : '*'}|${inMember[c.id]!.join(',')}|${c.families.join('')}${part}`;
      let r = srcKeys.get(sk);
      if (!r) {
        r = { id: srcRoles.length, classes: [] };
        srcKeys.set(sk, r);
        srcRoles.push(r);
      }
      r.classes.push(c.id);
      const dk = `${c.ingressProgram ? `P${c.ingressProgram.id}` : c.ingressIsolated ? c.ingressGrants.join(',') : '*'}|${outMember[c.id]!.join(',')}|${c.portsKey}|${c.families.join('')}${part}`;
      let d = dstKeys.get(dk);
      if (!d) {
        d = { id: dstRoles.length, classes: [] };
        dstKeys.set(dk, d);
        dstRoles.push(d);
      }
      d.classes.push(c.id);
      dstRoleOf[c.id] = d.id;
    }
    const classDstRoles = dstRoles.length;
    for (const atom of this.external) {
      srcRoles.push({ id: srcRoles.length, classes: [], atom });
      dstRoles.push({ id: dstRoles.length, classes: [], atom });
    }

    // Indexes for candidate pruning.
    const unisolatedDst: number[] = [];
    const dstRolesOfIngressGrant = new Map<number, number[]>();
    for (let d = 0; d < classDstRoles; d++) {
      const rep = this.classes[dstRoles[d]!.classes[0]!]!;
      const open = rep.ingressProgram ? rep.ingressProgram.open : !rep.ingressIsolated;
      if (open) unisolatedDst.push(d);
      else for (const g of rep.ingressProgram ? rep.ingressProgram.candidateGrants : rep.ingressGrants) {
        let l = dstRolesOfIngressGrant.get(g);
        if (!l) dstRolesOfIngressGrant.set(g, (l = []));
        l.push(d);
      }
    }
    const universalIngressGrants = this.grants.filter((g) => g.direction === 'ingress' && g.allClasses).map((g) => g.id);
    const externalIngressGrants = this.grants.filter((g) => g.direction === 'ingress').map((g) => g.id);

    /** The destination roles of a member set's classes (distinct), computed once per set. */
    const rolesOfSet = new Map<number, Int32Array>();
    const dstRolesOfSet = (s: number): Int32Array => {
      let r = rolesOfSet.get(s);
      if (!r) {
        const roles = Array.from(this.memberSets[s]!, (c) => dstRoleOf[c]!);
        // Classes that take no part (rolePairsWithin) have no role.
        r = sortedSetOf(included ? roles.filter((d) => d >= 0) : roles);
        rolesOfSet.set(s, r);
      }
      return r;
    };
    const stamp = new Int32Array(dstRoles.length).fill(-1);
    const reach: { dst: number[]; ports: PortSet[] }[] = [];
    const peerOfDst = (d: number): Peer => {
      const r = dstRoles[d]!;
      return r.atom ? { kind: 'external', atom: r.atom } : { kind: 'class', cls: this.classes[r.classes[0]!]! };
    };
    // rolePairsWithin: roles of core classes (2) meet every role; the others (and the outside world) only core ones.
    const coreDst = new Uint8Array(dstRoles.length);
    if (included) for (let d = 0; d < classDstRoles; d++) coreDst[d] = included[dstRoles[d]!.classes[0]!] === 2 ? 1 : 0;
    for (const sr of srcRoles) {
      const src: Peer = sr.atom ? { kind: 'external', atom: sr.atom } : { kind: 'class', cls: this.classes[sr.classes[0]!]! };
      const candidates: number[] = [];
      const onlyCore = included !== undefined && (sr.atom !== undefined || included[sr.classes[0]!] !== 2);
      const add = (d: number): void => {
        if (onlyCore && coreDst[d] !== 1) return;
        if (stamp[d] !== sr.id) {
          stamp[d] = sr.id;
          candidates.push(d);
        }
      };
      const srcClosed = src.kind === 'class' && (src.cls.egressProgram ? !src.cls.egressProgram.open : src.cls.egressIsolated);
      if (src.kind === 'class' && srcClosed) {
        for (const gi of src.cls.egressProgram ? src.cls.egressProgram.candidateGrants : src.cls.egressGrants) {
          const g = this.grants[gi]!;
          if (g.allClasses) for (let d = 0; d < classDstRoles; d++) add(d);
          else {
            for (const s of g.members) for (const d of dstRolesOfSet(s)) add(d);
            for (const s of g.ipMembers4) for (const d of dstRolesOfSet(s)) add(d);
            for (const s of g.ipMembers6) for (const d of dstRolesOfSet(s)) add(d);
          }
          for (let a = 0; a < this.external.length; a++) if (g.external[a] === 1) add(classDstRoles + a);
        }
        // Outside pieces are few: a program's are all tried, whatever its candidate rules.
        if (src.cls.egressProgram) for (let a = 0; a < this.external.length; a++) add(classDstRoles + a);
      } else {
        for (const d of unisolatedDst) add(d);
        const grants = src.kind === 'class' ? [...inMember[src.cls.id]!.flatMap((code) => ingressGrantsOfCode.get(code) ?? []), ...universalIngressGrants] : externalIngressGrants;
        for (const g of grants) for (const d of dstRolesOfIngressGrant.get(g) ?? []) add(d);
        if (src.kind === 'class') for (let a = 0; a < this.external.length; a++) add(classDstRoles + a);
      }
      candidates.sort((a, b) => a - b);
      const dst: number[] = [];
      const ports: PortSet[] = [];
      for (const d of candidates) {
        const p = this.allowedPorts(src, peerOfDst(d));
        if (!isEmpty(p)) {
          dst.push(d);
          ports.push(p);
        }
      }
      reach.push({ dst, ports });
    }
    return { srcRoles, dstRoles, reach };
  }

  /** Number of allowed (source class, destination class) pairs: the full connectivity at class level. */
  allClassPairs(): number {
    const { srcRoles, dstRoles, reach } = this.rolePairs();
    let n = 0;
    srcRoles.forEach((sr, i) => {
      const srcCount = sr.atom ? 1 : sr.classes.length;
      let dstCount = 0;
      for (const d of reach[i]!.dst) dstCount += dstRoles[d]!.atom ? 1 : dstRoles[d]!.classes.length;
      n += srcCount * dstCount;
    });
    return n;
  }
}

/** Adds a member set id to a grant's list (once). */
function addSet(list: number[], set: number): void {
  if (!list.includes(set)) list.push(set);
}

/** A peer with no criterion matches every source or destination. */
function isUniversal(peer: LayerPeer): boolean {
  return !peer.pods && !peer.notPods && !peer.nets && !peer.notNets && !peer.allPods && !peer.allExternal && peer.depends === undefined;
}

function matchesCalicoLabels(sel: CalicoSelector, labels: Labels): boolean {
  return matchesCalico(sel, (k) => labels[k]);
}

function describeBlock(cidr: Cidr, except: readonly Cidr[]): string {
  return except.length === 0 ? cidr.text : `${cidr.text} except ${except.map((e) => e.text).join(', ')}`;
}

/** A class with no endpoint yet and no policy compiled into it. */
function newClass(id: number, namespace: Namespace, labels: Labels, ports: readonly ContainerPort[], portsKey: string, inBlocks: readonly number[], ipKnown: boolean, families: readonly IpFamily[], serviceAccount: string | undefined): PodClass {
  return {
    id,
    namespace,
    labels,
    ports,
    portsKey,
    endpoints: [],
    inBlocks,
    ipKnown,
    families,
    ingressIsolated: false,
    egressIsolated: false,
    ingressPolicies: [],
    egressPolicies: [],
    ingressGrants: [],
    egressGrants: [],
    ...(serviceAccount !== undefined ? { serviceAccount } : {}),
  };
}


/** Analyses an Inventory. Pure: the same inventory always gives the same answers. */
export function analyze(inventory: Inventory, options: AnalyzeOptions = {}): Analysis {
  return new Analysis(inventory, options);
}

