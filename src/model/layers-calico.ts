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
 */
import { formatCalicoSelector, parseCalicoSelector, type CalicoSelector } from './calico-selector.js';
import { parseCidr } from './ip.js';
import { isRecord } from './json.js';
import { DEFAULT_TIER, TIER_ALIASES, type LayerAction, type LayerPeer, type LayerPolicy, type LayerPort, type LayerRule, type LayerTier, type NetBlock, type PodMatch } from './layers.js';
import { portNameProblem, type FieldProblem, type Protocol } from './networkpolicy.js';
import type { KubeObject } from './kube.js';
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

function parseEntity(raw: unknown, path: string, protocol: Protocol | undefined, ownNamespace: string | undefined, role: 'peer' | 'self', problems: FieldProblem[]): Entity {
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
  let depends: string | undefined;
  if (raw['services'] !== undefined) depends = 'the endpoints of a Kubernetes Service (Calico services match, not evaluated)';
  if (Array.isArray(raw['domains']) && raw['domains'].length > 0) depends = `DNS resolution of ${(raw['domains'] as unknown[]).join(', ')}`;
  const peer: Omit<LayerPeer, 'path'> = {
    text: text.length > 0 ? text.join(' + ') : 'every peer',
    netsMatchPods: true,
    ...(pods ? { pods } : {}),
    ...(notPods ? { notPods } : {}),
    ...(nets ? { nets } : {}),
    ...(notNets ? { notNets } : {}),
    ...(depends ? { depends } : {}),
  };
  return { peer, ...(role === 'self' && pods ? { self: pods } : {}), ...(role === 'self' && notPods ? { selfNot: notPods } : {}), ...(role === 'self' && nets ? { selfNets: nets } : {}), ...(role === 'self' && notNets ? { selfNotNets: notNets } : {}), ...(ports ? { ports } : {}), ...(notPorts ? { notPorts } : {}), notes };
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
  const peer = parseEntity(raw[peerField], `${path}.${peerField}`, portProto, ownNamespace, 'peer', problems);
  const self = parseEntity(raw[selfField], `${path}.${selfField}`, portProto, ownNamespace, 'self', problems);
  const dest = dir === 'ingress' ? self : peer;
  let protocols: Protocol[] | undefined;
  if (proto === 'other') protocols = [];
  else if (proto) protocols = [proto];
  if (notProto && notProto !== 'other') protocols = (protocols ?? [...ALL_PROTOCOLS]).filter((p) => p !== notProto);
  const ipv = raw['ipVersion'];
  const notes = [...peer.notes, ...self.notes];
  if (raw['http'] !== undefined) notes.push('further filtered at L7 by its http match');
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
