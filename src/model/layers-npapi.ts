/**
 * network-policy-api kinds in the layer form: AdminNetworkPolicy and
 * BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1), ClusterNetworkPolicy
 * (v1alpha2 and v1beta1, the same schema). Validation follows the CRDs' own rules, so
 * an object the API server would refuse is reported and left out.
 */
import { parseCidr } from './ip.js';
import { isRecord } from './json.js';
import { ADMIN_TIER, BASELINE_TIER, type LayerAction, type LayerPeer, type LayerPolicy, type LayerPort, type LayerRule, type PodMatch } from './layers.js';
import { parseLabelSelector, portNameProblem, type FieldProblem, type LabelSelector, type Protocol } from './networkpolicy.js';
import type { KubeObject } from './kube.js';
import type { SourceRef } from './source.js';
import { describeLabelSelector } from './selector-text.js';

export const NPAPI_GROUP = 'policy.networking.k8s.io';

const V1ALPHA1_ACTIONS: Readonly<Record<string, LayerAction>> = { Allow: 'allow', Deny: 'deny', Pass: 'pass' };
const CNP_ACTIONS: Readonly<Record<string, LayerAction>> = { Accept: 'allow', Deny: 'deny', Pass: 'pass' };
const PROTO_KEYS: Readonly<Record<string, Protocol>> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };

function selector(raw: unknown, path: string, problems: FieldProblem[]): LabelSelector {
  return parseLabelSelector(raw, path, problems);
}

/** `namespaces: {...}` or `pods: {namespaceSelector, podSelector}`: exactly one. */
function parseSubjectLike(raw: unknown, path: string, problems: FieldProblem[], what: string): { match: PodMatch; text: string } | undefined {
  if (!isRecord(raw)) {
    problems.push({ severity: 'error', path, message: `${what} must be an object with namespaces or pods` });
    return undefined;
  }
  const keys = Object.keys(raw).filter((k) => raw[k] !== undefined && raw[k] !== null);
  const known = keys.filter((k) => k === 'namespaces' || k === 'pods');
  if (known.length !== 1) {
    problems.push({ severity: 'error', path, message: `${what} must set exactly one of namespaces and pods (it sets ${keys.length === 0 ? 'none' : keys.join(', ')})`, hint: 'write namespaces: {matchLabels: ...} or pods: {namespaceSelector: ..., podSelector: ...}' });
    return undefined;
  }
  if (known[0] === 'namespaces') {
    const ns = selector(raw['namespaces'], `${path}.namespaces`, problems);
    return { match: { namespaces: { kind: 'selector', selector: { kind: 'k8s', selector: ns } } }, text: `namespaces ${describeLabelSelector(ns)}` };
  }
  const pods = raw['pods'];
  if (!isRecord(pods)) {
    problems.push({ severity: 'error', path: `${path}.pods`, message: 'pods must be an object with namespaceSelector and podSelector' });
    return undefined;
  }
  if (pods['podSelector'] === undefined) problems.push({ severity: 'error', path: `${path}.pods.podSelector`, message: 'podSelector is required', hint: 'podSelector: {} selects every pod' });
  const ns = selector(pods['namespaceSelector'], `${path}.pods.namespaceSelector`, problems);
  const pod = selector(pods['podSelector'], `${path}.pods.podSelector`, problems);
  return {
    match: { namespaces: { kind: 'selector', selector: { kind: 'k8s', selector: ns } }, pods: { kind: 'k8s', selector: pod } },
    text: `pods ${describeLabelSelector(pod)} in namespaces ${describeLabelSelector(ns)}`,
  };
}

function portNumber(v: unknown, path: string, problems: FieldProblem[]): number | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
    problems.push({ severity: 'error', path, message: `port ${JSON.stringify(v)} is out of range`, hint: 'a port number is between 1 and 65535' });
    return undefined;
  }
  return v;
}

