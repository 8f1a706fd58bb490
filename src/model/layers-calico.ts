/**
 * Calico's own policies (projectcalico.org/v3 NetworkPolicy, GlobalNetworkPolicy,
 * their Staged forms, and Tier) in the layer form, as Calico 3.32's reference
 * documents them:
 * - `tier` missing: the default tier; `order` missing: after every ordered policy;
 *   `selector` missing: all(); `types` missing: [Ingress] unless the policy has egress
 *   rules only ([Egress]) or both ([Ingress, Egress]).
 * - A rule's `source` (ingress) or `destination` (egress) names the peer; the other
 *   side constrains the policy's own endpoint. Ports sit on the destination.
 * - A rule selector looks in the policy's own namespace for a NetworkPolicy and in
 *   every namespace for a GlobalNetworkPolicy, unless the rule has a namespaceSelector.
 * - `services` names a Kubernetes Service, alone in its entity rule: resolved against the
 *   input when the inventory is built (resolveCalicoServicePeers, below).
 */
import { formatCalicoSelector, parseCalicoSelector, type CalicoSelector } from './calico-selector.js';
import { parseCidr } from './ip.js';
import { isRecord } from './json.js';
import { DEFAULT_TIER, TIER_ALIASES, type CalicoServiceRef, type LayerAction, type LayerPeer, type LayerPolicy, type LayerPort, type LayerRule, type LayerTier, type NetBlock, type PodMatch } from './layers.js';
import { portNameProblem, type FieldProblem, type Protocol } from './networkpolicy.js';
import type { KubeObject, LoadedObject } from './kube.js';
import { indexServiceEndpoints, type EndpointGroup, type ServiceEndpointIndex } from './service-endpoints.js';
import type { SourceRef } from './source.js';

export const CALICO_GROUP = 'projectcalico.org';
export const CALICO_POLICY_KINDS: ReadonlySet<string> = new Set(['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy']);

const ACTIONS: Readonly<Record<string, LayerAction>> = { Allow: 'allow', Deny: 'deny', Pass: 'pass', Log: 'log' };
const ALL_PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const PROTOCOL_NUMBERS: Readonly<Record<number, Protocol>> = { 6: 'TCP', 17: 'UDP', 132: 'SCTP' };
const OTHER_PROTOCOLS = new Set(['ICMP', 'ICMPv6', 'UDPLite']);

function calicoSelector(raw: unknown, path: string, problems: FieldProblem[]): CalicoSelector | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') {
    problems.push({ severity: 'error', path, message: 'a Calico selector is a string such as "app == \'web\'"' });
    return undefined;
  }
  const r = parseCalicoSelector(raw);
  if (!r.ok) {
    problems.push({ severity: 'error', path, message: `selector ${JSON.stringify(raw)}: ${r.error}`, hint: "Calico selectors read like app == 'web' && has(tier); see Calico's selector reference" });
    return undefined;
  }
  return r.selector;
}

function protocolOf(raw: unknown, path: string, problems: FieldProblem[]): Protocol | 'other' | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number') return PROTOCOL_NUMBERS[raw] ?? 'other';
  if (typeof raw === 'string') {
    if (raw === 'TCP' || raw === 'UDP' || raw === 'SCTP') return raw;
    if (OTHER_PROTOCOLS.has(raw) || /^[0-9]+$/.test(raw)) return /^[0-9]+$/.test(raw) ? (PROTOCOL_NUMBERS[Number(raw)] ?? 'other') : 'other';
  }
  problems.push({ severity: 'error', path, message: `protocol ${JSON.stringify(raw)} is not one of TCP, UDP, SCTP, ICMP, ICMPv6, UDPLite or a number`, hint: 'protocol names are upper case' });
  return undefined;
}

