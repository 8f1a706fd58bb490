/**
 * Cilium's policies (cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy,
 * L3/L4) in the layer form, as Cilium's policy language documents them:
 * - An endpoint selected by a policy with an `ingress` or `ingressDeny` section is
 *   default-deny for ingress (egress likewise), unless `enableDefaultDeny` says no.
 * - Allows are unioned with NetworkPolicy v1 allows; `ingressDeny`/`egressDeny` win
 *   over every allow. Both sit in the NetworkPolicy tier: deny rules first, then allows.
 * - Endpoint selectors read pod labels (a `k8s:`/`any:` prefix is the label source),
 *   the pod's namespace as `io.kubernetes.pod.namespace`, namespace labels as
 *   `io.cilium.k8s.namespace.labels.<key>` and the service account as
 *   `io.cilium.k8s.policy.serviceaccount`. A selector that does not name the
 *   namespace means the policy's own namespace in a CiliumNetworkPolicy and every
 *   namespace in a clusterwide one.
 * - Entities: `cluster` is every pod, `world` every address outside, `all` both; the
 *   others (host, remote-node, kube-apiserver, health, init, unmanaged, ingress) are
 *   not in manifests: reported, never guessed. CIDR rules never match pods.
 * - A rule with only `toPorts` admits every peer on those ports; an empty rule admits nothing.
 *   A `toPorts` entry without `ports` (L7 rules alone, or `{}`) admits nothing: Cilium merges
 *   one filter per listed port, and a rule with a non-empty `toPorts` is never L3-only; an
 *   empty `toPorts` list is no `toPorts` (pkg/policy/rule.go mergeIngress/mergeEgress).
 * - A port with `protocol: ANY` (or none) is TCP, UDP and SCTP; an explicit SCTP port is
 *   accepted whatever the agent's configuration (pkg/policy/rule.go mergeIngress/mergeEgress
 *   expand ANY into the three with no configuration check; pkg/policy/api/utils.go). A rule
 *   without `toPorts` is every protocol (its policy-map entry is port 0, protocol ANY).
 *   Whether SCTP gets to the policies at all is the datapath's business: see ciliumDatapath.
 * - L7 rules (`rules.http`, `dns`, `kafka`) and mutual authentication (`authentication.mode`)
 *   allow the L4 connection, then filter further (said in the rule's note); `toFQDNs`, `toGroups` and `*Requires` depend on what manifests do not hold.
 * - `toServices` applies only to Services without a selector (language.rst, "Services
 *   based"): Cilium turns their endpoints' addresses into CIDR rules, which never match
 *   pods it manages. A Service with a selector allows nothing (said in a warning); a
 *   `namespace` left out matches every namespace, as Cilium's RuleTranslator does; a rule
 *   with both `toServices` and `toPorts` makes Cilium reject the policy.
 */
import { parseCidr } from './ip.js';
import { isRecord } from './json.js';
import { DEFAULT_TIER, K8S_NETWORKPOLICY_ORDER, type DroppedProtocol, type LayerPeer, type LayerPolicy, type LayerPort, type LayerRule, type NetBlock, type PodMatch, type ServiceRef } from './layers.js';
import type { Diagnostic } from './diagnostics.js';
import { parseLabelSelector, portNameProblem, type FieldProblem, type LabelSelector, type Protocol } from './networkpolicy.js';
import type { KubeObject, LoadedObject } from './kube.js';
import { matches } from './label-match.js';
import type { SourceRef } from './source.js';
import { describeLabelSelector } from './selector-text.js';
import { indexServiceEndpoints } from './service-endpoints.js';

export const CILIUM_GROUP = 'cilium.io';
export const CILIUM_NAMESPACE_KEY = 'io.kubernetes.pod.namespace';
export const CILIUM_NAMESPACE_LABELS = 'io.cilium.k8s.namespace.labels.';
export const CILIUM_SERVICE_ACCOUNT_KEY = 'io.cilium.k8s.policy.serviceaccount';
/** Deny rules come before every allow in their tier. */
export const CILIUM_DENY_ORDER = Number.MIN_SAFE_INTEGER;

const PLACEABLE: Readonly<Record<string, { pods: boolean; external: boolean }>> = {
  all: { pods: true, external: true },
  cluster: { pods: true, external: false },
  world: { pods: false, external: true },
  'world-ipv4': { pods: false, external: true },
  'world-ipv6': { pods: false, external: true },
};
const UNPLACEABLE = new Set(['host', 'remote-node', 'kube-apiserver', 'health', 'init', 'unmanaged', 'ingress']);