function protocolOf(v: unknown, path: string, problems: FieldProblem[]): Protocol | undefined {
  if (v === undefined || v === null) return 'TCP';
  if (v === 'TCP' || v === 'UDP' || v === 'SCTP') return v;
  problems.push({ severity: 'error', path, message: `unsupported protocol ${JSON.stringify(v)}`, hint: 'use TCP, UDP or SCTP' });
  return undefined;
}

function namedPort(v: unknown, path: string, problems: FieldProblem[]): LayerPort | undefined {
  if (typeof v !== 'string') {
    problems.push({ severity: 'error', path, message: 'a named port must be a string' });
    return undefined;
  }
  const np = portNameProblem(v);
  if (np) {
    problems.push({ severity: 'error', path, message: `"${v}" is not a valid port name: ${np}` });
    return undefined;
  }
  return { name: v };
}

/** v1alpha1 `ports`: portNumber, namedPort or portRange, exactly one each. */
function parseV1alpha1Ports(raw: unknown, path: string, problems: FieldProblem[]): LayerPort[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push({ severity: 'error', path, message: 'ports must be a non-empty list', hint: 'leave ports out to match every port' });
    return undefined;
  }
  const out: LayerPort[] = [];
  raw.forEach((e: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!isRecord(e)) {
      problems.push({ severity: 'error', path: p, message: 'a port entry must set one of portNumber, namedPort and portRange' });
      return;
    }
    const keys = ['portNumber', 'namedPort', 'portRange'].filter((k) => e[k] !== undefined && e[k] !== null);
    if (keys.length !== 1) {
      problems.push({ severity: 'error', path: p, message: `a port entry must set exactly one of portNumber, namedPort and portRange (it sets ${keys.length === 0 ? 'none' : keys.join(', ')})` });
      return;
    }
    if (keys[0] === 'namedPort') {
      const n = namedPort(e['namedPort'], `${p}.namedPort`, problems);
      if (n) out.push(n);
      return;
    }
    const body = e[keys[0]!];
    if (!isRecord(body)) {
      problems.push({ severity: 'error', path: `${p}.${keys[0]!}`, message: `${keys[0]!} must be an object` });
      return;
    }
    const protocol = protocolOf(body['protocol'], `${p}.${keys[0]!}.protocol`, problems);
    if (!protocol) return;
    if (keys[0] === 'portNumber') {
      const port = portNumber(body['port'], `${p}.portNumber.port`, problems);
      if (port !== undefined) out.push({ protocol, port });
      return;
    }
    const start = portNumber(body['start'], `${p}.portRange.start`, problems);
    const end = portNumber(body['end'], `${p}.portRange.end`, problems);
    if (start === undefined || end === undefined) return;
    if (start >= end) {
      problems.push({ severity: 'error', path: `${p}.portRange`, message: `start ${start} must be less than end ${end}` });
      return;
    }
    out.push({ protocol, port: start, endPort: end });
  });
  return out;
}