function parsePorts(raw: unknown, path: string, protocol: Protocol | undefined, problems: FieldProblem[]): LayerPort[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) {
    problems.push({ severity: 'error', path, message: 'ports must be a list' });
    return undefined;
  }
  if (!protocol) {
    problems.push({ severity: 'error', path, message: 'ports may only be given with protocol TCP, UDP or SCTP', hint: 'add protocol: TCP to the rule' });
    return undefined;
  }
  const out: LayerPort[] = [];
  raw.forEach((e: unknown, i) => {
    const p = `${path}[${i}]`;
    if (typeof e === 'number') {
      if (!Number.isInteger(e) || e < 0 || e > 65535) problems.push({ severity: 'error', path: p, message: `port ${e} is out of range` });
      else out.push({ protocol, port: Math.max(e, 1) });
      return;
    }
    if (typeof e !== 'string') {
      problems.push({ severity: 'error', path: p, message: 'a port is a number, a range "80:90" or a port name' });
      return;
    }
    const range = /^([0-9]+):([0-9]+)$/.exec(e);
    if (range) {
      const a = Number(range[1]);
      const b = Number(range[2]);
      if (a > b || b > 65535) problems.push({ severity: 'error', path: p, message: `port range "${e}" must be low:high within 0-65535` });
      else out.push({ protocol, port: Math.max(a, 1), endPort: b });
      return;
    }
    if (/^[0-9]+$/.test(e)) {
      const n = Number(e);
      if (n > 65535) problems.push({ severity: 'error', path: p, message: `port ${e} is out of range` });
      else out.push({ protocol, port: Math.max(n, 1) });
      return;
    }
    const np = portNameProblem(e);
    if (np) problems.push({ severity: 'error', path: p, message: `"${e}" is not a valid port name: ${np}` });
    else out.push({ protocol, name: e });
  });
  return out;
}

function parseNets(raw: unknown, path: string, problems: FieldProblem[]): NetBlock[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) {
    problems.push({ severity: 'error', path, message: 'nets must be a list of CIDRs' });
    return undefined;
  }
  const out: NetBlock[] = [];
  raw.forEach((n: unknown, i) => {
    // Calico accepts a bare address as a /32 (/128).
    const text = typeof n === 'string' && !n.includes('/') ? `${n}/${n.includes(':') ? 128 : 32}` : n;
    const c = typeof text === 'string' ? parseCidr(text) : 'a CIDR must be a string';
    if (typeof c === 'string') problems.push({ severity: 'error', path: `${path}[${i}]`, message: `${JSON.stringify(n)}: ${c}` });
    else out.push({ cidr: c, except: [] });
  });
  return out;
}

interface Entity {
  readonly peer: Omit<LayerPeer, 'path'>;
  readonly self?: PodMatch;
  readonly selfNot?: PodMatch;
  readonly selfNets?: NetBlock[];
  readonly selfNotNets?: NetBlock[];
  readonly ports?: LayerPort[];
  readonly notPorts?: LayerPort[];
  readonly notes: string[];
}

/** A match on pods of a Calico entity rule: selector and/or namespaceSelector and/or serviceAccounts. */
function podMatchOf(sel: CalicoSelector | undefined, nsSel: CalicoSelector | undefined, sa: PodMatch['serviceAccounts'] | undefined, ownNamespace: string | undefined): PodMatch | undefined {
  if (!sel && !nsSel && !sa) return undefined;
  const namespaces: PodMatch['namespaces'] = nsSel ? { kind: 'selector', selector: { kind: 'calico', selector: nsSel } } : ownNamespace !== undefined ? { kind: 'own', namespace: ownNamespace } : { kind: 'all' };
  return { namespaces, ...(sel ? { pods: { kind: 'calico', selector: sel } } : {}), ...(sa ? { serviceAccounts: sa } : {}) };
}

const nonEmpty = (v: unknown): boolean => (typeof v === 'string' ? v !== '' : Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null);

/**
 * An entity rule's `services` (ServiceMatch: api/pkg/apis/projectcalico/v3/policy_common.go;
 * its checks: the EntityRule validation rules there and libcalico-go/lib/validator/v3):
 * a Service by name, alone in its entity rule (no selector, notSelector, namespaceSelector,
 * serviceAccounts, nets or notNets), only as an egress rule's destination or an ingress
 * rule's source, and with a namespace in a GlobalNetworkPolicy. A NetworkPolicy that
 * leaves the namespace out is accepted, but Calico's data path then looks the Service up
 * under an empty namespace (libcalico-go updateprocessors/rules.go copies it as written,
 * Felix's service index keys EndpointSlices by their namespace) while its API reference
 * says the policy's namespace: not judged, and said.
 */