/** Strips the label source (`k8s:`, `any:`) from a selector's keys. */
function normalizeKey(k: string): string {
  return k.startsWith('k8s:') ? k.slice(4) : k.startsWith('any:') ? k.slice(4) : k;
}

function normalizeSelector(sel: LabelSelector): LabelSelector {
  const matchLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries(sel.matchLabels)) matchLabels[normalizeKey(k)] = v;
  return { matchLabels, matchExpressions: sel.matchExpressions.map((r) => ({ ...r, key: normalizeKey(r.key) })) };
}

function selectorKeys(sel: LabelSelector): string[] {
  return [...Object.keys(sel.matchLabels), ...sel.matchExpressions.map((r) => r.key)];
}

/** Cilium's selectors may carry keys Kubernetes label syntax would refuse (`k8s:` prefixes): validate them loosely. */
function ciliumSelector(raw: unknown, path: string, problems: FieldProblem[]): LabelSelector {
  const local: FieldProblem[] = [];
  const sel = parseLabelSelector(raw, path, local);
  // Key-syntax complaints come from the source prefix; everything else stands.
  for (const p of local) if (!/label key/.test(p.message)) problems.push(p);
  return normalizeSelector(sel);
}

/** An endpoint selector as a pod match: in the policy's namespace unless it names namespaces itself. */
function endpointMatch(sel: LabelSelector, ownNamespace: string | undefined): PodMatch {
  const keys = selectorKeys(sel);
  const namesNamespace = keys.some((k) => k === CILIUM_NAMESPACE_KEY || k.startsWith(CILIUM_NAMESPACE_LABELS));
  return {
    namespaces: ownNamespace !== undefined && !namesNamespace ? { kind: 'own', namespace: ownNamespace } : { kind: 'all' },
    pods: { kind: 'cilium', selector: sel },
  };
}

function parsePorts(raw: unknown, path: string, problems: FieldProblem[]): { ports?: LayerPort[]; l7: string[] } {
  const l7: string[] = [];
  if (raw === undefined || raw === null) return { l7 };
  if (!Array.isArray(raw)) {
    problems.push({ severity: 'error', path, message: 'toPorts must be a list' });
    return { l7 };
  }
  // An empty toPorts is no toPorts: with an L3 part the rule is L3-only (every port; pkg/policy/rule.go mergeIngress/mergeEgress).
  if (raw.length === 0) return { l7 };
  const ports: LayerPort[] = [];
  raw.forEach((pr: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!isRecord(pr)) return;
    const rules = pr['rules'];
    if (isRecord(rules)) for (const k of Object.keys(rules)) l7.push(k === 'l7proto' ? String(rules[k]) : k);
    // TLS server names and TLS interception filter the connection above L4, like L7 rules.
    for (const k of ['serverNames', 'terminatingTLS', 'originatingTLS']) if (pr[k] !== undefined) l7.push(k);
    const list = pr['ports'];
    // An entry without ports allows (or denies) nothing: Cilium merges one filter per listed
    // port and protocol, and a non-empty toPorts is never L3-only (pkg/policy/rule.go). Likely
    // a mistake, so said.
    if (!Array.isArray(list) || list.length === 0) {
      problems.push({ severity: 'warning', path: p, message: 'this toPorts entry lists no ports, so Cilium adds nothing for it (a rule with a toPorts entry is never an L3-only rule for every port)', hint: 'list the ports (and protocol) the entry is for, e.g. ports: [{port: "80", protocol: TCP}]' });
      return;
    }
    list.forEach((e: unknown, j) => {
      const q = `${p}.ports[${j}]`;
      if (!isRecord(e)) {
        problems.push({ severity: 'error', path: q, message: 'a port entry must be an object with port and protocol' });
        return;
      }
      const protoRaw = e['protocol'] ?? 'ANY';
      if (typeof protoRaw !== 'string' || !['TCP', 'UDP', 'SCTP', 'ANY'].includes(protoRaw)) {
        problems.push({ severity: 'error', path: `${q}.protocol`, message: `protocol ${JSON.stringify(protoRaw)} is not TCP, UDP, SCTP or ANY` });
        return;
      }
      const protocol = protoRaw === 'ANY' ? undefined : (protoRaw as Protocol);
      const portRaw = e['port'];
      const endRaw = e['endPort'];
      const text = portRaw === undefined || portRaw === null ? '0' : typeof portRaw === 'number' || typeof portRaw === 'string' ? String(portRaw) : '';
      if (/^[0-9]+$/.test(text)) {
        const n = Number(text);
        if (n > 65535) {
          problems.push({ severity: 'error', path: `${q}.port`, message: `port ${text} is out of range` });
          return;
        }
        const end = typeof endRaw === 'number' ? endRaw : undefined;
        // Port 0 means every port of the protocol.
        if (n === 0) ports.push(protocol ? { protocol } : {});
        else ports.push({ ...(protocol ? { protocol } : {}), port: n, ...(end !== undefined && end > n ? { endPort: end } : {}) });
        return;
      }
      const np = portNameProblem(text);
      if (np) problems.push({ severity: 'error', path: `${q}.port`, message: `"${text}" is not a port number or a valid port name: ${np}` });
      else ports.push({ ...(protocol ? { protocol } : {}), name: text });
    });
  });
  return { ports, l7 };
}