/** v1alpha2/v1beta1 `protocols`: {tcp|udp|sctp: {destinationPort: {number} | {range}}} or {destinationNamedPort}. */
function parseProtocols(raw: unknown, path: string, problems: FieldProblem[]): LayerPort[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push({ severity: 'error', path, message: 'protocols must be a non-empty list', hint: 'leave protocols out to match every port' });
    return undefined;
  }
  const out: LayerPort[] = [];
  raw.forEach((e: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!isRecord(e)) {
      problems.push({ severity: 'error', path: p, message: 'a protocols entry must set one of tcp, udp, sctp and destinationNamedPort' });
      return;
    }
    const keys = Object.keys(e).filter((k) => e[k] !== undefined && e[k] !== null);
    if (keys.length !== 1 || !['tcp', 'udp', 'sctp', 'destinationNamedPort'].includes(keys[0]!)) {
      problems.push({ severity: 'error', path: p, message: `a protocols entry must set exactly one of tcp, udp, sctp and destinationNamedPort (it sets ${keys.length === 0 ? 'none' : keys.join(', ')})`, hint: keys.includes('portNumber') || keys.includes('namedPort') ? 'this is the v1alpha1 ports form; v1alpha2/v1beta1 write protocols: [{tcp: {destinationPort: {number: 80}}}]' : undefined! });
      return;
    }
    const key = keys[0]!;
    if (key === 'destinationNamedPort') {
      const n = namedPort(e[key], `${p}.destinationNamedPort`, problems);
      if (n) out.push(n);
      return;
    }
    const protocol = PROTO_KEYS[key]!;
    const body = e[key];
    if (!isRecord(body)) {
      problems.push({ severity: 'error', path: `${p}.${key}`, message: `${key} must be an object` });
      return;
    }
    const dp = body['destinationPort'];
    if (dp === undefined || dp === null) {
      out.push({ protocol });
      return;
    }
    if (!isRecord(dp)) {
      problems.push({ severity: 'error', path: `${p}.${key}.destinationPort`, message: 'destinationPort must set number or range' });
      return;
    }
    if (dp['number'] !== undefined) {
      const port = portNumber(dp['number'], `${p}.${key}.destinationPort.number`, problems);
      if (port !== undefined) out.push({ protocol, port });
      return;
    }
    const r = dp['range'];
    if (!isRecord(r)) {
      problems.push({ severity: 'error', path: `${p}.${key}.destinationPort`, message: 'destinationPort must set number or range' });
      return;
    }
    const start = portNumber(r['start'], `${p}.${key}.destinationPort.range.start`, problems);
    const end = portNumber(r['end'], `${p}.${key}.destinationPort.range.end`, problems);
    if (start === undefined || end === undefined) return;
    if (start >= end) {
      problems.push({ severity: 'error', path: `${p}.${key}.destinationPort.range`, message: `start ${start} must be less than end ${end}` });
      return;
    }
    out.push({ protocol, port: start, endPort: end });
  });
  return out;
}

function parsePeers(raw: unknown, path: string, dir: 'ingress' | 'egress', problems: FieldProblem[]): LayerPeer[] {
  const field = dir === 'ingress' ? 'from' : 'to';
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push({ severity: 'error', path, message: `${field} is required and must list at least one peer` });
    return [];
  }
  const out: LayerPeer[] = [];
  raw.forEach((e: unknown, i) => {
    const p = `${path}[${i}]`;
    const rel = `${field}[${i}]`;
    if (!isRecord(e)) {
      problems.push({ severity: 'error', path: p, message: 'a peer must be an object' });
      return;
    }
    const keys = Object.keys(e).filter((k) => e[k] !== undefined && e[k] !== null);
    if (keys.length !== 1) {
      problems.push({ severity: 'error', path: p, message: `a peer must set exactly one field (it sets ${keys.length === 0 ? 'none' : keys.join(', ')})` });
      return;
    }
    const key = keys[0]!;
    if (key === 'namespaces' || key === 'pods') {
      const s = parseSubjectLike(e, p, problems, 'a peer');
      if (s) out.push({ path: rel, text: s.text, pods: s.match, netsMatchPods: true });
      return;
    }
    if (dir === 'egress' && key === 'networks') {
      const nets = e['networks'];
      if (!Array.isArray(nets) || nets.length === 0) {
        problems.push({ severity: 'error', path: `${p}.networks`, message: 'networks must list at least one CIDR' });
        return;
      }
      const blocks = [];
      for (const [j, n] of nets.entries()) {
        const c = typeof n === 'string' ? parseCidr(n) : 'a CIDR must be a string';
        if (typeof c === 'string') {
          problems.push({ severity: 'error', path: `${p}.networks[${j}]`, message: `${JSON.stringify(n)}: ${c}` });
          continue;
        }
        blocks.push({ cidr: c, except: [] });
      }
      out.push({ path: rel, text: `networks ${blocks.map((b) => b.cidr.text).join(', ')}`, nets: blocks, netsMatchPods: true });
      return;
    }
    if (dir === 'egress' && (key === 'nodes' || key === 'domainNames')) {
      const what = key === 'nodes' ? 'node IPs (nodes are not in the manifests)' : `DNS resolution of ${Array.isArray(e[key]) ? (e[key] as unknown[]).join(', ') : 'domain names'}`;
      out.push({ path: rel, text: key, netsMatchPods: false, depends: what });
      return;
    }
    problems.push({ severity: 'error', path: `${p}.${key}`, message: `unknown ${dir} peer "${key}"`, hint: dir === 'ingress' ? 'ingress peers are namespaces or pods' : 'egress peers are namespaces, pods, networks, nodes or domainNames' });
  });
  return out;
}