function parseServiceMatch(raw: Record<string, unknown>, path: string, ownNamespace: string | undefined, role: 'peer' | 'self', dir: 'ingress' | 'egress', text: string[], problems: FieldProblem[]): Pick<LayerPeer, 'depends' | 'calicoService'> {
  const sm = raw['services'];
  if (sm === undefined || sm === null) return {};
  const at = `${path}.services`;
  if (!isRecord(sm)) {
    problems.push({ severity: 'error', path: at, message: 'services must be a ServiceMatch {name, namespace}' });
    return {};
  }
  const before = problems.length;
  const refuse = (p: string, message: string, hint?: string): void => {
    problems.push({ severity: 'error', path: p, message, refusedBy: 'Calico', ...(hint !== undefined ? { hint } : {}) });
  };
  if (role === 'self') {
    refuse(at, dir === 'egress' ? "services is not allowed in an egress rule's source" : "services is not allowed in an ingress rule's destination", 'Calico matches a Service as the destination of an egress rule or the source of an ingress rule');
  }
  const name = sm['name'];
  if (typeof name !== 'string' || name === '') refuse(`${at}.name`, 'services must name a Service (services.name)');
  const nsRaw = sm['namespace'];
  if (nsRaw !== undefined && nsRaw !== null && typeof nsRaw !== 'string') problems.push({ severity: 'error', path: `${at}.namespace`, message: 'services.namespace must be a string' });
  for (const [fields, what] of [[['selector', 'notSelector'], 'Selector/NotSelector'], [['namespaceSelector'], 'NamespaceSelector'], [['serviceAccounts'], 'ServiceAccounts'], [['nets', 'notNets'], 'Nets/NotNets']] as const) {
    const given = fields.filter((f) => nonEmpty(raw[f]));
    if (given.length > 0) refuse(`${path}.${given[0]!}`, `cannot specify ${what} and Services on the same rule`, 'a services match names its peers by itself: move the other criteria to a rule of their own');
  }
  const ns = typeof nsRaw === 'string' && nsRaw !== '' ? nsRaw : undefined;
  if (ns === undefined && ownNamespace === undefined) refuse(`${at}.namespace`, 'a GlobalNetworkPolicy must name the namespace of the Service it matches (services.namespace)');
  if (problems.length > before || typeof name !== 'string') return {};
  if (ns === undefined) {
    problems.push({ severity: 'warning', path: `${at}.namespace`, message: `services names Service ${name} without a namespace: Calico's API reference says the policy's namespace (${ownNamespace!}), but its data path looks the Service's EndpointSlices up under an empty namespace, where there are none; the rule is not judged`, hint: `write services.namespace: ${ownNamespace!}` });
    text.push(`services Service ${name} (no namespace)`);
    return { depends: `which namespace Calico looks in for Service ${name} (services.namespace not given)` };
  }
  const who = `Service ${ns}/${name}`;
  text.push(`services ${who}`);
  return { calicoService: { namespace: ns, name, side: dir === 'egress' ? 'destination' : 'source' }, depends: `${who} and its EndpointSlices (not in the input)` };
}

function parseEntity(raw: unknown, path: string, protocol: Protocol | undefined, ownNamespace: string | undefined, role: 'peer' | 'self', dir: 'ingress' | 'egress', problems: FieldProblem[]): Entity {
  const notes: string[] = [];
  if (raw === undefined || raw === null) return { peer: { text: 'every peer', netsMatchPods: true }, notes };
  if (!isRecord(raw)) {
    problems.push({ severity: 'error', path, message: 'must be an entity rule (selector, namespaceSelector, nets, ports, ...)' });
    return { peer: { text: 'every peer', netsMatchPods: true }, notes };
  }
  const sel = calicoSelector(raw['selector'], `${path}.selector`, problems);
  const notSel = calicoSelector(raw['notSelector'], `${path}.notSelector`, problems);
  const nsSel = calicoSelector(raw['namespaceSelector'], `${path}.namespaceSelector`, problems);
  const nets = parseNets(raw['nets'], `${path}.nets`, problems);
  const notNets = parseNets(raw['notNets'], `${path}.notNets`, problems);
  const ports = parsePorts(raw['ports'], `${path}.ports`, protocol, problems);
  const notPorts = parsePorts(raw['notPorts'], `${path}.notPorts`, protocol, problems);
  let sa: PodMatch['serviceAccounts'];
  const saRaw = raw['serviceAccounts'];
  if (isRecord(saRaw)) {
    const names = Array.isArray(saRaw['names']) ? saRaw['names'].filter((n): n is string => typeof n === 'string') : [];
    const saSel = calicoSelector(saRaw['selector'], `${path}.serviceAccounts.selector`, problems);
    sa = { names, ...(saSel ? { selector: saSel } : {}) };
  }
  // The namespaceSelector global() picks non-namespaced resources (network sets, host endpoints): never a pod.
  // Calico scopes a namespaced policy's rule to its namespace as soon as it names pods by selector or notSelector.
  const pods = podMatchOf(sel, nsSel, sa, ownNamespace) ?? (notSel && ownNamespace !== undefined ? { namespaces: { kind: 'own', namespace: ownNamespace } } : undefined);
  const notPods = notSel ? podMatchOf(notSel, nsSel, undefined, ownNamespace) : undefined;
  const text: string[] = [];
  if (nsSel) text.push(`namespaceSelector ${formatCalicoSelector(nsSel)}`);
  if (sel) text.push(`selector ${formatCalicoSelector(sel)}`);
  if (notSel) text.push(`notSelector ${formatCalicoSelector(notSel)}`);
  if (sa) text.push(`serviceAccounts ${[...sa.names, ...(sa.selector ? [formatCalicoSelector(sa.selector)] : [])].join(', ')}`);
  if (nets) text.push(`nets ${nets.map((n) => n.cidr.text).join(', ')}`);
  if (notNets) text.push(`notNets ${notNets.map((n) => n.cidr.text).join(', ')}`);
  const service = parseServiceMatch(raw, path, ownNamespace, role, dir, text, problems);
  let depends: string | undefined;
  if (Array.isArray(raw['domains']) && raw['domains'].length > 0) depends = `DNS resolution of ${(raw['domains'] as unknown[]).join(', ')}`;
  const peer: Omit<LayerPeer, 'path'> = {
    text: text.length > 0 ? text.join(' + ') : 'every peer',
    netsMatchPods: true,
    ...(pods ? { pods } : {}),
    ...(notPods ? { notPods } : {}),
    ...(nets ? { nets } : {}),
    ...(notNets ? { notNets } : {}),
    ...service,
    ...(depends ? { depends } : {}),
  };
  return { peer, ...(role === 'self' && pods ? { self: pods } : {}), ...(role === 'self' && notPods ? { selfNot: notPods } : {}), ...(role === 'self' && nets ? { selfNets: nets } : {}), ...(role === 'self' && notNets ? { selfNotNets: notNets } : {}), ...(ports ? { ports } : {}), ...(notPorts ? { notPorts } : {}), notes };
}