function parseCidrs(raw: unknown, path: string, problems: FieldProblem[], withExcept: boolean): NetBlock[] {
  if (!Array.isArray(raw)) {
    problems.push({ severity: 'error', path, message: 'must be a list' });
    return [];
  }
  const out: NetBlock[] = [];
  raw.forEach((e: unknown, i) => {
    const p = `${path}[${i}]`;
    const cidrText = withExcept ? (isRecord(e) ? e['cidr'] : undefined) : e;
    if (withExcept && isRecord(e) && (e['cidrGroupRef'] !== undefined || e['cidrGroupSelector'] !== undefined)) return;
    const c = typeof cidrText === 'string' ? parseCidr(cidrText) : 'a CIDR must be a string';
    if (typeof c === 'string') {
      problems.push({ severity: 'error', path: withExcept ? `${p}.cidr` : p, message: `${JSON.stringify(cidrText)}: ${c}` });
      return;
    }
    const except = [];
    if (withExcept && isRecord(e) && Array.isArray(e['except'])) {
      for (const [j, x] of (e['except'] as unknown[]).entries()) {
        const xc = typeof x === 'string' ? parseCidr(x) : 'a CIDR must be a string';
        if (typeof xc === 'string') problems.push({ severity: 'error', path: `${p}.except[${j}]`, message: `${JSON.stringify(x)}: ${xc}` });
        else except.push(xc);
      }
    }
    out.push({ cidr: c, except });
  });
  return out;
}

/** `toServices` entries: `k8sService` (serviceName, namespace) or `k8sServiceSelector` (selector on the Service's labels, namespace). */
function parseServices(raw: unknown, path: string, problems: FieldProblem[]): LayerPeer[] {
  if (!Array.isArray(raw)) {
    problems.push({ severity: 'error', path, message: 'must be a list of Services (k8sService or k8sServiceSelector)' });
    return [];
  }
  const out: LayerPeer[] = [];
  raw.forEach((e: unknown, i) => {
    const p = `${path}[${i}]`;
    const ns = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
    let ref: ServiceRef | undefined;
    if (isRecord(e) && isRecord(e['k8sService'])) {
      const name = e['k8sService']['serviceName'];
      if (typeof name !== 'string' || name === '') problems.push({ severity: 'error', path: `${p}.k8sService.serviceName`, message: 'the Service name is missing' });
      else ref = { name, ...(ns(e['k8sService']['namespace']) ? { namespace: ns(e['k8sService']['namespace'])! } : {}) };
    } else if (isRecord(e) && isRecord(e['k8sServiceSelector'])) {
      const sel = ciliumSelector(e['k8sServiceSelector']['selector'] ?? {}, `${p}.k8sServiceSelector.selector`, problems);
      ref = { selector: sel, ...(ns(e['k8sServiceSelector']['namespace']) ? { namespace: ns(e['k8sServiceSelector']['namespace'])! } : {}) };
    } else problems.push({ severity: 'error', path: p, message: 'a toServices entry needs k8sService or k8sServiceSelector' });
    if (!ref) return;
    const what = serviceRefText(ref);
    out.push({ path: `toServices[${i}]`, text: `toServices ${what}`, netsMatchPods: false, service: ref, depends: `${what} (not in the input)` });
  });
  return out;
}