function parseRules(raw: unknown, path: string, dir: 'ingress' | 'egress', actions: Readonly<Record<string, LayerAction>>, form: 'v1alpha1' | 'cnp', problems: FieldProblem[]): LayerRule[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) {
    problems.push({ severity: 'error', path, message: `${dir} must be a list of rules` });
    return undefined;
  }
  if (raw.length > 100) problems.push({ severity: 'error', path, message: `at most 100 ${dir} rules are allowed` });
  const out: LayerRule[] = [];
  raw.forEach((r: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!isRecord(r)) {
      problems.push({ severity: 'error', path: p, message: 'a rule must be an object with action and peers' });
      return;
    }
    const a = r['action'];
    const action = typeof a === 'string' ? actions[a] : undefined;
    if (!action) {
      const valid = Object.keys(actions).join(', ');
      const hint = form === 'cnp' && a === 'Allow' ? 'ClusterNetworkPolicy (v1alpha2/v1beta1) writes Accept where AdminNetworkPolicy (v1alpha1) wrote Allow' : form === 'v1alpha1' && a === 'Accept' ? 'AdminNetworkPolicy (v1alpha1) writes Allow; Accept is the ClusterNetworkPolicy (v1alpha2/v1beta1) word' : `use one of ${valid} (case matters)`;
      problems.push({ severity: 'error', path: `${p}.action`, message: `action ${JSON.stringify(a)} is not one of ${valid}`, hint });
      return;
    }
    const peers = parsePeers(r[dir === 'ingress' ? 'from' : 'to'], `${p}.${dir === 'ingress' ? 'from' : 'to'}`, dir, problems);
    const ports = form === 'v1alpha1' ? parseV1alpha1Ports(r['ports'], `${p}.ports`, problems) : parseProtocols(r['protocols'], `${p}.protocols`, problems);
    if (form === 'cnp' && r['ports'] !== undefined) problems.push({ severity: 'error', path: `${p}.ports`, message: 'unknown field "ports"', hint: 'ClusterNetworkPolicy writes protocols: [{tcp: {destinationPort: {number: 80}}}]' });
    if (form === 'v1alpha1' && r['protocols'] !== undefined) problems.push({ severity: 'error', path: `${p}.protocols`, message: 'unknown field "protocols"', hint: 'AdminNetworkPolicy (v1alpha1) writes ports: [{portNumber: {protocol: TCP, port: 80}}]' });
    const name = typeof r['name'] === 'string' ? r['name'] : undefined;
    out.push({ index: i, path: p, action, peers, ...(name !== undefined ? { name } : {}), ...(ports ? { ports } : {}) });
  });
  return out;
}