/** A destination services match takes the Service's own ports (its EndpointSlices'): Calico refuses ports beside it. */
function destinationServicePortsProblems(dst: unknown, path: string, problems: FieldProblem[]): void {
  if (!isRecord(dst) || dst['services'] === undefined || dst['services'] === null) return;
  for (const f of ['ports', 'notPorts']) {
    if (nonEmpty(dst[f])) problems.push({ severity: 'error', path: `${path}.${f}`, message: 'ports and notPorts cannot be specified with services', refusedBy: 'Calico', hint: "a destination services match takes the Service's own ports (its EndpointSlices'); leave the ports out, or name the pods with a selector and give the ports" });
  }
}

/** What a rule's explanation says besides its peers': an L7 match, a protocol meshless does not report. */
function ruleNotes(raw: Record<string, unknown>, proto: Protocol | 'other' | undefined, notes: string[]): string[] {
  if (raw['http'] !== undefined) notes.push('further filtered at L7 by its http match');
  // ICMP, ICMPv6, UDPLite... are not connections meshless reports (it answers for TCP, UDP and SCTP ports).
  if (proto === 'other') notes.push(`matches protocol ${String(raw['protocol'])} only, which meshless does not report: nothing on TCP, UDP or SCTP`);
  return notes;
}

function parseRule(raw: unknown, path: string, index: number, dir: 'ingress' | 'egress', ownNamespace: string | undefined, problems: FieldProblem[]): LayerRule | undefined {
  if (!isRecord(raw)) {
    problems.push({ severity: 'error', path, message: 'a rule must be an object with an action' });
    return undefined;
  }
  const a = raw['action'];
  const action = typeof a === 'string' ? ACTIONS[a] : undefined;
  if (!action) {
    problems.push({ severity: 'error', path: `${path}.action`, message: `action ${JSON.stringify(a)} is not one of Allow, Deny, Pass, Log`, hint: 'actions are capitalised' });
    return undefined;
  }
  const proto = protocolOf(raw['protocol'], `${path}.protocol`, problems);
  const notProto = protocolOf(raw['notProtocol'], `${path}.notProtocol`, problems);
  const portProto = proto === 'other' ? undefined : proto;
  const peerField = dir === 'ingress' ? 'source' : 'destination';
  const selfField = dir === 'ingress' ? 'destination' : 'source';
  // Ports of the connection are destination ports, whichever side the destination is.
  const peer = parseEntity(raw[peerField], `${path}.${peerField}`, portProto, ownNamespace, 'peer', dir, problems);
  const self = parseEntity(raw[selfField], `${path}.${selfField}`, portProto, ownNamespace, 'self', dir, problems);
  destinationServicePortsProblems(raw['destination'], `${path}.destination`, problems);
  const dest = dir === 'ingress' ? self : peer;
  let protocols: Protocol[] | undefined;
  if (proto === 'other') protocols = [];
  else if (proto) protocols = [proto];
  if (notProto && notProto !== 'other') protocols = (protocols ?? [...ALL_PROTOCOLS]).filter((p) => p !== notProto);
  const ipv = raw['ipVersion'];
  const notes = ruleNotes(raw, proto, [...peer.notes, ...self.notes]);
  // A connection's source port is ephemeral: a rule that names source ports cannot be judged from
  // manifests, so it matches nothing here and is listed (notJudged), never guessed either way.
  const src = raw['source'];
  const sourcePorts = isRecord(src) && (src['ports'] !== undefined || src['notPorts'] !== undefined);
  const peers = sourcePorts
    ? [{ path: 'source.ports', text: 'source ports', netsMatchPods: false, depends: "the connection's source port (ephemeral, not in manifests)" }]
    : peer.peer.text !== 'every peer' || peer.peer.depends
      ? [{ ...peer.peer, path: peerField }]
      : undefined;
  const rule: LayerRule = {
    index,
    path,
    action,
    ...(peers ? { peers } : {}),
    ...(self.self ? { self: self.self } : {}),
    ...(self.selfNot ? { selfNot: self.selfNot } : {}),
    ...(self.selfNets ? { selfNets: self.selfNets } : {}),
    ...(self.selfNotNets ? { selfNotNets: self.selfNotNets } : {}),
    ...(dest.ports ? { ports: dest.ports } : {}),
    ...(dest.notPorts ? { notPorts: dest.notPorts } : {}),
    ...(protocols ? { protocols } : {}),
    ...(ipv === 4 || ipv === 6 ? { family: ipv } : {}),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
  return rule;
}

/** Parses a Calico (Global)NetworkPolicy or its Staged form. */
export function parseCalicoPolicy(o: KubeObject, source: SourceRef, problems: FieldProblem[]): LayerPolicy | undefined {
  const spec = isRecord(o['spec']) ? o['spec'] : {};
  const global = o.kind === 'GlobalNetworkPolicy' || o.kind === 'StagedGlobalNetworkPolicy';
  const staged = o.kind.startsWith('Staged');
  const ns = global ? undefined : o.metadata.namespace;
  const before = problems.filter((p) => p.severity === 'error').length;
  const name = o.metadata.name;
  const t = spec['tier'];
  let tier = DEFAULT_TIER;
  if (t !== undefined && t !== null) {
    if (typeof t !== 'string' || t === '') problems.push({ severity: 'error', path: 'spec.tier', message: 'tier must be a Tier name' });
    else tier = TIER_ALIASES[t] ?? t;
  }
  const ord = spec['order'];
  let order: number | undefined;
  if (ord !== undefined && ord !== null) {
    if (typeof ord !== 'number' || !Number.isFinite(ord)) problems.push({ severity: 'error', path: 'spec.order', message: `order ${JSON.stringify(ord)} must be a number` });
    else order = ord;
  }
  for (const f of ['doNotTrack', 'preDNAT', 'applyOnForward'] as const) {
    if (spec[f] === true) {
      problems.push({ severity: 'warning', path: `spec.${f}`, message: `${f} policies apply to host endpoints, not to pods; this policy is left out of pod connectivity` });
      return undefined;
    }
  }
  const sel = calicoSelector(spec['selector'], 'spec.selector', problems);
  const nsSel = global ? calicoSelector(spec['namespaceSelector'], 'spec.namespaceSelector', problems) : undefined;
  const saSel = calicoSelector(spec['serviceAccountSelector'], 'spec.serviceAccountSelector', problems);
  const rawIn = spec['ingress'];
  const rawEg = spec['egress'];
  const hasIn = Array.isArray(rawIn) && rawIn.length > 0;
  const hasEg = Array.isArray(rawEg) && rawEg.length > 0;
  let types: string[];
  const ty = spec['types'];
  if (Array.isArray(ty) && ty.length > 0) {
    types = [];
    ty.forEach((x: unknown, i) => {
      if (x === 'Ingress' || x === 'Egress') types.push(x);
      else problems.push({ severity: 'error', path: `spec.types[${i}]`, message: `type ${JSON.stringify(x)} is not Ingress or Egress` });
    });
  } else types = hasEg && hasIn ? ['Ingress', 'Egress'] : hasEg ? ['Egress'] : ['Ingress'];
  const rules = (raw: unknown, dir: 'ingress' | 'egress'): LayerRule[] => {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) {
      problems.push({ severity: 'error', path: `spec.${dir}`, message: `${dir} must be a list of rules` });
      return [];
    }
    return raw.flatMap((r: unknown, i) => parseRule(r, `spec.${dir}[${i}]`, i, dir, ns, problems) ?? []);
  };
  const ingress = rules(rawIn, 'ingress');
  const egress = rules(rawEg, 'egress');
  if (problems.filter((p) => p.severity === 'error').length > before) return undefined;
  if (staged && spec['stagedAction'] === 'Delete') {
    problems.push({ severity: 'warning', path: 'spec.stagedAction', message: 'a staged Delete: the live policy of the same name would be removed; not evaluated' });
    return undefined;
  }
  const subjectSel = sel ?? { op: 'all' as const };
  const subject: PodMatch = {
    namespaces: nsSel ? { kind: 'selector', selector: { kind: 'calico', selector: nsSel } } : ns !== undefined ? { kind: 'own', namespace: ns } : { kind: 'all' },
    pods: { kind: 'calico', selector: subjectSel },
    ...(saSel ? { serviceAccounts: { names: [], selector: saSel } } : {}),
  };
  const what = staged ? o.kind : global ? 'GlobalNetworkPolicy' : 'Calico NetworkPolicy';
  return {
    kind: global ? 'GlobalNetworkPolicy' : 'CalicoNetworkPolicy',
    objectKind: o.kind,
    apiVersion: o.apiVersion,
    name,
    ...(ns !== undefined ? { namespace: ns } : {}),
    source,
    tier,
    ...(order !== undefined ? { order } : {}),
    sortName: name,
    subject,
    ...(types.includes('Ingress') ? { ingress } : {}),
    ...(types.includes('Egress') ? { egress } : {}),
    defaultDenyIngress: types.includes('Ingress'),
    defaultDenyEgress: types.includes('Egress'),
    staged,
    label: `${what} ${ns !== undefined ? `${ns}/` : ''}${name} (tier ${tier}, order ${order ?? 'none: last'})`,
  };
}

