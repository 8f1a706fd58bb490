/**
 * A brute-force reference evaluator for network policies WITH POLICY LAYERS:
 * networking.k8s.io/v1 NetworkPolicy, AdminNetworkPolicy / BaselineAdminNetworkPolicy
 * (policy.networking.k8s.io/v1alpha1), ClusterNetworkPolicy (v1alpha2 / v1beta1),
 * Calico projectcalico.org/v3 Tier / GlobalNetworkPolicy / NetworkPolicy, and Cilium
 * cilium.io/v2 CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy (L3/L4).
 *
 * Like ./evaluator.ts it holds the engine in src/ to account, so it imports nothing
 * from src/, and it is written to be obviously correct rather than fast: every
 * question walks every tier, policy, rule and peer. It borrows only test code from
 * ./evaluator.ts (IP/CIDR helpers, k8s label selectors).
 *
 * Modelled release: Calico 3.32, network-policy-api v0.3.0. The semantics are those
 * of test/fixtures/netpol-layers-cases/README.md (its 23 scenarios pass, see
 * layers-evaluator.test.ts); where that README is silent, the choice and its source:
 *
 * ONE ORDERED EVALUATION PER DIRECTION: egress at the source pod, ingress at the
 * destination pod; a connection is allowed iff both allow it (an external IP has no
 * policies). A connection uses one IP family that both ends have (as ./evaluator.ts).
 * Tiers run by order (ties by name):
 *   admin tier     order 1,000       default Pass   ANP (order = priority), ClusterNetworkPolicy tier Admin (order = priority)
 *   user Tiers     spec.order        spec.defaultAction (Deny|Pass, default Deny); order missing = after every ordered tier
 *   default tier   order 1,000,000   default Deny   Calico policies without a tier; v1 NetworkPolicies at order 1000
 *                                                   (named `knp.default.<name>`, as Calico names them); Cilium (below)
 *   baseline tier  order 10,000,000  default Pass   BANP (order 1000 in its tier), ClusterNetworkPolicy tier Baseline (order = priority)
 *   then: allowed.
 * A tier takes part only if one of its policies selects the endpoint FOR THAT
 * DIRECTION. Its policies run by order (missing = after every ordered one; ties by
 * name, then namespace), their rules in written order; the first matching rule
 * decides: Allow/Accept allows, Deny denies, Pass leaves the tier (next tier), Log
 * goes on. A tier that took part with no rule matching applies its default action.
 *
 * ADMIN / BASELINE (network-policy-api): subject `namespaces` (namespace selector) or
 * `pods` {namespaceSelector, podSelector}; a policy selects for a direction when the
 * subject matches and it has rules in that direction. Peers are OR-ed: `namespaces`,
 * `pods`, `networks` (CIDRs; match pod IPs and external IPs); `nodes` and
 * `domainNames` never match a pod or an IP here. ANP `ports`: portNumber
 * {protocol=TCP, port}, portRange {protocol=TCP, start, end}, namedPort; CNP
 * `protocols`: {tcp|udp|sctp: {destinationPort: {number} | {range: {start, end}}}}
 * ({tcp: {}} = every TCP port) or {destinationNamedPort}. Missing = every port. A
 * named port resolves at the destination pod's container ports, by name, with that
 * container port's protocol; it never matches an external destination.
 *
 * CALICO (docs.tigera.io, calico/reference/resources/{tier,networkpolicy,
 * globalnetworkpolicy}.mdx, _rule/_entityrule/_selectors/_ports.mdx):
 * - Policy selection: `selector` (missing = all()) over the pod's labels plus
 *   projectcalico.org/namespace=<ns>; a NetworkPolicy only in its own namespace; a
 *   GlobalNetworkPolicy's `namespaceSelector` over the namespace's labels plus
 *   projectcalico.org/name=<ns>. `types` missing: [Ingress, Egress] if both rule lists
 *   are non-empty, [Egress] if only egress rules, else [Ingress]. A policy selects for
 *   a direction listed in types even with no rules in it.
 * - Rule: `protocol` / `notProtocol` (names or numbers 6/17/132), `ipVersion`, then the
 *   `source` entity rule against the connection's source and `destination` against
 *   its destination (in both directions).
 * - Entity rule, all present fields must hold: `nets` (some IP inside one), `notNets`
 *   (no IP inside any), `selector` (a pod whose labels match), `notSelector` (not a pod
 *   whose labels match: an external IP passes), `ports`/`notPorts` (destination only:
 *   numbers, "lo:hi" ranges, named ports of the destination pod with the rule's
 *   protocol). Scope (libcalico-go updateprocessors/rules.go): when the entity rule has
 *   a selector, notSelector or namespaceSelector, the endpoint must be a pod in a
 *   namespace matching `namespaceSelector`, or, without one, in the policy's own
 *   namespace for a NetworkPolicy (any namespace for a GlobalNetworkPolicy).
 * - `services` {name, namespace}: the Service's backends (serviceBackends below), matched
 *   as a destination by address, port and protocol, as a source by address; no namespace:
 *   nothing (Calico looks under an empty one).
 * - Selector language: all(), k == 'v', k != 'v' (also true when k is missing),
 *   k in {..}, k not in {..} (also true when missing), has(k), !, &&, ||, parentheses,
 *   k contains / starts with / ends with 'v'; strings in single or double quotes.
 *
 * CILIUM (docs.cilium.io security/policy): a pod selected (`endpointSelector`; a
 * CiliumNetworkPolicy only in its namespace, its matchLabels namespace entry replaced by
 * the policy's as Cilium's ParseToCiliumRule does) by a policy with a non-empty `ingress` or
 * `ingressDeny` is default-deny for ingress (egress alike). Modelled inside the
 * default tier: the Cilium deny rules first (before every policy of the tier), each
 * Cilium policy's allow rules at order 1000 (like v1 NetworkPolicies), and the tier
 * takes part (default Deny) when a Cilium policy selects the pod for the direction.
 * Peers, OR-ed: `from/toEndpoints` (label selectors; a `k8s:`/`any:` key prefix is
 * dropped; io.kubernetes.pod.namespace = the pod's namespace name,
 * io.cilium.k8s.namespace.labels.<k> = its namespace's labels, other keys pod labels;
 * a selector that does not constrain io.kubernetes.pod.namespace means the policy's
 * namespace in a CiliumNetworkPolicy, every namespace in a clusterwide one); endpoints
 * never match an external IP. `from/toEntities`: cluster = every pod, world = every
 * external IP, all = both, others nothing. `from/toCIDR`, `from/toCIDRSet{cidr,
 * except}`: external IPs only, never pods. `toServices`: the ready endpoint addresses of
 * the Services without a selector it names (by name or by labels; no namespace = any),
 * as external IPs, never pods. `toFQDNs`: nothing here. A rule with ports
 * and no peer field is L4-only: every peer ("to any layer 3 destination",
 * language.rst); `{}` matches nothing. `toPorts: [{ports: [{port, endPort,
 * protocol}]}]`, protocol missing or ANY = TCP/UDP/SCTP, port "0" = every port.
 *
 * CILIUM AND SCTP (Documentation/configuration/sctp.rst; bpf/lib/conntrack.h): Cilium's
 * datapath passes SCTP only when the agent has SCTP support on (ConfigMap cilium-config,
 * `enable-sctp`, false unless it says so); otherwise SCTP from or to any pod is dropped
 * before the policies, whoever they are. So once the input shows Cilium (a Cilium policy,
 * the cilium-config ConfigMap or the cilium DaemonSet), an SCTP connection is refused unless
 * every cilium-config sets enable-sctp to a true word ("true", "1", "t", ...); and when one
 * of them sets enable-extended-ip-protocols, or they disagree, the policies alone answer.
 *
 * v1 NetworkPolicy keeps the semantics of ./evaluator.ts; its rules are all Allow.
 */
