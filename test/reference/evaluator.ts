/**
 * A brute-force reference evaluator for networking.k8s.io/v1 NetworkPolicies.
 *
 * It exists to hold the engine in src/netpol to account, so it shares nothing with
 * it (it imports nothing from src/) and it is written to be obviously correct rather
 * than fast: every question loops over every policy, rule, peer and port.
 *
 * The semantics (test/fixtures/netpol-cases/README.md and the Kubernetes API docs):
 * - policyTypes missing or empty → [Ingress], plus Egress only when spec.egress has
 *   at least one rule (`egress: []` is not an egress policy). A listed type with no
 *   rules denies that direction; a section whose type is not listed is ignored.
 * - A pod is isolated in a direction iff some policy in ITS namespace selects it with
 *   that type. Allowed = egress allowed at the source AND ingress allowed at the
 *   destination. Rules and policies are OR-ed.
 * - Missing/empty from/to: every peer, external IPs included. podSelector alone: pods
 *   of the policy's namespace; namespaceSelector alone: every pod of the selected
 *   namespaces; both: AND. ipBlock: an IP inside cidr and outside every except
 *   (a pod matches through its IP of the connection's family; a pod without an IP
 *   matches no ipBlock). A connection uses one IP family, which both ends must have.
 * - Selectors: {} matches all; matchLabels and every matchExpressions entry must hold;
 *   NotIn and DoesNotExist also match objects without the key.
 * - Every namespace has kubernetes.io/metadata.name=<name>; a namespace used but not
 *   declared has only that label.
 * - Ports: missing/empty = all; protocol defaults to TCP; a number matches itself or
 *   port..endPort; a protocol-only entry matches every port of that protocol; a named
 *   port resolves against the DESTINATION pod's container ports (name and protocol
 *   must match, and the resolved number must be the port asked). A named port never
 *   matches an external destination.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** A pod by `namespace/name`, or an address outside the cluster (no policies of its own). */
export type Peer = { readonly pod: string } | { readonly ip: string };

export interface ReferenceOptions {
  /** Namespace of namespaced objects that name none. Default `default`. */
  readonly defaultNamespace?: string;
}

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

type Labels = Record<string, string>;
type Raw = Record<string, unknown>;

const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(message: string): never {
  throw new Error(`reference evaluator: ${message}`);
}

// ---------------------------------------------------------------------------
// IP addresses and CIDRs, as bigints.

interface Ip {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^[0-9]{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256n + BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let s = text;
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups written another way.
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (h: string): string[] => (h === '' ? [] : h.split(':'));
  let groups: string[];
  if (halves.length === 2) {
    const left = groupsOf(halves[0] ?? '');
    const right = groupsOf(halves[1] ?? '');
    if (left.length + right.length > 7) return undefined;
    groups = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  } else {
    groups = groupsOf(s);
  }
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = value * 65536n + BigInt(parseInt(g, 16));
  }
  return value;
}

export function parseIp(text: string): Ip | undefined {
  if (text.includes(':')) {
    const v = parseIpv6(text);
    return v === undefined ? undefined : { bits: 128, value: v };
  }
  const v = parseIpv4(text);
  return v === undefined ? undefined : { bits: 32, value: v };
}

/** 4 or 6, by the number of bits. */
function familyOf(ip: string): 4 | 6 | undefined {
  const p = parseIp(ip);
  return p === undefined ? undefined : p.bits === 32 ? 4 : 6;
}

/** Is `ip` inside `cidr` (same family, same leading `prefix` bits)? */
export function cidrContains(cidr: string, ip: string): boolean {
  const slash = cidr.indexOf('/');
  if (slash < 0) fail(`"${cidr}" is not a CIDR`);
  const net = parseIp(cidr.slice(0, slash));
  const prefix = Number(cidr.slice(slash + 1));
  const addr = parseIp(ip);
  if (!net || !Number.isInteger(prefix) || prefix < 0 || prefix > net.bits) fail(`"${cidr}" is not a CIDR`);
  if (!addr) fail(`"${ip}" is not an IP address`);
  if (addr.bits !== net.bits) return false;
  const hostBits = BigInt(net.bits - prefix);
  return addr.value >> hostBits === net.value >> hostBits;
}