/** Parses a Calico Tier. */
export function parseCalicoTier(o: KubeObject, source: SourceRef, problems: FieldProblem[]): LayerTier | undefined {
  const spec = isRecord(o['spec']) ? o['spec'] : {};
  const ord = spec['order'];
  if (ord !== undefined && ord !== null && (typeof ord !== 'number' || !Number.isFinite(ord))) {
    problems.push({ severity: 'error', path: 'spec.order', message: `order ${JSON.stringify(ord)} must be a number` });
    return undefined;
  }
  const da = spec['defaultAction'];
  if (da !== undefined && da !== null && da !== 'Deny' && da !== 'Pass') {
    problems.push({ severity: 'error', path: 'spec.defaultAction', message: `defaultAction ${JSON.stringify(da)} is not Deny or Pass` });
    return undefined;
  }
  const name = o.metadata.name;
  // A tier without an order comes after every ordered tier.
  const order = typeof ord === 'number' ? ord : Number.MAX_SAFE_INTEGER;
  return { name, order, defaultAction: da === 'Pass' ? 'pass' : 'deny', label: `Calico tier ${name} (order ${typeof ord === 'number' ? ord : 'none: last'})`, source };
}

/** Endpoints of a Service that share their ports: by address, or (a Service with a selector) by pod. */
interface Backend {
  readonly nets?: readonly NetBlock[];
  readonly addresses?: readonly string[];
  readonly pods?: PodMatch;
  readonly podsText?: string;
  /** The destination ports Calico matches them on. */
  readonly ports: readonly LayerPort[];
}