import { cidrContains, parseIp, selectorMatches, type Peer, type Protocol } from './evaluator.js';

export type { Peer, Protocol } from './evaluator.js';

export interface LayeredReferenceOptions {
  /** Namespace of namespaced objects that name none. Default `default`. */
  readonly defaultNamespace?: string;
}

type Labels = Record<string, string>;
type Raw = Record<string, unknown>;
type Direction = 'ingress' | 'egress';
type Family = 4 | 6;
/** What a rule (or a policy, or a tier) says: undefined = nothing, go on. */
type Verdict = 'allow' | 'deny' | 'pass' | undefined;

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const CALICO_NAMESPACE_LABEL = 'projectcalico.org/namespace';
const CALICO_NAME_LABEL = 'projectcalico.org/name';
const CILIUM_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
const CILIUM_NS_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';

const ADMIN_TIER_ORDER = 1_000;
const DEFAULT_TIER_ORDER = 1_000_000;
const BASELINE_TIER_ORDER = 10_000_000;
const K8S_NP_ORDER = 1000;
const BANP_ORDER = 1000;

const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const present = (v: unknown): boolean => v !== undefined && v !== null;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function fail(message: string): never {
  throw new Error(`layered reference evaluator: ${message}`);
}

function labelsOf(v: unknown): Labels {
  const out: Labels = {};
  if (isRecord(v)) for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

function familyOf(ip: string): Family | undefined {
  const p = parseIp(ip);
  return p === undefined ? undefined : p.bits === 32 ? 4 : 6;
}

// ---------------------------------------------------------------------------
// Calico selector language: a tiny recursive-descent parser to a predicate.

type CalicoSelector = (labels: Readonly<Labels>) => boolean;

/** Parses a Calico selector; an empty or missing one is all(). */
export function parseCalicoSelector(text: string): CalicoSelector {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const take = (expected?: string): string => {
    const t = tokens[i];
    if (t === undefined || (expected !== undefined && t !== expected)) fail(`selector "${text}": expected ${expected ?? 'more'} at token ${i} (${t ?? 'end'})`);
    i++;
    return t;
  };
  const isString = (t: string | undefined): boolean => t !== undefined && (t.startsWith("'") || t.startsWith('"'));
  const stringValue = (): string => {
    const t = take();
    if (!isString(t)) fail(`selector "${text}": expected a string, got ${t}`);
    return t.slice(1, -1);
  };
  const isKey = (t: string | undefined): boolean => t !== undefined && /^[A-Za-z0-9_./-]+$/.test(t);

  const orExpr = (): CalicoSelector => {
    let left = andExpr();
    while (peek() === '||') {
      take();
      const l = left;
      const r = andExpr();
      left = (labels) => l(labels) || r(labels);
    }
    return left;
  };
  const andExpr = (): CalicoSelector => {
    let left = unary();
    while (peek() === '&&') {
      take();
      const l = left;
      const r = unary();
      left = (labels) => l(labels) && r(labels);
    }
    return left;
  };
  const unary = (): CalicoSelector => {
    if (peek() === '!') {
      take();
      const inner = unary();
      return (labels) => !inner(labels);
    }
    return primary();
  };
  const valueSet = (): string[] => {
    take('{');
    const values: string[] = [];
    if (peek() !== '}') {
      values.push(stringValue());
      while (peek() === ',') {
        take();
        values.push(stringValue());
      }
    }
    take('}');
    return values;
  };
  const primary = (): CalicoSelector => {
    const t = take();
    if (t === '(') {
      const inner = orExpr();
      take(')');
      return inner;
    }
    if (t === 'all' && peek() === '(') {
      take('(');
      take(')');
      return () => true;
    }
    if (t === 'has' && peek() === '(') {
      take('(');
      const key = take();
      if (!isKey(key)) fail(`selector "${text}": bad key ${key}`);
      take(')');
      return (labels) => Object.prototype.hasOwnProperty.call(labels, key);
    }
    if (t === 'global' && peek() === '(') fail(`selector "${text}": global() is not modelled`);
    if (!isKey(t)) fail(`selector "${text}": unexpected ${t}`);
    const key = t;
    const has = (labels: Readonly<Labels>): boolean => Object.prototype.hasOwnProperty.call(labels, key);
    const op = take();
    switch (op) {
      case '==': {
        const v = stringValue();
        return (labels) => has(labels) && labels[key] === v;
      }
      case '!=': {
        const v = stringValue();
        return (labels) => !has(labels) || labels[key] !== v;
      }
      case 'in': {
        const vs = valueSet();
        return (labels) => has(labels) && vs.includes(labels[key]!);
      }
      case 'not': {
        take('in');
        const vs = valueSet();
        return (labels) => !has(labels) || !vs.includes(labels[key]!);
      }
      case 'contains': {
        const v = stringValue();
        return (labels) => has(labels) && labels[key]!.includes(v);
      }
      case 'starts': {
        take('with');
        const v = stringValue();
        return (labels) => has(labels) && labels[key]!.startsWith(v);
      }
      case 'ends': {
        take('with');
        const v = stringValue();
        return (labels) => has(labels) && labels[key]!.endsWith(v);
      }
      default:
        return fail(`selector "${text}": unexpected operator ${op}`);
    }
  };

  if (tokens.length === 0) return () => true;
  const selector = orExpr();
  if (i !== tokens.length) fail(`selector "${text}": trailing ${tokens.slice(i).join(' ')}`);
  return selector;
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail(`selector "${text}": unterminated string`);
      tokens.push(text.slice(i, end + 1));
      i = end + 1;
    } else if (text.startsWith('==', i) || text.startsWith('!=', i) || text.startsWith('&&', i) || text.startsWith('||', i)) {
      tokens.push(text.slice(i, i + 2));
      i += 2;
    } else if ('!(){},'.includes(c)) {
      tokens.push(c);
      i++;
    } else {
      const m = /^[A-Za-z0-9_./-]+/.exec(text.slice(i));
      if (!m) fail(`selector "${text}": unexpected character ${c}`);
      tokens.push(m[0]);
      i += m[0].length;
    }
  }
  return tokens;
}

// ---------------------------------------------------------------------------
// The cluster.

interface ContainerPort {
  readonly name: string | undefined;
  readonly port: number;
  readonly protocol: Protocol;
}

interface Pod {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly ips: readonly string[];
  readonly ports: readonly ContainerPort[];
}

type Endpoint = { readonly kind: 'pod'; readonly pod: Pod } | { readonly kind: 'ip'; readonly ip: string };

/** One connection, asked for one IP family. */
interface Conn {
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly port: number;
  readonly protocol: Protocol;
  readonly family: Family;
}