export function serviceRefText(ref: ServiceRef): string {
  const where = ref.namespace !== undefined ? `in namespace ${ref.namespace}` : 'in any namespace';
  return ref.name !== undefined ? `Service ${ref.namespace !== undefined ? `${ref.namespace}/` : ''}${ref.name}${ref.namespace === undefined ? ' (any namespace)' : ''}` : `Services ${describeLabelSelector(ref.selector!)} ${where}`;
}

function parseRule(raw: unknown, path: string, index: number, dir: 'ingress' | 'egress', deny: boolean, ownNamespace: string | undefined, problems: FieldProblem[]): LayerRule | undefined {
  if (!isRecord(raw)) {
    problems.push({ severity: 'error', path, message: 'a rule must be an object' });
    return undefined;
  }
  const pre = dir === 'ingress' ? 'from' : 'to';
  const peers: LayerPeer[] = [];
  let any = false;
  const eps = raw[`${pre}Endpoints`];
  if (eps !== undefined && eps !== null) {
    any = true;
    if (!Array.isArray(eps)) problems.push({ severity: 'error', path: `${path}.${pre}Endpoints`, message: 'must be a list of endpoint selectors' });
    else eps.forEach((e: unknown, i) => {
      const sel = ciliumSelector(e, `${path}.${pre}Endpoints[${i}]`, problems);
      peers.push({ path: `${pre}Endpoints[${i}]`, text: `endpoints ${describeLabelSelector(sel)}`, pods: endpointMatch(sel, ownNamespace), netsMatchPods: false });
    });
  }
  const ents = raw[`${pre}Entities`];
  if (ents !== undefined && ents !== null) {
    any = true;
    if (!Array.isArray(ents)) problems.push({ severity: 'error', path: `${path}.${pre}Entities`, message: 'must be a list of entity names' });
    else ents.forEach((e: unknown, i) => {
      const name = String(e);
      const placed = PLACEABLE[name];
      if (placed) peers.push({ path: `${pre}Entities[${i}]`, text: `entity ${name}`, netsMatchPods: false, ...(placed.pods ? { allPods: true } : {}), ...(placed.external ? { allExternal: true } : {}) });
      else if (UNPLACEABLE.has(name)) peers.push({ path: `${pre}Entities[${i}]`, text: `entity ${name}`, netsMatchPods: false, depends: `the ${name} entity (not in manifests)` });
      else problems.push({ severity: 'error', path: `${path}.${pre}Entities[${i}]`, message: `unknown entity ${JSON.stringify(e)}`, hint: `entities are ${[...Object.keys(PLACEABLE), ...UNPLACEABLE].join(', ')}` });
    });
  }
  for (const [field, withExcept] of [[`${pre}CIDR`, false], [`${pre}CIDRSet`, true]] as const) {
    const v = raw[field];
    if (v === undefined || v === null) continue;
    any = true;
    const nets = parseCidrs(v, `${path}.${field}`, problems, withExcept);
    if (nets.length > 0) peers.push({ path: field, text: `${field} ${nets.map((n) => (n.except.length > 0 ? `${n.cidr.text} except ${n.except.map((x) => x.text).join(', ')}` : n.cidr.text)).join(', ')}`, nets, netsMatchPods: false });
    if (withExcept && Array.isArray(v) && v.some((e) => isRecord(e) && (e['cidrGroupRef'] !== undefined || e['cidrGroupSelector'] !== undefined))) {
      peers.push({ path: field, text: `${field} cidrGroupRef`, netsMatchPods: false, depends: 'CiliumCIDRGroup objects (not evaluated)' });
    }
  }
  if (dir === 'egress' && raw['toServices'] !== undefined && raw['toServices'] !== null) {
    any = true;
    peers.push(...parseServices(raw['toServices'], `${path}.toServices`, problems));
    if (raw['toPorts'] !== undefined && raw['toPorts'] !== null) {
      problems.push({ severity: 'error', path: `${path}.toPorts`, message: 'a rule cannot combine toServices with toPorts', refusedBy: 'Cilium', hint: 'put the ports on a rule that names the backends with toEndpoints (Services with a selector) or toCIDR (Services without one)' });
    }
  }
  for (const [field, what] of [['toFQDNs', 'DNS'], ['toGroups', 'cloud groups'], [`${pre}Requires`, 'the deprecated Requires fields'], ['fromNodes', 'node labels'], ['toNodes', 'node labels']] as const) {
    const v = raw[field];
    if (v === undefined || v === null) continue;
    any = true;
    peers.push({ path: field, text: field, netsMatchPods: false, depends: what });
  }
  const { ports, l7 } = parsePorts(raw['toPorts'], `${path}.toPorts`, problems);
  const icmpOnly = raw['icmps'] !== undefined && !ports;
  const notes: string[] = [];
  if (l7.length > 0) notes.push(`further filtered at L7 by ${l7.join(', ')} rules`);
  // ICMP is not a connection meshless reports (it answers for TCP, UDP and SCTP ports).
  if (raw['icmps'] !== undefined && raw['icmps'] !== null) notes.push(icmpOnly ? 'matches ICMP only (icmps), which meshless does not report: nothing on TCP, UDP or SCTP' : 'its ICMP types (icmps) are not reported');
  // Mutual authentication (SPIFFE, Cilium 1.14+) holds a connection until both ends prove
  // their identity: allowed here as at L4, and said, like an L7 rule.
  const auth = raw['authentication'];
  if (isRecord(auth) && typeof auth['mode'] === 'string' && auth['mode'] !== 'disabled') notes.push(`also needs Cilium mutual authentication (mode ${auth['mode']})`);
  if (!any && !ports && !icmpOnly) {
    // An empty rule: it selects the endpoint (default deny) and admits nobody.
    return { index, path, action: deny ? 'deny' : 'allow', peers: [] };
  }
  return {
    index,
    path,
    action: deny ? 'deny' : 'allow',
    // A rule with ports only admits every peer on them.
    ...(any ? { peers } : {}),
    ...(ports ? { ports } : {}),
    ...(icmpOnly ? { protocols: [] } : {}),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

/** Parses a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy into its deny and allow parts. */
export function parseCiliumPolicy(o: KubeObject, source: SourceRef, problems: FieldProblem[]): LayerPolicy[] | undefined {
  const clusterwide = o.kind === 'CiliumClusterwideNetworkPolicy';
  const ns = clusterwide ? undefined : o.metadata.namespace;
  const specs: { spec: Record<string, unknown>; path: string }[] = [];
  if (isRecord(o['spec'])) specs.push({ spec: o['spec'], path: 'spec' });
  if (Array.isArray(o['specs'])) (o['specs'] as unknown[]).forEach((sp, i) => { if (isRecord(sp)) specs.push({ spec: sp, path: `specs[${i}]` }); });
  if (specs.length === 0) {
    problems.push({ severity: 'error', path: 'spec', message: 'a Cilium policy needs spec or specs' });
    return undefined;
  }
  const before = problems.filter((p) => p.severity === 'error').length;
  const out: LayerPolicy[] = [];
  const kind = clusterwide ? 'CiliumClusterwideNetworkPolicy' : 'CiliumNetworkPolicy';
  for (const [si, { spec, path }] of specs.entries()) {
    if (spec['nodeSelector'] !== undefined) {
      problems.push({ severity: 'warning', path: `${path}.nodeSelector`, message: 'a host policy (nodeSelector) applies to nodes, not pods; it is not evaluated' });
      continue;
    }
    const sel = ciliumSelector(spec['endpointSelector'], `${path}.endpointSelector`, problems);
    let subject: PodMatch;
    if (ns !== undefined) {
      // A CiliumNetworkPolicy applies in its own namespace: Cilium sets the namespace label of
      // the endpointSelector to the policy's, replacing (with a warning) any other it names.
      const { [CILIUM_NAMESPACE_KEY]: named, ...rest } = sel.matchLabels;
      if (named !== undefined && named !== ns) problems.push({ severity: 'warning', path: `${path}.endpointSelector.matchLabels`, message: `the endpointSelector names namespace "${named}", but a CiliumNetworkPolicy applies in its own namespace "${ns}": Cilium replaces the match` });
      subject = { namespaces: { kind: 'own', namespace: ns }, pods: { kind: 'cilium', selector: { matchLabels: rest, matchExpressions: sel.matchExpressions } } };
    } else subject = endpointMatch(sel, undefined);
    const edd = isRecord(spec['enableDefaultDeny']) ? spec['enableDefaultDeny'] : {};
    const rules = (field: string, dir: 'ingress' | 'egress', deny: boolean): LayerRule[] | undefined => {
      const raw = spec[field];
      // An empty list is no section at all (the deny-all idiom is a list with one empty rule).
      if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) return undefined;
      if (!Array.isArray(raw)) {
        problems.push({ severity: 'error', path: `${path}.${field}`, message: `${field} must be a list of rules` });
        return undefined;
      }
      return raw.flatMap((r: unknown, i) => parseRule(r, `${path}.${field}[${i}]`, i, dir, deny, ns, problems) ?? []);
    };
    const allowIn = rules('ingress', 'ingress', false);
    const allowEg = rules('egress', 'egress', false);
    const denyIn = rules('ingressDeny', 'ingress', true);
    const denyEg = rules('egressDeny', 'egress', true);
    const selIn = (allowIn !== undefined || denyIn !== undefined) && edd['ingress'] !== false;
    const selEg = (allowEg !== undefined || denyEg !== undefined) && edd['egress'] !== false;
    const name = specs.length > 1 ? `${o.metadata.name}[${si}]` : o.metadata.name;
    const base = { kind, objectKind: o.kind, apiVersion: o.apiVersion, ...(ns !== undefined ? { namespace: ns } : {}), source, tier: DEFAULT_TIER, subject, staged: false } as const;
    const who = `${kind} ${ns !== undefined ? `${ns}/` : ''}${name}`;
    if (denyIn || denyEg) {
      out.push({
        ...base, name, order: CILIUM_DENY_ORDER, sortName: name,
        ...(denyIn ? { ingress: denyIn } : {}), ...(denyEg ? { egress: denyEg } : {}),
        defaultDenyIngress: selIn, defaultDenyEgress: selEg,
        label: `${who} (deny rules: before every allow)`,
      });
    }
    out.push({
      ...base, name, order: K8S_NETWORKPOLICY_ORDER, sortName: `cnp.${name}`,
      ...(allowIn || denyIn ? { ingress: allowIn ?? [] } : {}), ...(allowEg || denyEg ? { egress: allowEg ?? [] } : {}),
      defaultDenyIngress: selIn, defaultDenyEgress: selEg,
      label: `${who} (allow rules, with NetworkPolicies)`,
    });
  }
  if (problems.filter((p) => p.severity === 'error').length > before) return undefined;
  return out;
}

/** A Service of the input as `toServices` sees it: its labels, whether it has a selector, its endpoints' addresses. */
interface ServiceBackends {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly hasSelector: boolean;
  readonly addresses: string[];
}

function servicesOf(objects: readonly LoadedObject[]): ServiceBackends[] {
  const index = indexServiceEndpoints(objects);
  return index.services.map((s) => {
    const addresses: string[] = [];
    // Ready addresses only: notReadyAddresses, and slice endpoints whose ready condition is false, get no traffic.
    for (const g of index.groups(s.namespace, s.name)) for (const a of g.addresses) if (a.ready && !addresses.includes(a.address)) addresses.push(a.address);
    return { namespace: s.namespace, name: s.name, labels: s.labels, hasSelector: s.selector !== undefined, addresses };
  });
}

/**
 * Resolves the `toServices` peers of Cilium rules against the input (pure; called when
 * the inventory is built, so every consumer sees the same peers): a Service without a
 * selector becomes the CIDR rule of its endpoints' addresses (never pods, as Cilium's
 * CIDR rules); a Service with a selector allows nothing and is reported through
 * `warn`; a Service not in the input, or one whose endpoints are not, stays "depends on".
 */
export function resolveCiliumServicePeers(policies: readonly LayerPolicy[], objects: readonly LoadedObject[], warn: (policy: LayerPolicy, path: string, message: string, hint: string) => void): LayerPolicy[] {
  const hasRef = (p: LayerPolicy): boolean => [...(p.ingress ?? []), ...(p.egress ?? [])].some((r) => r.peers?.some((x) => x.service) ?? false);
  if (!policies.some(hasRef)) return [...policies];
  const services = servicesOf(objects);
  const resolvePeer = (p: LayerPolicy, rule: LayerRule, peer: LayerPeer): LayerPeer[] => {
    const ref = peer.service;
    if (!ref) return [peer];
    const unresolved: LayerPeer = { path: peer.path, text: peer.text, netsMatchPods: peer.netsMatchPods, ...(peer.depends !== undefined ? { depends: peer.depends } : {}) };
    const matched = services.filter((s) => (ref.namespace === undefined || s.namespace === ref.namespace) && (ref.name !== undefined ? s.name === ref.name : matches(ref.selector!, s.labels)));
    if (matched.length === 0) return [unresolved];
    const out: LayerPeer[] = [];
    for (const s of matched) {
      const who = `Service ${s.namespace}/${s.name}`;
      if (s.hasSelector) {
        warn(p, `${rule.path}.${peer.path}`, `toServices names ${who}, which has a selector: Cilium applies toServices only to Services without a selector, so this allows nothing`, `name the Service's pods with toEndpoints (their labels, and k8s:io.kubernetes.pod.namespace: ${s.namespace})`);
        continue;
      }
      const nets: NetBlock[] = [];
      for (const ip of s.addresses) {
        const c = parseCidr(`${ip}/${ip.includes(':') ? 128 : 32}`);
        if (typeof c !== 'string') nets.push({ cidr: c, except: [] });
      }
      if (nets.length === 0) out.push({ path: peer.path, text: `toServices ${who}`, netsMatchPods: false, depends: `the endpoints of ${who} (not in the input)` });
      else out.push({ path: peer.path, text: `toServices ${who} (endpoints ${s.addresses.join(', ')})`, nets, netsMatchPods: false });
    }
    // Only Services with a selector: the entry matches nothing.
    if (out.length === 0) out.push({ path: peer.path, text: `${peer.text} (Services with a selector: ignored by Cilium)`, nets: [], netsMatchPods: false });
    return out;
  };
  const resolveRules = (p: LayerPolicy, rules: readonly LayerRule[] | undefined): readonly LayerRule[] | undefined =>
    rules?.map((r) => (r.peers?.some((x) => x.service) ? { ...r, peers: r.peers.flatMap((x) => resolvePeer(p, r, x)) } : r));
  return policies.map((p) => (hasRef(p) ? { ...p, ...(p.ingress ? { ingress: resolveRules(p, p.ingress)! } : {}), ...(p.egress ? { egress: resolveRules(p, p.egress)! } : {}) } : p));
}

/** Go's strconv.ParseBool, which Cilium's agent reads its ConfigMap's booleans with (viper GetBool). */
function goBool(v: unknown): boolean | undefined {
  // A hand-written manifest may say `true` unquoted (the API server would want a string).
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

const objectRef = (o: LoadedObject): string => `${o.object.kind} ${o.object.metadata.namespace !== undefined ? `${o.object.metadata.namespace}/` : ''}${o.object.metadata.name}`;

const CILIUM_CONFIG_HINT = 'include the ConfigMap cilium-config (kubectl -n kube-system get configmap cilium-config -o yaml)';
const SCTP_ON_HINT = 'if the cluster needs SCTP, enable Cilium\'s SCTP support (beta): enable-sctp: "true" in cilium-config, Helm sctp.enabled=true';

/**
 * What Cilium's datapath drops to and from the pods it manages whatever the policies say:
 * SCTP, unless the agent runs with SCTP support.
 *
 * Cilium's sources: the policies expand `ANY` to SCTP and accept SCTP ports with SCTP support
 * off (see the top of this file), but the agent builds its BPF programs with ENABLE_SCTP only
 * when `enable-sctp` is true (pkg/datapath/linux/config/config.go; default false in
 * pkg/defaults, Helm `sctp.enabled: false`, Documentation/configuration/sctp.rst). Without it,
 * the conntrack lookup that every packet leaving or entering an endpoint goes through
 * (bpf/bpf_lxc.c, TAIL_CT_LOOKUP4/6) rejects SCTP as an unknown L4 protocol
 * (bpf/lib/conntrack.h, DROP_CT_UNKNOWN_PROTO) and the packet is dropped before any policy
 * is looked at: SCTP to or from a pod fails, selected by a policy or not.
 *
 * Read from the input: the ConfigMap `cilium-config` (any namespace; `enable-sctp`, read
 * as Go's strconv.ParseBool, missing = false). Without it, when Cilium shows itself by its
 * policies or its DaemonSet, Cilium's default (off) is assumed and said in a warning.
 * Where meshless cannot tell (configurations that disagree, `enable-extended-ip-protocols`,
 * which lets protocols Cilium does not track reach the policies), nothing is dropped: the
 * policies' answer, which allows at least what Cilium does, stands, and a warning says so.
 */
export function ciliumDatapath(objects: readonly LoadedObject[], policies: readonly LayerPolicy[]): { dropped: DroppedProtocol[]; diagnostics: Diagnostic[] } {
  const configs = objects.filter((o) => o.object.kind === 'ConfigMap' && o.object.apiVersion === 'v1' && o.object.metadata.name === 'cilium-config');
  const diagnostics: Diagnostic[] = [];
  const drop = (reason: string, source?: LoadedObject['source']): { dropped: DroppedProtocol[]; diagnostics: Diagnostic[] } => ({
    dropped: [{ protocol: 'SCTP', reason: `Cilium drops SCTP to and from the pods it manages before any policy is looked at: ${reason}`, ...(source ? { source } : {}) }],
    diagnostics,
  });
  if (configs.length === 0) {
    const policy = policies.find((p) => p.kind === 'CiliumNetworkPolicy' || p.kind === 'CiliumClusterwideNetworkPolicy');
    const daemonSet = objects.find((o) => o.object.kind === 'DaemonSet' && o.object.metadata.name === 'cilium');
    const evidence = policy ? { what: `${policy.kind} ${policy.namespace !== undefined ? `${policy.namespace}/` : ''}${policy.name}`, source: policy.source } : daemonSet ? { what: objectRef(daemonSet), source: daemonSet.source } : undefined;
    if (!evidence) return { dropped: [], diagnostics };
    const reason = `the input shows Cilium (${evidence.what}) but not its ConfigMap cilium-config, so its SCTP support is assumed off, Cilium's default (enable-sctp: false)`;
    diagnostics.push({ severity: 'warning', code: 'cilium-sctp-assumed', message: `${reason}; SCTP to and from pods is reported as denied`, source: evidence.source, hint: `${CILIUM_CONFIG_HINT}; if it sets enable-sctp: "true", the policies decide SCTP` });
    return drop(reason);
  }
  const readings = configs.map((o) => {
    const data = isRecord(o.object['data']) ? o.object['data'] : {};
    const raw = data['enable-sctp'];
    const value = raw === undefined ? false : goBool(raw);
    if (value === undefined) {
      diagnostics.push({ severity: 'warning', code: 'cilium-config-value', message: `${objectRef(o)}: enable-sctp ${JSON.stringify(raw)} is not a boolean Cilium reads (Go's strconv.ParseBool); Cilium takes it as false`, source: o.source, path: 'data.enable-sctp', hint: 'write "true" or "false"' });
    }
    return { o, raw, on: value === true, extended: goBool(data['enable-extended-ip-protocols']) === true };
  });
  const on = readings.filter((r) => r.on);
  const off = readings.filter((r) => !r.on);
  if (off.length === 0) return { dropped: [], diagnostics };
  if (on.length > 0) {
    diagnostics.push({ severity: 'warning', code: 'cilium-sctp-conflict', message: `the ConfigMaps cilium-config disagree on enable-sctp (${on.map((r) => objectRef(r.o)).join(', ')}: on; ${off.map((r) => objectRef(r.o)).join(', ')}: off); SCTP is reported as the policies allow it, though Cilium drops it where SCTP support is off`, source: off[0]!.o.source, hint: 'audit one cluster at a time' });
    return { dropped: [], diagnostics };
  }
  const extended = off.find((r) => r.extended);
  if (extended) {
    diagnostics.push({ severity: 'warning', code: 'cilium-sctp-not-judged', message: `${objectRef(extended.o)} turns SCTP support off but sets enable-extended-ip-protocols, which lets protocols Cilium does not track reach the policies; meshless does not model that, so SCTP is reported as the policies allow it (Cilium may allow less)`, source: extended.o.source, path: 'data.enable-extended-ip-protocols', hint: SCTP_ON_HINT });
    return { dropped: [], diagnostics };
  }
  const cfg = off[0]!;
  const reason = `${objectRef(cfg.o)} ${cfg.raw === undefined ? 'does not set enable-sctp (default false)' : `sets enable-sctp: ${JSON.stringify(cfg.raw)}`}`;
  diagnostics.push({ severity: 'info', code: 'cilium-sctp-off', message: `Cilium's SCTP support is off (${reason}): its datapath drops SCTP to and from every pod whatever the policies say, so SCTP is reported as denied`, source: cfg.o.source, hint: SCTP_ON_HINT });
  return drop(reason, cfg.o.source);
}