/** What a services match stands for in the input: its backends, or what is missing to know them. */
type Resolution =
  | { readonly missing: string }
  | { readonly backends: readonly Backend[]; readonly depends: readonly string[]; readonly family?: 4 | 6; readonly none?: string };

/** Kubernetes' EndpointSlice mirroring copies at most this many addresses of an Endpoints subset (kube-controller-manager's default). */
const MIRROR_MAX_PER_SUBSET = 1000;

function hostBlock(address: string): NetBlock | undefined {
  const c = parseCidr(`${address}/${address.includes(':') ? 128 : 32}`);
  return typeof c === 'string' ? undefined : { cidr: c, except: [] };
}

const portText = (p: LayerPort): string => `${p.name ?? String(p.port)}/${p.protocol ?? 'TCP'}`;

/**
 * Addresses of EndpointSlices (or of the Endpoints subsets Kubernetes mirrors into them),
 * grouped by their ports. Every endpoint counts, ready or not: Felix's service index reads
 * no condition. An address that is not an IP (an FQDN slice) is skipped, as Felix does.
 * An endpoint whose Pod is in the input without an IP cannot be placed: said in `depends`.
 */
function addressBackends(groups: readonly EndpointGroup[], index: ServiceEndpointIndex, depends: string[]): Backend[] {
  const byPorts = new Map<string, { ports: LayerPort[]; addresses: string[]; nets: NetBlock[] }>();
  for (const g of groups) {
    const ports: LayerPort[] = [];
    // A slice port without a number gives no IP-set member (felix/serviceindex).
    for (const p of g.ports) if (p.port !== undefined && !ports.some((q) => q.port === p.port && q.protocol === p.protocol)) ports.push({ protocol: p.protocol, port: p.port });
    const sig = ports.map(portText).sort().join(',');
    let e = byPorts.get(sig);
    if (!e) byPorts.set(sig, (e = { ports, addresses: [], nets: [] }));
    for (const a of g.addresses) {
      const b = hostBlock(a.address);
      if (!b) continue;
      if (!e.addresses.includes(b.cidr.text)) {
        e.addresses.push(b.cidr.text);
        e.nets.push(b);
      }
      if (a.pod && index.podIps(a.pod.namespace, a.pod.name)?.length === 0) {
        const d = `the IP of Pod ${a.pod.namespace}/${a.pod.name} (${g.kind} ${g.name} gives it ${a.address}; the Pod in the input has none)`;
        if (!depends.includes(d)) depends.push(d);
      }
    }
  }
  return [...byPorts.values()].filter((e) => e.nets.length > 0).map((e) => ({ nets: e.nets, addresses: e.addresses, ports: e.ports }));
}