/** A policy as a tier sees it. */
interface TierPolicy {
  readonly describe: string;
  /** Sort key inside the tier: order (Infinity = missing), then name, then namespace. */
  readonly order: number;
  readonly name: string;
  readonly namespace: string;
  /** Does the policy select this pod for this direction (so that its tier takes part)? */
  selects(pod: Pod, direction: Direction): boolean;
  /** The first matching rule's verdict (Log rules go on), or undefined when none matches. */
  evaluate(conn: Conn, direction: Direction): Verdict;
}

interface Tier {
  readonly name: string;
  readonly order: number;
  /** A Tier object may restate a built-in tier's default action. */
  defaultAction: 'deny' | 'pass';
  readonly policies: TierPolicy[];
}

function podOf(o: Raw, namespace: string, name: string): Pod {
  const md = o['metadata'] as Raw;
  const spec = isRecord(o['spec']) ? o['spec'] : {};
  const status = isRecord(o['status']) ? o['status'] : {};
  const ips: string[] = [];
  if (typeof status['podIP'] === 'string' && status['podIP'] !== '') ips.push(status['podIP']);
  for (const e of list(status['podIPs'])) if (isRecord(e) && typeof e['ip'] === 'string' && !ips.includes(e['ip'])) ips.push(e['ip']);
  const ports: ContainerPort[] = [];
  const containers = [...list(spec['containers']), ...list(spec['initContainers']).filter((c) => isRecord(c) && c['restartPolicy'] === 'Always')];
  for (const c of containers) {
    if (!isRecord(c)) continue;
    for (const p of list(c['ports'])) {
      if (!isRecord(p) || typeof p['containerPort'] !== 'number') continue;
      ports.push({ name: str(p['name']), port: p['containerPort'], protocol: (p['protocol'] ?? 'TCP') as Protocol });
    }
  }
  return { namespace, name, labels: labelsOf(md['labels']), ips, ports };
}