/** Parses an ANP, BANP or ClusterNetworkPolicy; undefined (with problems) when the API server would reject it. */
export function parseNpapiPolicy(o: KubeObject, source: SourceRef, problems: FieldProblem[]): LayerPolicy | undefined {
  const version = o.apiVersion.slice(NPAPI_GROUP.length + 1);
  const name = o.metadata.name;
  const spec = o['spec'];
  if (!isRecord(spec)) {
    problems.push({ severity: 'error', path: 'spec', message: 'spec is required' });
    return undefined;
  }
  const before = problems.filter((p) => p.severity === 'error').length;
  let kind: LayerPolicy['kind'];
  let tier: string;
  let order: number | undefined;
  let actions: Readonly<Record<string, LayerAction>>;
  let form: 'v1alpha1' | 'cnp';
  let label: string;
  if (o.kind === 'ClusterNetworkPolicy') {
    if (version !== 'v1alpha2' && version !== 'v1beta1') {
      problems.push({ severity: 'error', path: 'apiVersion', message: `ClusterNetworkPolicy is served as ${NPAPI_GROUP}/v1alpha2 and v1beta1, not ${version}` });
      return undefined;
    }
    kind = 'ClusterNetworkPolicy';
    form = 'cnp';
    actions = CNP_ACTIONS;
    const t = spec['tier'];
    if (t !== 'Admin' && t !== 'Baseline') {
      problems.push({ severity: 'error', path: 'spec.tier', message: `tier ${JSON.stringify(t)} is not Admin or Baseline`, hint: 'tier: Admin (before NetworkPolicies) or tier: Baseline (after them)' });
      return undefined;
    }
    tier = t === 'Admin' ? ADMIN_TIER : BASELINE_TIER;
    order = priorityOf(spec['priority'], problems);
    label = `ClusterNetworkPolicy ${name} (${t} tier, priority ${order ?? '?'})`;
  } else {
    if (version !== 'v1alpha1') {
      problems.push({ severity: 'error', path: 'apiVersion', message: `${o.kind} is served as ${NPAPI_GROUP}/v1alpha1 only`, hint: `network-policy-api v0.2.0 replaced it with ClusterNetworkPolicy (${NPAPI_GROUP}/v1alpha2, v1beta1)` });
      return undefined;
    }
    form = 'v1alpha1';
    if (o.kind === 'AdminNetworkPolicy') {
      kind = 'AdminNetworkPolicy';
      actions = V1ALPHA1_ACTIONS;
      tier = ADMIN_TIER;
      order = priorityOf(spec['priority'], problems);
      label = `AdminNetworkPolicy ${name} (Admin tier, priority ${order ?? '?'})`;
    } else {
      kind = 'BaselineAdminNetworkPolicy';
      actions = { Allow: 'allow', Deny: 'deny' };
      tier = BASELINE_TIER;
      // Calico treats the singleton as order 1000 inside its tier.
      order = 1000;
      if (name !== 'default') problems.push({ severity: 'error', path: 'metadata.name', message: `BaselineAdminNetworkPolicy is a singleton named "default", not "${name}"` });
      label = `BaselineAdminNetworkPolicy ${name} (Baseline tier)`;
    }
  }
  const subject = parseSubjectLike(spec['subject'], 'spec.subject', problems, 'subject');
  const ingress = parseRules(spec['ingress'], 'spec.ingress', 'ingress', actions, form, problems);
  const egress = parseRules(spec['egress'], 'spec.egress', 'egress', actions, form, problems);
  if (problems.filter((p) => p.severity === 'error').length > before || !subject) return undefined;
  return {
    kind,
    objectKind: o.kind,
    apiVersion: o.apiVersion,
    name,
    source,
    tier,
    ...(order !== undefined ? { order } : {}),
    sortName: name,
    subject: subject.match,
    // A policy with no rules in a direction does not take part in it.
    ...(ingress && ingress.length > 0 ? { ingress } : {}),
    ...(egress && egress.length > 0 ? { egress } : {}),
    defaultDenyIngress: false,
    defaultDenyEgress: false,
    staged: false,
    label,
  };
}

function priorityOf(v: unknown, problems: FieldProblem[]): number | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1000) {
    problems.push({ severity: 'error', path: 'spec.priority', message: `priority ${JSON.stringify(v)} must be an integer from 0 to 1000`, hint: 'lower values are evaluated first' });
    return undefined;
  }
  return v;
}