/**
 * The endpoints Calico matches for a Service (felix/calc/rule_scanner.go, felix/serviceindex):
 * the addresses of the EndpointSlices labelled kubernetes.io/service-name=<name> in its
 * namespace, each on the slice's ports; the Service object itself is not read. Without
 * slices in the input, what Kubernetes would make of the input: for a Service with a
 * selector (not ExternalName), the EndpointSlice controller lists every pod of the
 * namespace its selector matches, on each Service port's targetPort (a named one resolved
 * at the pod, by name and protocol); for a Service without one, the mirroring controller
 * copies its Endpoints (unless labelled skip-mirror or annotated for leader election).
 */
function resolveServiceMatch(ref: CalicoServiceRef, index: ServiceEndpointIndex): Resolution {
  const who = `Service ${ref.namespace}/${ref.name}`;
  const groups = index.groups(ref.namespace, ref.name);
  const depends: string[] = [];
  const slices = groups.filter((g) => g.kind === 'EndpointSlice');
  if (slices.length > 0) return { backends: addressBackends(slices, index, depends), depends, none: 'its EndpointSlices list no IP address' };
  const svc = index.service(ref.namespace, ref.name);
  if (!svc) return { missing: `${who} and its EndpointSlices (not in the input)` };
  if (svc.type === 'ExternalName') return { backends: [], depends, none: 'an ExternalName Service has no endpoints' };
  if (svc.selector) {
    const selector = svc.selector;
    const ports = svc.ports.map((p): LayerPort => (typeof p.targetPort === 'number' ? { protocol: p.protocol, port: p.targetPort } : { protocol: p.protocol, name: p.targetPort }));
    const podsText = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(', ');
    const pods: PodMatch = { namespaces: { kind: 'own', namespace: svc.namespace }, pods: { kind: 'k8s', selector: { matchLabels: { ...selector }, matchExpressions: [] } } };
    return { backends: [{ pods, podsText, ports }], depends, ...(svc.ipFamilies.length === 1 ? { family: svc.ipFamilies[0]! } : {}) };
  }
  const eps = groups.filter((g) => g.kind === 'Endpoints');
  const hint = 'a Service without a selector gets them by hand, or mirrored from its Endpoints';
  if (eps.length === 0) return { missing: `the EndpointSlices of ${who} (not in the input; ${hint})` };
  if (eps.some((g) => g.mirrored === false)) return { missing: `the EndpointSlices of ${who} (not in the input; its Endpoints are not mirrored into any: skip-mirror label or leader-election annotation)` };
  if (eps.some((g) => g.addresses.filter((a) => hostBlock(a.address)).length > MIRROR_MAX_PER_SUBSET)) {
    return { missing: `the EndpointSlices of ${who} (not in the input; a subset of its Endpoints has more than ${MIRROR_MAX_PER_SUBSET} addresses, more than Kubernetes mirrors by default)` };
  }
  return { backends: addressBackends(eps, index, depends), depends, none: 'its Endpoints list no IP address' };
}