const CLUSTER_SCOPED = new Set(['Namespace', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy', 'GlobalNetworkPolicy', 'Tier', 'CiliumClusterwideNetworkPolicy']);

const groupOf = (o: Raw): string => {
  const api = str(o['apiVersion']) ?? '';
  return api.includes('/') ? api.slice(0, api.indexOf('/')) : '';
};

/** The IPs of an endpoint in the connection's family. */
function ipsOf(e: Endpoint, family: Family): string[] {
  return (e.kind === 'ip' ? [e.ip] : e.pod.ips).filter((ip) => familyOf(ip) === family);
}

/** Does `ports` (a destination pod's container ports) name `name` at (port, protocol)? */
function namedPortMatches(dst: Endpoint, name: string, port: number, protocol: Protocol): boolean {
  return dst.kind === 'pod' && dst.pod.ports.some((cp) => cp.name === name && cp.protocol === protocol && cp.port === port);
}

/** One endpoint of a Service as Calico matches it: an address, on a port (destination matches only). */
interface Backend {
  readonly ip: string;
  readonly port: number | undefined;
  readonly protocol: Protocol;
}

/**
 * CALICO `services` (felix/calc/rule_scanner.go, felix/serviceindex/serviceindex.go): the
 * endpoints of the EndpointSlices labelled kubernetes.io/service-name=<name> in the
 * Service's namespace, every endpoint (no condition is read), every IP address, each on
 * every slice port that has a number (protocol TCP when missing). With no slice in the
 * input, the slices Kubernetes would make: for a Service with a selector (not of type
 * ExternalName) one endpoint per pod of its namespace whose labels the selector matches,
 * with each Service port's targetPort (port when missing; a name: the pod's container port
 * of that name and the port's protocol, skipped when it has none); for a Service without
 * one, its Endpoints mirrored (addresses and notReadyAddresses, each subset on its ports)
 * unless labelled endpointslice.kubernetes.io/skip-mirror=true. No Service and no slice:
 * no backend (the engine says "depends on" and matches nothing).
 */
function serviceBackends(objects: readonly Raw[], pods: readonly Pod[], namespaceOf: (o: Raw) => string): (ns: string, name: string) => readonly Backend[] {
  const protocolOf = (v: unknown): Protocol => (v === 'UDP' || v === 'SCTP' ? v : 'TCP');
  return (ns, name) => {
    const inNs = objects.filter((o) => namespaceOf(o) === ns);
    const out: Backend[] = [];
    const slices = inNs.filter((o) => o['kind'] === 'EndpointSlice' && labelsOf((o['metadata'] as Raw)['labels'])['kubernetes.io/service-name'] === name);
    const addrPorts = (addresses: readonly unknown[], ports: readonly unknown[]): void => {
      for (const a of addresses) {
        if (typeof a !== 'string' || familyOf(a) === undefined) continue;
        for (const p of ports) if (isRecord(p) && typeof p['port'] === 'number') out.push({ ip: a, port: p['port'], protocol: protocolOf(p['protocol']) });
        out.push({ ip: a, port: undefined, protocol: 'TCP' });
      }
    };
    if (slices.length > 0) {
      for (const sl of slices) for (const ep of list(sl['endpoints'])) if (isRecord(ep)) addrPorts(list(ep['addresses']), list(sl['ports']));
      return out;
    }
    const svc = inNs.find((o) => o['kind'] === 'Service' && (o['metadata'] as Raw)['name'] === name);
    if (!svc) return out;
    const spec = isRecord(svc['spec']) ? svc['spec'] : {};
    if (spec['type'] === 'ExternalName') return out;
    if (list(spec['ipFamilies']).length === 1) fail(`Service ${ns}/${name}: a single-family ipFamilies is not modelled`);
    const selector = labelsOf(spec['selector']);
    if (Object.keys(selector).length > 0) {
      for (const pod of pods) {
        if (pod.namespace !== ns || !Object.entries(selector).every(([k, v]) => pod.labels[k] === v)) continue;
        for (const ip of pod.ips) {
          out.push({ ip, port: undefined, protocol: 'TCP' });
          for (const sp of list(spec['ports'])) {
            if (!isRecord(sp)) continue;
            const protocol = protocolOf(sp['protocol']);
            const t = sp['targetPort'] ?? sp['port'];
            const port = typeof t === 'number' ? t : pod.ports.find((cp) => cp.name === t && cp.protocol === protocol)?.port;
            if (port !== undefined) out.push({ ip, port, protocol });
          }
        }
      }
      return out;
    }
    const eps = inNs.find((o) => o['kind'] === 'Endpoints' && (o['metadata'] as Raw)['name'] === name);
    if (!eps || labelsOf((eps['metadata'] as Raw)['labels'])['endpointslice.kubernetes.io/skip-mirror'] === 'true') return out;
    for (const sub of list(eps['subsets'])) {
      if (!isRecord(sub)) continue;
      const ips = [...list(sub['addresses']), ...list(sub['notReadyAddresses'])].map((a) => (isRecord(a) ? a['ip'] : undefined));
      addrPorts(ips, list(sub['ports']));
    }
    return out;
  };
}

export class LayeredReferenceCluster {
  readonly pods: readonly Pod[];
  private readonly namespaceLabels: ReadonlyMap<string, Labels>;
  private readonly tiers: readonly Tier[];
  /** Cilium runs without SCTP support: no SCTP connection at all (see the header). */
  private readonly sctpRefused: boolean;

  constructor(objects: readonly unknown[], options: LayeredReferenceOptions = {}) {
    const defaultNamespace = options.defaultNamespace ?? 'default';
    const namespaceOf = (o: Raw): string => {
      const md = o['metadata'] as Raw;
      return typeof md['namespace'] === 'string' && md['namespace'] !== '' ? md['namespace'] : defaultNamespace;
    };
    // A later object of the same group, kind, namespace and name replaces an earlier one.
    const byKey = new Map<string, Raw>();
    for (const o of objects) {
      if (!isRecord(o) || !isRecord(o['metadata']) || typeof o['metadata']['name'] !== 'string') continue;
      const kind = String(o['kind']);
      const key = `${groupOf(o)}|${kind}|${CLUSTER_SCOPED.has(kind) ? '' : namespaceOf(o)}|${o['metadata']['name']}`;
      byKey.delete(key);
      byKey.set(key, o);
    }

    const namespaceLabels = new Map<string, Labels>();
    const pods: Pod[] = [];
    const usedNamespaces: string[] = [];
    const admin: Tier = { name: 'adminnetworkpolicy', order: ADMIN_TIER_ORDER, defaultAction: 'pass', policies: [] };
    const dflt: Tier = { name: 'default', order: DEFAULT_TIER_ORDER, defaultAction: 'deny', policies: [] };
    const baseline: Tier = { name: 'baselineadminnetworkpolicy', order: BASELINE_TIER_ORDER, defaultAction: 'pass', policies: [] };
    const tiers = new Map<string, Tier>([[admin.name, admin], [dflt.name, dflt], [baseline.name, baseline]]);
    const calico: { o: Raw; namespace: string | undefined }[] = [];
    const cilium: Raw[] = [];
    const serviceObjects: Raw[] = [];

    for (const o of byKey.values()) {
      const md = o['metadata'] as Raw;
      const name = md['name'] as string;
      const group = groupOf(o);
      const spec = isRecord(o['spec']) ? o['spec'] : {};
      switch (`${group}/${String(o['kind'])}`) {
        case '/Namespace':
          namespaceLabels.set(name, { ...labelsOf(md['labels']), [NAMESPACE_NAME_LABEL]: name });
          break;
        case '/Pod':
          pods.push(podOf(o, namespaceOf(o), name));
          usedNamespaces.push(namespaceOf(o));
          break;
        case 'networking.k8s.io/NetworkPolicy':
          dflt.policies.push(this.k8sPolicy(namespaceOf(o), name, spec));
          usedNamespaces.push(namespaceOf(o));
          break;
        case 'policy.networking.k8s.io/AdminNetworkPolicy':
          admin.policies.push(this.npapiPolicy(`AdminNetworkPolicy ${name}`, name, numberOr(spec['priority'], 'ANP priority'), spec, 'ports'));
          break;
        case 'policy.networking.k8s.io/BaselineAdminNetworkPolicy':
          baseline.policies.push(this.npapiPolicy(`BaselineAdminNetworkPolicy ${name}`, name, BANP_ORDER, spec, 'ports'));
          break;
        case 'policy.networking.k8s.io/ClusterNetworkPolicy': {
          const tier = spec['tier'] === 'Admin' ? admin : spec['tier'] === 'Baseline' ? baseline : fail(`ClusterNetworkPolicy ${name}: tier ${String(spec['tier'])}`);
          tier.policies.push(this.npapiPolicy(`ClusterNetworkPolicy ${name}`, name, numberOr(spec['priority'], 'CNP priority'), spec, 'protocols'));
          break;
        }
        case 'projectcalico.org/Tier':
          addTier(tiers, name, spec);
          break;
        case 'projectcalico.org/GlobalNetworkPolicy':
          calico.push({ o, namespace: undefined });
          break;
        case 'projectcalico.org/NetworkPolicy':
          calico.push({ o, namespace: namespaceOf(o) });
          usedNamespaces.push(namespaceOf(o));
          break;
        case 'cilium.io/CiliumNetworkPolicy':
          cilium.push(o);
          usedNamespaces.push(namespaceOf(o));
          break;
        case 'cilium.io/CiliumClusterwideNetworkPolicy':
          cilium.push(o);
          break;
        case '/Service':
        case '/Endpoints':
        case 'discovery.k8s.io/EndpointSlice':
          serviceObjects.push(o);
          break;
        default:
          break; // not a policy: no say
      }
    }
    // Calico policies go to their tier, which must exist (tiers are read first).
    for (const { o, namespace } of calico) {
      const spec = isRecord(o['spec']) ? o['spec'] : {};
      const tierName = str(spec['tier']) ?? 'default';
      const tier = tiers.get(tierName) ?? fail(`Calico policy ${String((o['metadata'] as Raw)['name'])} names tier ${tierName}, which does not exist`);
      tier.policies.push(this.calicoPolicy(namespace, (o['metadata'] as Raw)['name'] as string, spec, serviceBackends(serviceObjects, pods, namespaceOf)));
    }
    if (cilium.length > 0) dflt.policies.push(...this.ciliumPolicies(cilium, namespaceOf, serviceObjects));
    this.sctpRefused = refusesSctp([...byKey.values()], cilium.length > 0);

    for (const ns of usedNamespaces) if (!namespaceLabels.has(ns)) namespaceLabels.set(ns, { [NAMESPACE_NAME_LABEL]: ns });
    this.pods = pods;
    this.namespaceLabels = namespaceLabels;
    this.tiers = [...tiers.values()].sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** `namespace/name` of every pod, sorted. */
  podIds(): string[] {
    return this.pods.map((p) => `${p.namespace}/${p.name}`).sort();
  }

  private nsLabels(namespace: string): Labels {
    return this.namespaceLabels.get(namespace) ?? { [NAMESPACE_NAME_LABEL]: namespace };
  }

  // -------------------------------------------------------------------------
  // networking.k8s.io/v1 NetworkPolicy: one policy of the default tier, all rules Allow.

  private k8sPolicy(namespace: string, name: string, spec: Raw): TierPolicy {
    const listed = list(spec['policyTypes']);
    const types = listed.length === 0 ? { ingress: true, egress: list(spec['egress']).length > 0 } : { ingress: listed.includes('Ingress'), egress: listed.includes('Egress') };
    const peerMatches = (peer: unknown, e: Endpoint, family: Family): boolean => {
      if (!isRecord(peer)) fail(`NetworkPolicy ${namespace}/${name}: bad peer`);
      if (present(peer['ipBlock'])) {
        const b = peer['ipBlock'] as Raw;
        const except = list(b['except']).map(String);
        return ipsOf(e, family).some((ip) => cidrContains(String(b['cidr']), ip) && except.every((x) => !cidrContains(x, ip)));
      }
      const podSel = peer['podSelector'];
      const nsSel = peer['namespaceSelector'];
      if (!present(podSel) && !present(nsSel)) fail(`NetworkPolicy ${namespace}/${name}: empty peer`);
      if (e.kind !== 'pod') return false;
      if (present(nsSel) ? !selectorMatches(nsSel, this.nsLabels(e.pod.namespace)) : e.pod.namespace !== namespace) return false;
      return !present(podSel) || selectorMatches(podSel, e.pod.labels);
    };
    const portsMatch = (ports: unknown, conn: Conn): boolean => {
      const entries = list(ports);
      if (entries.length === 0) return true;
      return entries.some((entry) => {
        const x = isRecord(entry) ? entry : {};
        const proto = (x['protocol'] ?? 'TCP') as Protocol;
        if (proto !== conn.protocol) return false;
        const p = x['port'];
        if (!present(p)) return true;
        if (typeof p === 'number') return typeof x['endPort'] === 'number' ? p <= conn.port && conn.port <= x['endPort'] : p === conn.port;
        return namedPortMatches(conn.dst, String(p), conn.port, proto);
      });
    };
    return {
      describe: `NetworkPolicy ${namespace}/${name}`,
      order: K8S_NP_ORDER,
      name: `knp.default.${name}`,
      namespace,
      selects: (pod, direction) => pod.namespace === namespace && types[direction] && selectorMatches(spec['podSelector'] ?? {}, pod.labels),
      evaluate: (conn, direction) => {
        const remote = direction === 'ingress' ? conn.src : conn.dst;
        const matched = list(spec[direction]).some((rule) => {
          const r = isRecord(rule) ? rule : {};
          const peers = list(r[direction === 'ingress' ? 'from' : 'to']);
          return (peers.length === 0 || peers.some((p) => peerMatches(p, remote, conn.family))) && portsMatch(r['ports'], conn);
        });
        return matched ? 'allow' : undefined;
      },
    };
  }

  // -------------------------------------------------------------------------
  // AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy.

  private npapiPolicy(describe: string, name: string, order: number, spec: Raw, portField: 'ports' | 'protocols'): TierPolicy {
    const subject = isRecord(spec['subject']) ? spec['subject'] : fail(`${describe}: no subject`);
    const subjectMatches = (pod: Pod): boolean => {
      if (present(subject['namespaces'])) return selectorMatches(subject['namespaces'], this.nsLabels(pod.namespace));
      const p = isRecord(subject['pods']) ? subject['pods'] : fail(`${describe}: subject has neither namespaces nor pods`);
      return selectorMatches(p['namespaceSelector'] ?? {}, this.nsLabels(pod.namespace)) && selectorMatches(p['podSelector'] ?? {}, pod.labels);
    };
    const peerMatches = (peer: unknown, e: Endpoint, family: Family): boolean => {
      if (!isRecord(peer)) fail(`${describe}: bad peer`);
      if (present(peer['namespaces'])) return e.kind === 'pod' && selectorMatches(peer['namespaces'], this.nsLabels(e.pod.namespace));
      if (present(peer['pods'])) {
        const p = peer['pods'] as Raw;
        return e.kind === 'pod' && selectorMatches(p['namespaceSelector'] ?? {}, this.nsLabels(e.pod.namespace)) && selectorMatches(p['podSelector'] ?? {}, e.pod.labels);
      }
      if (present(peer['networks'])) return ipsOf(e, family).some((ip) => list(peer['networks']).some((cidr) => cidrContains(String(cidr), ip)));
      if (present(peer['nodes']) || present(peer['domainNames'])) return false;
      return fail(`${describe}: peer ${JSON.stringify(peer)} is not modelled`);
    };
    const portMatches = (entry: unknown, conn: Conn): boolean => {
      if (!isRecord(entry)) fail(`${describe}: bad port entry`);
      if (portField === 'ports') {
        if (isRecord(entry['portNumber'])) {
          const x = entry['portNumber'];
          return (x['protocol'] ?? 'TCP') === conn.protocol && x['port'] === conn.port;
        }
        if (isRecord(entry['portRange'])) {
          const x = entry['portRange'];
          return (x['protocol'] ?? 'TCP') === conn.protocol && numberOr(x['start'], 'start') <= conn.port && conn.port <= numberOr(x['end'], 'end');
        }
        if (typeof entry['namedPort'] === 'string') return namedPortMatches(conn.dst, entry['namedPort'], conn.port, conn.protocol);
        return fail(`${describe}: port entry ${JSON.stringify(entry)}`);
      }
      if (typeof entry['destinationNamedPort'] === 'string') return namedPortMatches(conn.dst, entry['destinationNamedPort'], conn.port, conn.protocol);
      const key = conn.protocol.toLowerCase();
      for (const k of ['tcp', 'udp', 'sctp']) if (present(entry[k]) && !isRecord(entry[k])) fail(`${describe}: protocol entry ${JSON.stringify(entry)}`);
      if (!['tcp', 'udp', 'sctp'].some((k) => present(entry[k]))) fail(`${describe}: protocol entry ${JSON.stringify(entry)}`);
      const x = entry[key];
      if (!isRecord(x)) return false;
      const dp = x['destinationPort'];
      if (!present(dp)) return true;
      if (!isRecord(dp)) return fail(`${describe}: destinationPort ${JSON.stringify(dp)}`);
      if (typeof dp['number'] === 'number') return dp['number'] === conn.port;
      if (isRecord(dp['range'])) return numberOr(dp['range']['start'], 'start') <= conn.port && conn.port <= numberOr(dp['range']['end'], 'end');
      return fail(`${describe}: destinationPort ${JSON.stringify(dp)}`);
    };
    const actionOf = (rule: Raw): 'allow' | 'deny' | 'pass' => {
      switch (rule['action']) {
        case 'Allow':
        case 'Accept':
          return 'allow';
        case 'Deny':
          return 'deny';
        case 'Pass':
          return 'pass';
        default:
          return fail(`${describe}: action ${String(rule['action'])}`);
      }
    };
    return {
      describe,
      order,
      name,
      namespace: '',
      selects: (pod, direction) => list(spec[direction]).length > 0 && subjectMatches(pod),
      evaluate: (conn, direction) => {
        const remote = direction === 'ingress' ? conn.src : conn.dst;
        for (const rule of list(spec[direction])) {
          if (!isRecord(rule)) fail(`${describe}: bad rule`);
          const peers = list(rule[direction === 'ingress' ? 'from' : 'to']);
          if (peers.length === 0) fail(`${describe}: a rule without peers`);
          const ports = rule[portField];
          const portOk = !present(ports) || list(ports).some((e) => portMatches(e, conn));
          if (portOk && peers.some((p) => peerMatches(p, remote, conn.family))) return actionOf(rule);
        }
        return undefined;
      },
    };
  }

  // -------------------------------------------------------------------------
  // Calico NetworkPolicy (namespace set) and GlobalNetworkPolicy (namespace undefined).

  private calicoPolicy(namespace: string | undefined, name: string, spec: Raw, backends: (ns: string, name: string) => readonly Backend[]): TierPolicy {
    const describe = `Calico ${namespace === undefined ? 'GlobalNetworkPolicy' : `NetworkPolicy ${namespace}/`}${name}`;
    for (const k of ['doNotTrack', 'preDNAT', 'applyOnForward']) if (spec[k] === true) fail(`${describe}: ${k} is not modelled`);
    const selector = parseCalicoSelector(str(spec['selector']) ?? '');
    const namespaceSelector = parseCalicoSelector(str(spec['namespaceSelector']) ?? '');
    const hasIngress = list(spec['ingress']).length > 0;
    const hasEgress = list(spec['egress']).length > 0;
    const types = present(spec['types']) ? list(spec['types']) : hasIngress && hasEgress ? ['Ingress', 'Egress'] : hasEgress ? ['Egress'] : ['Ingress'];
    const podLabels = (pod: Pod): Labels => ({ ...pod.labels, [CALICO_NAMESPACE_LABEL]: pod.namespace });
    const nsLabels = (ns: string): Labels => ({ ...this.nsLabels(ns), [CALICO_NAME_LABEL]: ns });

    const protocolMatches = (p: unknown, protocol: Protocol): boolean => {
      const numbers: Record<string, Protocol> = { '6': 'TCP', '17': 'UDP', '132': 'SCTP' };
      const name = typeof p === 'number' ? (numbers[String(p)] ?? String(p)) : String(p).toUpperCase();
      return name === protocol;
    };
    const portEntryMatches = (entry: unknown, conn: Conn, ruleProtocol: Protocol | undefined): boolean => {
      if (typeof entry === 'number') return entry === conn.port;
      const s = String(entry);
      const range = /^(\d+):(\d+)$/.exec(s);
      if (range) return Number(range[1]) <= conn.port && conn.port <= Number(range[2]);
      if (/^\d+$/.test(s)) return Number(s) === conn.port;
      // A named port: the destination pod's port of that name, with the rule's protocol.
      return ruleProtocol !== undefined && namedPortMatches(conn.dst, s, conn.port, ruleProtocol);
    };
    /** A Service's backends: as a destination on their own port and protocol, as a source by address. */
    const serviceMatches = (services: unknown, ips: readonly string[], isDestination: boolean, conn: Conn): boolean => {
      const sm = isRecord(services) ? services : fail(`${describe}: bad services`);
      const ns = str(sm['namespace']);
      if (ns === undefined || ns === '') return false; // no namespace: Calico looks under an empty one
      return backends(ns, String(sm['name'])).some((b) => ips.includes(b.ip) && (!isDestination || (b.port === conn.port && b.protocol === conn.protocol)));
    };
    const entityMatches = (er: unknown, e: Endpoint, isDestination: boolean, conn: Conn, ruleProtocol: Protocol | undefined): boolean => {
      if (!present(er)) return true;
      if (!isRecord(er)) return fail(`${describe}: bad entity rule`);
      if (present(er['serviceAccounts'])) fail(`${describe}: serviceAccounts is not modelled`);
      if (!isDestination && (present(er['ports']) || present(er['notPorts']))) fail(`${describe}: source ports are not modelled`);
      const ips = ipsOf(e, conn.family);
      if (present(er['services'])) return serviceMatches(er['services'], ips, isDestination, conn);
      const nets = list(er['nets']);
      if (nets.length > 0 && !ips.some((ip) => nets.some((n) => cidrContains(String(n), ip)))) return false;
      const notNets = list(er['notNets']);
      if (ips.some((ip) => notNets.some((n) => cidrContains(String(n), ip)))) return false;
      const sel = str(er['selector']);
      const notSel = str(er['notSelector']);
      const nsSel = str(er['namespaceSelector']);
      if (sel !== undefined || notSel !== undefined || nsSel !== undefined) {
        // The scope: the rule's namespaceSelector, else the policy's own namespace (none for a GNP).
        if (nsSel !== undefined) {
          if (e.kind !== 'pod' || !parseCalicoSelector(nsSel)(nsLabels(e.pod.namespace))) return false;
        } else if (namespace !== undefined) {
          if (e.kind !== 'pod' || e.pod.namespace !== namespace) return false;
        }
      }
      if (sel !== undefined && (e.kind !== 'pod' || !parseCalicoSelector(sel)(podLabels(e.pod)))) return false;
      if (notSel !== undefined && e.kind === 'pod' && parseCalicoSelector(notSel)(podLabels(e.pod))) return false;
      const ports = list(er['ports']);
      if (ports.length > 0 && !ports.some((p) => portEntryMatches(p, conn, ruleProtocol))) return false;
      if (list(er['notPorts']).some((p) => portEntryMatches(p, conn, ruleProtocol))) return false;
      return true;
    };
    const ruleMatches = (rule: Raw, conn: Conn): boolean => {
      for (const k of ['http', 'icmp', 'notICMP']) if (present(rule[k])) fail(`${describe}: ${k} is not modelled`);
      const p = rule['protocol'];
      const dst = isRecord(rule['destination']) ? rule['destination'] : {};
      if (!present(p) && (present(dst['ports']) || present(dst['notPorts']))) fail(`${describe}: ports without a protocol`);
      if (present(p) && !protocolMatches(p, conn.protocol)) return false;
      if (present(rule['notProtocol']) && protocolMatches(rule['notProtocol'], conn.protocol)) return false;
      if (present(rule['ipVersion']) && rule['ipVersion'] !== conn.family) return false;
      const ruleProtocol = present(p) ? (['TCP', 'UDP', 'SCTP'] as const).find((x) => protocolMatches(p, x)) : undefined;
      return entityMatches(rule['source'], conn.src, false, conn, ruleProtocol) && entityMatches(rule['destination'], conn.dst, true, conn, ruleProtocol);
    };
    return {
      describe,
      order: typeof spec['order'] === 'number' ? spec['order'] : Infinity,
      name,
      namespace: namespace ?? '',
      selects: (pod, direction) =>
        types.includes(direction === 'ingress' ? 'Ingress' : 'Egress') &&
        (namespace === undefined ? namespaceSelector(nsLabels(pod.namespace)) : pod.namespace === namespace) &&
        selector(podLabels(pod)),
      evaluate: (conn, direction) => {
        for (const rule of list(spec[direction])) {
          if (!isRecord(rule)) fail(`${describe}: bad rule`);
          if (!ruleMatches(rule, conn)) continue;
          switch (String(rule['action']).toLowerCase()) {
            case 'allow':
              return 'allow';
            case 'deny':
              return 'deny';
            case 'pass':
              return 'pass';
            case 'log':
              continue;
            default:
              fail(`${describe}: action ${String(rule['action'])}`);
          }
        }
        return undefined;
      },
    };
  }

  // -------------------------------------------------------------------------
  // Cilium: the deny rules of every policy first, then each policy's allow rules at 1000.

  private ciliumPolicies(objects: readonly Raw[], namespaceOf: (o: Raw) => string, serviceObjects: readonly Raw[]): TierPolicy[] {
    /**
     * toServices (language.rst, "Services based"): only Services without a selector count;
     * their endpoints' (ready) addresses are allowed like a toCIDR, so never pods. An entry
     * without a namespace matches the Service in any namespace.
     */
    const serviceIps = (entry: unknown): string[] => {
      if (!isRecord(entry)) fail('bad toServices entry');
      const byName = isRecord(entry['k8sService']) ? entry['k8sService'] : undefined;
      const bySelector = isRecord(entry['k8sServiceSelector']) ? entry['k8sServiceSelector'] : undefined;
      const ref = byName ?? bySelector ?? fail('toServices entry without k8sService or k8sServiceSelector');
      const wantNs = str(ref['namespace']);
      const ips: string[] = [];
      for (const svc of serviceObjects) {
        if (svc['kind'] !== 'Service') continue;
        const md = svc['metadata'] as Raw;
        const ns = namespaceOf(svc);
        if (wantNs !== undefined && wantNs !== '' && ns !== wantNs) continue;
        if (byName && md['name'] !== byName['serviceName']) continue;
        if (bySelector && !selectorMatches(normalized(bySelector['selector'] ?? {}), labelsOf(md['labels']))) continue;
        const spec = isRecord(svc['spec']) ? svc['spec'] : {};
        if (isRecord(spec['selector']) && Object.keys(spec['selector']).length > 0) continue;
        for (const o of serviceObjects) {
          const omd = o['metadata'] as Raw;
          if (namespaceOf(o) !== ns) continue;
          if (o['kind'] === 'Endpoints' && omd['name'] === md['name']) {
            for (const sub of list(o['subsets'])) if (isRecord(sub)) for (const a of list(sub['addresses'])) if (isRecord(a) && typeof a['ip'] === 'string') ips.push(a['ip']);
          }
          if (o['kind'] === 'EndpointSlice' && labelsOf(omd['labels'])['kubernetes.io/service-name'] === md['name']) {
            for (const ep of list(o['endpoints'])) {
              if (!isRecord(ep) || (isRecord(ep['conditions']) && ep['conditions']['ready'] === false)) continue;
              for (const ip of list(ep['addresses'])) if (typeof ip === 'string') ips.push(ip);
            }
          }
        }
      }
      return ips;
    };
    interface CiliumRule {
      readonly describe: string;
      readonly namespace: string | undefined; // undefined: clusterwide
      readonly spec: Raw;
    }
    const rules: CiliumRule[] = [];
    for (const o of objects) {
      const name = String((o['metadata'] as Raw)['name']);
      const namespace = o['kind'] === 'CiliumNetworkPolicy' ? namespaceOf(o) : undefined;
      const specs = [...(isRecord(o['spec']) ? [o['spec']] : []), ...list(o['specs']).filter(isRecord)];
      for (const spec of specs) rules.push({ describe: `${String(o['kind'])} ${namespace === undefined ? '' : `${namespace}/`}${name}`, namespace, spec });
    }
    const strip = (key: string): string => key.replace(/^(k8s|any):/, '');
    /** A Cilium label selector with its keys' source prefixes dropped. */
    const normalized = (sel: unknown): Raw => {
      if (!isRecord(sel)) fail(`bad Cilium selector ${JSON.stringify(sel)}`);
      const ml = Object.fromEntries(Object.entries(labelsOf(sel['matchLabels'])).map(([k, v]) => [strip(k), v]));
      const me = list(sel['matchExpressions']).map((r) => (isRecord(r) ? { ...r, key: strip(String(r['key'])) } : r));
      return { matchLabels: ml, matchExpressions: me };
    };
    const ciliumLabels = (pod: Pod): Labels => {
      const out: Labels = { ...pod.labels, [CILIUM_NAMESPACE_LABEL]: pod.namespace };
      for (const [k, v] of Object.entries(this.nsLabels(pod.namespace))) out[`${CILIUM_NS_LABELS_PREFIX}${k}`] = v;
      return out;
    };
    const selects = (r: CiliumRule, pod: Pod, direction: Direction): boolean => {
      if (present(r.spec['nodeSelector'])) fail(`${r.describe}: nodeSelector is not modelled`);
      if (present(r.spec['enableDefaultDeny'])) fail(`${r.describe}: enableDefaultDeny is not modelled`);
      if (list(r.spec[direction]).length === 0 && list(r.spec[`${direction}Deny`]).length === 0) return false;
      if (r.namespace !== undefined && pod.namespace !== r.namespace) return false;
      const sel = normalized(r.spec['endpointSelector'] ?? {});
      // Cilium sets a namespaced policy's endpointSelector namespace label to the policy's own
      // (AddMatch replaces whatever matchLabels said); matchExpressions stay as written.
      if (r.namespace !== undefined) (sel['matchLabels'] as Raw)[CILIUM_NAMESPACE_LABEL] = r.namespace;
      return selectorMatches(sel, ciliumLabels(pod));
    };
    const endpointMatches = (r: CiliumRule, sel: unknown, e: Endpoint): boolean => {
      if (e.kind !== 'pod') return false;
      const s = normalized(sel);
      const namesNamespace = CILIUM_NAMESPACE_LABEL in (s['matchLabels'] as Raw) || list(s['matchExpressions']).some((x) => isRecord(x) && x['key'] === CILIUM_NAMESPACE_LABEL);
      if (r.namespace !== undefined && !namesNamespace && e.pod.namespace !== r.namespace) return false;
      return selectorMatches(s, ciliumLabels(e.pod));
    };
    const entityMatches = (entity: unknown, e: Endpoint): boolean => {
      switch (entity) {
        case 'all':
          return true;
        case 'cluster':
          return e.kind === 'pod';
        case 'world':
          return e.kind === 'ip';
        default:
          return false;
      }
    };
    const portsMatch = (r: CiliumRule, toPorts: unknown, conn: Conn): boolean => {
      const portRules = list(toPorts);
      if (portRules.length === 0) return true;
      return portRules.some((pr) => {
        if (!isRecord(pr)) fail(`${r.describe}: bad toPorts`);
        if (present(pr['rules'])) fail(`${r.describe}: L7 rules are not modelled`);
        const ports = list(pr['ports']);
        // An entry without ports adds nothing: Cilium merges one filter per listed port.
        if (ports.length === 0) return false;
        return ports.some((p) => {
          if (!isRecord(p)) fail(`${r.describe}: bad port`);
          const proto = str(p['protocol']) ?? 'ANY';
          if (proto !== 'ANY' && proto !== conn.protocol) return false;
          const text = String(p['port']);
          if (!/^\d+$/.test(text)) fail(`${r.describe}: port ${text} is not modelled`);
          const start = Number(text);
          if (start === 0) return true;
          const end = typeof p['endPort'] === 'number' ? p['endPort'] : start;
          return start <= conn.port && conn.port <= end;
        });
      });
    };
    /** Does one Cilium rule (of `ingress`, `ingressDeny`, ...) match the remote peer and port? */
    const ruleMatches = (r: CiliumRule, rule: unknown, direction: Direction, conn: Conn): boolean => {
      if (!isRecord(rule)) fail(`${r.describe}: bad rule`);
      const remote = direction === 'ingress' ? conn.src : conn.dst;
      const pre = direction === 'ingress' ? 'from' : 'to';
      for (const k of ['Requires', 'Groups', 'Nodes', ...(pre === 'from' ? ['Services'] : [])]) if (present(rule[`${pre}${k}`])) fail(`${r.describe}: ${pre}${k} is not modelled`);
      if (present(rule['icmps'])) fail(`${r.describe}: icmps is not modelled`);
      const l3 = ['Endpoints', 'Entities', 'CIDR', 'CIDRSet', 'FQDNs', 'Services'].filter((k) => present(rule[`${pre}${k}`]));
      const toPorts = list(rule['toPorts']);
      if (l3.length === 0 && toPorts.length === 0) return false; // {}: matches nothing
      const external = (cidrOk: (ip: string) => boolean): boolean => remote.kind === 'ip' && ipsOf(remote, conn.family).some(cidrOk);
      const peerOk =
        l3.length === 0 ||
        list(rule[`${pre}Endpoints`]).some((sel) => endpointMatches(r, sel, remote)) ||
        list(rule[`${pre}Entities`]).some((entity) => entityMatches(entity, remote)) ||
        list(rule[`${pre}CIDR`]).some((cidr) => external((ip) => cidrContains(String(cidr), ip))) ||
        list(rule[`${pre}CIDRSet`]).some((set) => {
          if (!isRecord(set) || typeof set['cidr'] !== 'string') return fail(`${r.describe}: ${pre}CIDRSet entry is not modelled`);
          const cidr = set['cidr'];
          return external((ip) => cidrContains(cidr, ip) && list(set['except']).every((x) => !cidrContains(String(x), ip)));
        }) ||
        (pre === 'to' && list(rule['toServices']).some((entry) => external((ip) => serviceIps(entry).some((x) => cidrContains(`${x}/${x.includes(":") ? 128 : 32}`, ip)))));
      return peerOk && portsMatch(r, toPorts, conn);
    };

    const localOf = (conn: Conn, direction: Direction): Pod | undefined => {
      const e = direction === 'ingress' ? conn.dst : conn.src;
      return e.kind === 'pod' ? e.pod : undefined;
    };
    const denies: TierPolicy = {
      describe: 'Cilium deny rules',
      order: -Infinity,
      name: '',
      namespace: '',
      selects: (pod, direction) => rules.some((r) => selects(r, pod, direction)),
      evaluate: (conn, direction) => {
        const pod = localOf(conn, direction);
        if (!pod) return undefined;
        const hit = rules.some((r) => selects(r, pod, direction) && list(r.spec[`${direction}Deny`]).some((rule) => ruleMatches(r, rule, direction, conn)));
        return hit ? 'deny' : undefined;
      },
    };
    const allows = rules.map(
      (r, i): TierPolicy => ({
        describe: `${r.describe} (allow rules)`,
        order: K8S_NP_ORDER,
        name: `cilium.${i}`,
        namespace: r.namespace ?? '',
        selects: (pod, direction) => selects(r, pod, direction),
        evaluate: (conn, direction) => {
          const pod = localOf(conn, direction);
          if (!pod || !selects(r, pod, direction)) return undefined;
          return list(r.spec[direction]).some((rule) => ruleMatches(r, rule, direction, conn)) ? 'allow' : undefined;
        },
      }),
    );
    return [denies, ...allows];
  }

  // -------------------------------------------------------------------------
  // Questions.

  private endpoint(peer: Peer): Endpoint {
    if ('pod' in peer) {
      const pod = this.pods.find((p) => `${p.namespace}/${p.name}` === peer.pod);
      if (!pod) fail(`no pod ${peer.pod}`);
      return { kind: 'pod', pod };
    }
    if (!parseIp(peer.ip)) fail(`"${peer.ip}" is not an IP address`);
    if (this.pods.some((p) => p.ips.includes(peer.ip))) fail(`${peer.ip} is a pod's IP, not an external address`);
    return { kind: 'ip', ip: peer.ip };
  }

  /** The ordered evaluation of one direction at its local pod. */
  private directionAllows(conn: Conn, direction: Direction): boolean {
    const local = direction === 'ingress' ? conn.dst : conn.src;
    if (local.kind !== 'pod') return true; // outside the cluster: no policies of its own
    tiers: for (const tier of this.tiers) {
      const applying = tier.policies
        .filter((p) => p.selects(local.pod, direction))
        .sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
      if (applying.length === 0) continue; // the tier does not apply to this endpoint
      for (const policy of applying) {
        const verdict = policy.evaluate(conn, direction);
        if (verdict === 'allow') return true;
        if (verdict === 'deny') return false;
        if (verdict === 'pass') continue tiers;
      }
      if (tier.defaultAction === 'deny') return false;
    }
    return true;
  }

  /** The IP families an endpoint has addresses in; a pod without an IP could use either. */
  private static families(e: Endpoint): Family[] {
    const ips = e.kind === 'ip' ? [e.ip] : e.pod.ips;
    if (ips.length === 0) return [4, 6];
    return ([4, 6] as const).filter((f) => ips.some((ip) => familyOf(ip) === f));
  }

  /** May `from` open a connection to `to` on (port, protocol)? */
  allowed(from: Peer, to: Peer, port: number, protocol: Protocol): boolean {
    const src = this.endpoint(from);
    const dst = this.endpoint(to);
    if (protocol === 'SCTP' && this.sctpRefused) return false;
    const dstFamilies = LayeredReferenceCluster.families(dst);
    return LayeredReferenceCluster.families(src)
      .filter((f) => dstFamilies.includes(f))
      .some((family) => {
        const conn: Conn = { src, dst, port, protocol, family };
        return this.directionAllows(conn, 'egress') && this.directionAllows(conn, 'ingress');
      });
  }

  /** Every ordered pod pair (self included) allowed on (port, protocol), sorted. */
  allowedPairs(port: number, protocol: Protocol): [string, string][] {
    const ids = this.podIds();
    const out: [string, string][] = [];
    for (const from of ids) for (const to of ids) if (this.allowed({ pod: from }, { pod: to }, port, protocol)) out.push([from, to]);
    return out;
  }
}

/** Does the input show Cilium (its policies, its cilium-config ConfigMap, its DaemonSet) running without SCTP support? */
function refusesSctp(objects: readonly Raw[], ciliumPolicies: boolean): boolean {
  const named = (o: Raw, kind: string, name: string): boolean => `${groupOf(o)}/${String(o['kind'])}` === kind && (o['metadata'] as Raw)['name'] === name;
  const configs = objects.filter((o) => named(o, '/ConfigMap', 'cilium-config')).map((o) => (isRecord(o['data']) ? o['data'] : {}));
  if (!ciliumPolicies && configs.length === 0 && !objects.some((o) => named(o, 'apps/DaemonSet', 'cilium'))) return false;
  const says = (d: Raw, key: string): boolean => d[key] === true || ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(String(d[key]));
  const on = configs.filter((d) => says(d, 'enable-sctp')).length;
  if (on > 0) return false; // on everywhere, or the configurations disagree: the policies answer
  return !configs.some((d) => says(d, 'enable-extended-ip-protocols'));
}

/** A projectcalico.org/v3 Tier: a new tier, or a restated default action of a built-in one. */
function addTier(tiers: Map<string, Tier>, name: string, spec: Raw): void {
  const action = spec['defaultAction'] ?? 'Deny';
  if (action !== 'Deny' && action !== 'Pass') fail(`Tier ${name}: defaultAction ${JSON.stringify(action)}`);
  const defaultAction = action === 'Deny' ? 'deny' : 'pass';
  const builtIn = tiers.get(name);
  if (builtIn) {
    // The built-in tiers keep their order; an explicit object may restate the default action.
    if (spec['defaultAction'] !== undefined) builtIn.defaultAction = defaultAction;
  } else {
    tiers.set(name, { name, order: typeof spec['order'] === 'number' ? spec['order'] : Infinity, defaultAction, policies: [] });
  }
}

function numberOr(v: unknown, what: string): number {
  return typeof v === 'number' ? v : fail(`${what}: ${JSON.stringify(v)} is not a number`);
}