// ---------------------------------------------------------------------------
// The cluster as the evaluator sees it.

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

interface Policy {
  readonly namespace: string;
  readonly spec: Raw;
}

/** An endpoint of a connection: a pod of the cluster, or an address outside it. */
type Endpoint = { readonly kind: 'pod'; readonly pod: Pod } | { readonly kind: 'ip'; readonly ip: string };

function labelsOf(v: unknown): Labels {
  const out: Labels = {};
  if (isRecord(v)) for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A label selector: {} matches everything; every part must hold. */
export function selectorMatches(selector: unknown, labels: Readonly<Labels>): boolean {
  if (selector === undefined || selector === null) return true;
  if (!isRecord(selector)) fail(`bad selector ${JSON.stringify(selector)}`);
  for (const [key, value] of Object.entries(labelsOf(selector['matchLabels']))) {
    if (labels[key] !== value) return false;
  }
  for (const req of list(selector['matchExpressions'])) {
    if (!isRecord(req)) fail(`bad requirement ${JSON.stringify(req)}`);
    const key = req['key'];
    if (typeof key !== 'string') fail(`bad requirement ${JSON.stringify(req)}`);
    const values = list(req['values']);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    const value = labels[key];
    switch (req['operator']) {
      case 'In':
        if (!has || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        fail(`bad operator ${JSON.stringify(req['operator'])}`);
    }
  }
  return true;
}

/** A Pod object's labels, IPs (status.podIP and status.podIPs) and container ports. */
function podOf(o: Raw, namespace: string, name: string): Pod {
  const md = o['metadata'] as Raw;
  const spec = isRecord(o['spec']) ? o['spec'] : {};
  const status = isRecord(o['status']) ? o['status'] : {};
  const ips: string[] = [];
  if (typeof status['podIP'] === 'string' && status['podIP'] !== '') ips.push(status['podIP']);
  for (const e of list(status['podIPs'])) {
    if (isRecord(e) && typeof e['ip'] === 'string' && !ips.includes(e['ip'])) ips.push(e['ip']);
  }
  const ports: ContainerPort[] = [];
  // Containers, and sidecars (init containers with restartPolicy Always), serve ports.
  const containers = [...list(spec['containers']), ...list(spec['initContainers']).filter((c) => isRecord(c) && c['restartPolicy'] === 'Always')];
  for (const c of containers) {
    if (!isRecord(c)) continue;
    for (const p of list(c['ports'])) {
      if (!isRecord(p) || typeof p['containerPort'] !== 'number') continue;
      ports.push({
        name: typeof p['name'] === 'string' ? p['name'] : undefined,
        port: p['containerPort'],
        protocol: (p['protocol'] ?? 'TCP') as Protocol,
      });
    }
  }
  return { namespace, name, labels: labelsOf(md['labels']), ips, ports };
}

export class ReferenceCluster {
  readonly pods: readonly Pod[];
  private readonly namespaceLabels: ReadonlyMap<string, Labels>;
  private readonly policies: readonly Policy[];

  constructor(objects: readonly unknown[], options: ReferenceOptions = {}) {
    const defaultNamespace = options.defaultNamespace ?? 'default';
    // A later object of the same kind, namespace and name replaces an earlier one.
    const byKey = new Map<string, Raw>();
    for (const o of objects) {
      if (!isRecord(o) || !isRecord(o['metadata'])) continue;
      const md = o['metadata'];
      const kind = o['kind'];
      const ns = kind === 'Namespace' ? '' : typeof md['namespace'] === 'string' && md['namespace'] !== '' ? md['namespace'] : defaultNamespace;
      byKey.delete(`${String(kind)}|${ns}|${String(md['name'])}`);
      byKey.set(`${String(kind)}|${ns}|${String(md['name'])}`, o);
    }
    const namespaceOf = (o: Raw): string => {
      const md = o['metadata'] as Raw;
      return typeof md['namespace'] === 'string' && md['namespace'] !== '' ? md['namespace'] : defaultNamespace;
    };

    const namespaceLabels = new Map<string, Labels>();
    const pods: Pod[] = [];
    const policies: Policy[] = [];
    for (const o of byKey.values()) {
      const md = o['metadata'] as Raw;
      const name = md['name'];
      if (typeof name !== 'string') continue;
      if (o['kind'] === 'Namespace') {
        namespaceLabels.set(name, { ...labelsOf(md['labels']), [NAMESPACE_NAME_LABEL]: name });
      } else if (o['kind'] === 'Pod') {
        pods.push(podOf(o, namespaceOf(o), name));
      } else if (o['kind'] === 'NetworkPolicy') {
        policies.push({ namespace: namespaceOf(o), spec: isRecord(o['spec']) ? o['spec'] : {} });
      }
    }
    // A namespace that holds something but is not declared exists with only the name label.
    for (const x of [...pods, ...policies]) {
      if (!namespaceLabels.has(x.namespace)) namespaceLabels.set(x.namespace, { [NAMESPACE_NAME_LABEL]: x.namespace });
    }
    this.pods = pods;
    this.namespaceLabels = namespaceLabels;
    this.policies = policies;
  }

  /** `namespace/name` of every pod, sorted. */
  podIds(): string[] {
    return this.pods.map((p) => `${p.namespace}/${p.name}`).sort();
  }

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

  /** Effective policyTypes after the API server's defaulting. */
  private static types(spec: Raw): { ingress: boolean; egress: boolean } {
    const listed = list(spec['policyTypes']);
    if (listed.length === 0) return { ingress: true, egress: list(spec['egress']).length > 0 };
    return { ingress: listed.includes('Ingress'), egress: listed.includes('Egress') };
  }

  /** Does one entry of `from`/`to`, in a policy of namespace `policyNs`, match the endpoint? */
  private peerMatches(peer: unknown, policyNs: string, e: Endpoint, family: 4 | 6): boolean {
    if (!isRecord(peer)) fail(`bad peer ${JSON.stringify(peer)}`);
    const ipBlock = peer['ipBlock'];
    const podSel = peer['podSelector'];
    const nsSel = peer['namespaceSelector'];
    const hasPod = podSel !== undefined && podSel !== null;
    const hasNs = nsSel !== undefined && nsSel !== null;
    if (ipBlock !== undefined && ipBlock !== null) {
      if (hasPod || hasNs) fail('ipBlock combined with a selector');
      if (!isRecord(ipBlock) || typeof ipBlock['cidr'] !== 'string') fail(`bad ipBlock ${JSON.stringify(ipBlock)}`);
      const cidr = ipBlock['cidr'];
      const except = list(ipBlock['except']).map(String);
      // The connection uses addresses of one family: only the endpoint's IP of that family counts.
      const ips = (e.kind === 'ip' ? [e.ip] : e.pod.ips).filter((ip) => familyOf(ip) === family);
      return ips.some((ip) => cidrContains(cidr, ip) && except.every((x) => !cidrContains(x, ip)));
    }
    if (!hasPod && !hasNs) fail('empty peer {}');
    if (e.kind !== 'pod') return false; // selectors select pods only
    const pod = e.pod;
    const nsLabels = this.namespaceLabels.get(pod.namespace) ?? fail(`unknown namespace ${pod.namespace}`);
    if (hasNs) {
      if (!selectorMatches(nsSel, nsLabels)) return false;
    } else if (pod.namespace !== policyNs) {
      return false; // podSelector alone: the policy's own namespace
    }
    return !hasPod || selectorMatches(podSel, pod.labels);
  }

  /** Does a rule's `ports` allow (port, protocol) to destination `dst`? */
  private static portsMatch(ports: unknown, dst: Endpoint, port: number, protocol: Protocol): boolean {
    const entries = list(ports);
    if (entries.length === 0) return true;
    for (const entry of entries) {
      const x = isRecord(entry) ? entry : {};
      const proto = (x['protocol'] ?? 'TCP') as Protocol;
      if (proto !== protocol) continue;
      const p = x['port'];
      if (p === undefined || p === null) return true;
      if (typeof p === 'number') {
        const end = x['endPort'];
        if (typeof end === 'number' ? p <= port && port <= end : p === port) return true;
      } else if (typeof p === 'string') {
        if (dst.kind !== 'pod') continue; // a named port means nothing outside the cluster
        if (dst.pod.ports.some((cp) => cp.name === p && cp.protocol === proto && cp.port === port)) return true;
      } else {
        fail(`bad port ${JSON.stringify(p)}`);
      }
    }
    return false;
  }

  private ruleMatches(rule: unknown, peerField: 'from' | 'to', policyNs: string, peer: Endpoint, dst: Endpoint, port: number, protocol: Protocol, family: 4 | 6): boolean {
    const r = isRecord(rule) ? rule : {};
    const peers = list(r[peerField]);
    const peerOk = peers.length === 0 || peers.some((p) => this.peerMatches(p, policyNs, peer, family));
    return peerOk && ReferenceCluster.portsMatch(r['ports'], dst, port, protocol);
  }

  /** Policies in the pod's namespace that select it, with the given type in effect. */
  private policiesFor(pod: Pod, direction: 'ingress' | 'egress'): Policy[] {
    return this.policies.filter(
      (pol) => pol.namespace === pod.namespace && ReferenceCluster.types(pol.spec)[direction] && selectorMatches(pol.spec['podSelector'] ?? {}, pod.labels),
    );
  }

  private egressAllowed(src: Endpoint, dst: Endpoint, port: number, protocol: Protocol, family: 4 | 6): boolean {
    if (src.kind !== 'pod') return true; // outside the cluster: no policies of its own
    const pols = this.policiesFor(src.pod, 'egress');
    if (pols.length === 0) return true; // not egress-isolated
    return pols.some((pol) => list(pol.spec['egress']).some((rule) => this.ruleMatches(rule, 'to', pol.namespace, dst, dst, port, protocol, family)));
  }

  private ingressAllowed(src: Endpoint, dst: Endpoint, port: number, protocol: Protocol, family: 4 | 6): boolean {
    if (dst.kind !== 'pod') return true;
    const pols = this.policiesFor(dst.pod, 'ingress');
    if (pols.length === 0) return true; // not ingress-isolated
    return pols.some((pol) => list(pol.spec['ingress']).some((rule) => this.ruleMatches(rule, 'from', pol.namespace, src, dst, port, protocol, family)));
  }

  /** The IP families an endpoint has addresses in; a pod without an IP could use either. */
  private static families(e: Endpoint): (4 | 6)[] {
    const ips = e.kind === 'ip' ? [e.ip] : e.pod.ips;
    if (ips.length === 0) return [4, 6];
    return ([4, 6] as const).filter((f) => ips.some((ip) => familyOf(ip) === f));
  }

  /**
   * A connection uses addresses of one IP family: it is allowed when, over some
   * family both ends have, egress at the source and ingress at the destination allow it.
   */
  allowed(from: Peer, to: Peer, port: number, protocol: Protocol): boolean {
    const src = this.endpoint(from);
    const dst = this.endpoint(to);
    const dstFamilies = ReferenceCluster.families(dst);
    return ReferenceCluster.families(src)
      .filter((f) => dstFamilies.includes(f))
      .some((f) => this.egressAllowed(src, dst, port, protocol, f) && this.ingressAllowed(src, dst, port, protocol, f));
  }

  /** Every ordered pod pair (self included) allowed on (port, protocol), sorted. */
  allowedPairs(port: number, protocol: Protocol): [string, string][] {
    const ids = this.podIds();
    const out: [string, string][] = [];
    for (const from of ids) for (const to of ids) if (this.allowed({ pod: from }, { pod: to }, port, protocol)) out.push([from, to]);
    return out;
  }
}

/** May `from` open a connection to `to` on (port, protocol)? */
export function referenceAllowed(objects: readonly unknown[], from: Peer, to: Peer, port: number, protocol: Protocol, options: ReferenceOptions = {}): boolean {
  return new ReferenceCluster(objects, options).allowed(from, to, port, protocol);
}