function backendPeer(base: LayerPeer, b: Backend, withPorts: boolean): LayerPeer {
  const ports = withPorts ? ` on ${b.ports.length > 0 ? b.ports.map(portText).join(', ') : 'no port'}` : '';
  if (b.pods) return { path: base.path, text: `${base.text}: the pods of its selector ${b.podsText ?? ''}${ports}`, pods: b.pods, netsMatchPods: true };
  return { path: base.path, text: `${base.text}: endpoints ${(b.addresses ?? []).join(', ')}${ports}`, nets: b.nets ?? [], netsMatchPods: true };
}

/**
 * Resolves the `services` peers of Calico rules against the input (pure; called when the
 * inventory is built, so every consumer sees the same peers). A destination match becomes
 * one rule per set of ports its endpoints share (the same index and path: they match the
 * union, as the one rule does), a source match the endpoints' addresses; a Service whose
 * endpoints the input does not settle stays "depends on", naming what to include.
 */
export function resolveCalicoServicePeers(policies: readonly LayerPolicy[], objects: readonly LoadedObject[]): LayerPolicy[] {
  const hasRef = (r: LayerRule): boolean => r.peers?.some((x) => x.calicoService !== undefined) ?? false;
  const policyHasRef = (p: LayerPolicy): boolean => (p.ingress?.some(hasRef) ?? false) || (p.egress?.some(hasRef) ?? false);
  if (!policies.some(policyHasRef)) return [...policies];
  const index = indexServiceEndpoints(objects);
  const cache = new Map<string, Resolution>();
  const resolveRule = (rule: LayerRule): LayerRule[] => {
    const peer = rule.peers?.find((x) => x.calicoService !== undefined);
    if (!peer) return [rule];
    const ref = peer.calicoService!;
    const k = `${ref.namespace}/${ref.name}`;
    let r = cache.get(k);
    if (!r) cache.set(k, (r = resolveServiceMatch(ref, index)));
    const base: LayerPeer = { path: peer.path, text: peer.text, netsMatchPods: true };
    if ('missing' in r) return [{ ...rule, peers: [{ path: peer.path, text: peer.text, netsMatchPods: false, depends: r.missing }] }];
    const nothing = (why: string): LayerPeer => ({ path: peer.path, text: `${peer.text} (${why})`, nets: [], netsMatchPods: false });
    const dependsPeers: LayerPeer[] = r.depends.map((d) => ({ path: peer.path, text: peer.text, netsMatchPods: false, depends: d }));
    // A single-stack Service's endpoints are of its family only.
    if (r.family !== undefined && rule.family !== undefined && rule.family !== r.family) return [{ ...rule, peers: [nothing(`IPv${r.family} endpoints, an IPv${rule.family} rule`)] }];
    const family = r.family !== undefined ? { family: r.family } : {};
    if (ref.side === 'source') {
      const peers: LayerPeer[] = [];
      const nets = r.backends.flatMap((b) => b.nets ?? []);
      if (nets.length > 0) peers.push(backendPeer(base, { nets, addresses: r.backends.flatMap((b) => b.addresses ?? []), ports: [] }, false));
      for (const b of r.backends) if (b.pods) peers.push(backendPeer(base, b, false));
      return [{ ...rule, peers: [...(peers.length > 0 ? peers : [nothing(r.none ?? 'no endpoints')]), ...dependsPeers], ...family }];
    }
    const withPorts = r.backends.filter((b) => b.ports.length > 0);
    if (withPorts.length === 0) return [{ ...rule, peers: [nothing(r.backends.length > 0 ? 'its endpoints have no port' : (r.none ?? 'no endpoints')), ...dependsPeers] }];
    return withPorts.map((b, i) => ({ ...rule, peers: [backendPeer(base, b, true), ...(i === 0 ? dependsPeers : [])], ports: b.ports, ...family }));
  };
  return policies.map((p) =>
    policyHasRef(p)
      ? { ...p, ...(p.ingress ? { ingress: p.ingress.flatMap(resolveRule) } : {}), ...(p.egress ? { egress: p.egress.flatMap(resolveRule) } : {}) }
      : p,
  );
}
