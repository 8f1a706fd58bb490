/**
 * Why is a connection allowed or denied? The verdict with its reasons: which
 * policies isolate each side, which rule (file and line) allows the traffic, or
 * why each rule did not match.
 */
import type { NetworkPolicy, Peer as PolicyPeer, PolicyPort, PolicyRule, Protocol } from '../model/networkpolicy.js';
import { formatLabels } from '../model/labels.js';
import type { Analysis, Grant, Peer } from './analysis.js';
import { formatPorts, hasPort, isEmpty } from './ports.js';
import { describeSelector, matches, whyNotMatched } from './selector.js';
import { describeIpSet, ipBlockSet } from './ipset.js';
import { traceProgram, type LayeredSide } from './explain-layers.js';

export type { LayeredSide, LayerRuleVerdict, TierVerdict } from './explain-layers.js';

export interface PortQuery {
  readonly port?: number;
  readonly protocol?: Protocol;
}

export interface RuleVerdict {
  readonly index: number;
  readonly file: string;
  readonly line: number;
  /** Does the rule admit the other side as a peer? */
  readonly peerMatched: boolean;
  readonly peerReason: string;
  /** What the rule's ports resolve to at the destination. */
  readonly ports: string[];
  /** When a port was asked: is it among them? Without a port: are there any? */
  readonly portMatched: boolean;
  readonly portReason: string;
  readonly allows: boolean;
}

export interface PolicyVerdict {
  readonly name: string;
  readonly namespace: string;
  readonly file: string;
  readonly line: number;
  /** `policyTypes` not written: the direction comes from the API server's defaulting. */
  readonly typesDefaulted: boolean;
  readonly rules: RuleVerdict[];
}

export interface SideVerdict {
  readonly direction: 'egress' | 'ingress';
  /** The endpoint whose policies decide this side. */
  readonly subject: string;
  readonly isolated: boolean;
  readonly policies: PolicyVerdict[];
  readonly allowed: boolean;
  /** Ports this side allows towards / from the other end. */
  readonly ports: string[];
  readonly summary: string;
  /** Set when cluster-wide or CNI policies govern this side: every tier in order. */
  readonly layers?: LayeredSide;
}

export interface Explanation {
  readonly from: string;
  readonly to: string;
  readonly port?: number;
  readonly protocol?: Protocol;
  readonly allowed: boolean;
  /** Ports allowed end to end (both sides). */
  readonly allowedPorts: string[];
  readonly egress: SideVerdict;
  readonly ingress: SideVerdict;
  readonly summary: string;
  /**
   * Protocols the CNI's datapath drops to and from every pod whatever the policies say,
   * each with why (`SCTP: Cilium drops SCTP ...`); the sides above are the policies' answer.
   */
  readonly dropped?: string[];
}

function peerName(p: Peer, id?: string): string {
  if (p.kind === 'external') return p.atom.id;
  return id ?? p.cls.endpoints[0]!.id;
}

function describePolicyPeer(peer: PolicyPeer): string {
  if (peer.kind === 'ipBlock') return `ipBlock ${describeIpSet(ipBlockSet(peer.cidr, peer.except))}`;
  const parts: string[] = [];
  if (peer.namespaceSelector) parts.push(`namespaceSelector ${describeSelector(peer.namespaceSelector)}`);
  if (peer.podSelector) parts.push(`podSelector ${describeSelector(peer.podSelector)}`);
  return parts.join(' + ');
}

/** Does this one peer entry admit `other`, and why (not)? */
function checkPeer(a: Analysis, policy: NetworkPolicy, peer: PolicyPeer, other: Peer, otherName: string): { ok: boolean; why: string } {
  const what = describePolicyPeer(peer);
  if (peer.kind === 'ipBlock') {
    if (other.kind === 'external') {
      const ok = other.atom.inBlocks.includes(a.ipBlockIndexOf(peer));
      return { ok, why: ok ? `${what} contains ${otherName}` : `${what} does not contain ${otherName}` };
    }
    const ok = other.cls.inBlocks.includes(a.ipBlockIndexOf(peer));
    if (other.cls.ipKnown) {
      const ips = other.cls.endpoints[0]!.ips.join(', ');
      return { ok, why: ok ? `${what} contains the pod IP ${ips} of ${otherName}` : `${what} does not contain the pod IP ${ips} of ${otherName}` };
    }
    const net = a.podCidrs.map((c) => c.text).join(', ');
    return {
      ok,
      why: ok
        ? `${what} covers the whole pod network ${net}, so it contains ${otherName} wherever it runs`
        : `${what} matches pods only by IP; ${otherName} has no known IP and is assumed to be in the pod network ${net}, which the block does not cover`,
    };
  }
  if (other.kind === 'external') {
    return { ok: false, why: `${what} selects pods only; ${otherName} is outside the cluster (an ipBlock would be needed)` };
  }
  const cls = other.cls;
  if (peer.namespaceSelector) {
    const nss = a.namespacesMatching(peer.namespaceSelector);
    if (!nss.some((n) => n.name === cls.namespace.name)) {
      if (nss.length === 0) return { ok: false, why: `namespaceSelector ${describeSelector(peer.namespaceSelector)} matches no namespace` };
      const list = nss.slice(0, 5).map((n) => n.name).join(', ') + (nss.length > 5 ? `, … (${nss.length})` : '');
      return { ok: false, why: `namespaceSelector ${describeSelector(peer.namespaceSelector)} does not match namespace "${cls.namespace.name}" (${whyNotMatched(peer.namespaceSelector, cls.namespace.labels) ?? 'labels differ'}); it matches ${list}` };
    }
  } else if (cls.namespace.name !== policy.namespace) {
    return { ok: false, why: `podSelector ${describeSelector(peer.podSelector!)} without a namespaceSelector selects pods in the policy's namespace "${policy.namespace}" only; ${otherName} is in "${cls.namespace.name}"` };
  }
  if (peer.podSelector && !matches(peer.podSelector, cls.labels)) {
    const scope = peer.namespaceSelector ? a.namespacesMatching(peer.namespaceSelector).map((n) => n.name) : [policy.namespace];
    const any = scope.some((ns) => a.classesMatching(ns, peer.podSelector).length > 0);
    if (!any) return { ok: false, why: `podSelector ${describeSelector(peer.podSelector)} matches no pod in ${peer.namespaceSelector ? 'the selected namespaces' : `namespace "${policy.namespace}"`}` };
    return { ok: false, why: `podSelector ${describeSelector(peer.podSelector)} does not match ${otherName} ${formatLabels(cls.labels)}: ${whyNotMatched(peer.podSelector, cls.labels) ?? ''}` };
  }
  return { ok: true, why: `${what} matches ${otherName}` };
}

function describeRulePorts(ports: readonly PolicyPort[] | undefined): string {
  if (!ports) return 'every port';
  return ports
    .map((p) => (p.port === undefined ? `every ${p.protocol} port` : p.endPort !== undefined ? `${p.port}-${p.endPort}/${p.protocol}` : `${p.port}/${p.protocol}`))
    .join(', ');
}

function ruleVerdict(a: Analysis, policy: NetworkPolicy, grant: Grant, rule: PolicyRule, dir: 'ingress' | 'egress', other: Peer, otherName: string, dst: Peer, dstName: string, q: PortQuery): RuleVerdict {
  const path = `spec.${dir}[${rule.index}]`;
  const line = a.inventory.locate(policy.source, path) ?? policy.source.line;
  let peerMatched: boolean;
  let peerReason: string;
  if (!rule.peers) {
    peerMatched = true;
    peerReason = `no ${dir === 'ingress' ? 'from' : 'to'}: every ${dir === 'ingress' ? 'source' : 'destination'}`;
  } else {
    const checks = rule.peers.map((p) => ({ p, ...checkPeer(a, policy, p, other, otherName) }));
    const hit = checks.find((c) => c.ok);
    peerMatched = !!hit;
    peerReason = hit
      ? `${dir === 'ingress' ? 'from' : 'to'}[${hit.p.index}]: ${hit.why}`
      : checks.map((c) => `${dir === 'ingress' ? 'from' : 'to'}[${c.p.index}]: ${c.why}`).join('; ');
  }
  const resolved = a.grantPorts(grant, dst);
  const named = (rule.ports ?? []).filter((p) => typeof p.port === 'string');
  const namedNote = named.length > 0
    ? ` (named ${named.map((p) => `${String(p.port)}/${p.protocol}`).join(', ')} resolve${dst.kind === 'class' ? ` at ${dstName} to ${formatPorts(resolved).join(', ') || 'nothing: no container port has that name and protocol'}` : ' to nothing outside the cluster'})`
    : '';
  let portMatched: boolean;
  let portReason: string;
  if (q.port !== undefined) {
    const proto = q.protocol ?? 'TCP';
    portMatched = hasPort(resolved, proto, q.port);
    portReason = portMatched
      ? `port ${q.port}/${proto} is in rule ports ${describeRulePorts(rule.ports)}${namedNote}`
      : `port ${q.port}/${proto} not in rule ports ${describeRulePorts(rule.ports)}${namedNote}`;
  } else {
    portMatched = !isEmpty(resolved);
    portReason = `ports ${describeRulePorts(rule.ports)}${namedNote}`;
  }
  return { index: rule.index, file: policy.source.file, line, peerMatched, peerReason, ports: formatPorts(resolved), portMatched, portReason, allows: peerMatched && portMatched };
}

function side(a: Analysis, dir: 'egress' | 'ingress', subject: Peer, subjectName: string, other: Peer, otherName: string, dst: Peer, dstName: string, q: PortQuery): SideVerdict {
  if (subject.kind === 'external') {
    return {
      direction: dir, subject: subjectName, isolated: false, policies: [], allowed: true, ports: ['all'],
      summary: `${subjectName} is outside the cluster: no NetworkPolicy applies to its ${dir}`,
    };
  }
  const cls = subject.cls;
  const isolated = dir === 'egress' ? cls.egressIsolated : cls.ingressIsolated;
  const policyIdx = dir === 'egress' ? cls.egressPolicies : cls.ingressPolicies;
  const grants = dir === 'egress' ? cls.egressGrants : cls.ingressGrants;
  const policies: PolicyVerdict[] = policyIdx.map((pi) => {
    const policy = a.policies[pi]!;
    const rules = grants
      .map((g) => a.grants[g]!)
      .filter((g) => g.policy === pi)
      .map((g) => ruleVerdict(a, policy, g, g.rule, dir, other, otherName, dst, dstName, q));
    return { name: policy.name, namespace: policy.namespace, file: policy.source.file, line: policy.source.line, typesDefaulted: policy.policyTypesDefaulted, rules };
  });
  const ports = dir === 'egress' ? a.egressPorts(subject, other) : a.ingressPorts(other, subject);
  const allowed = q.port !== undefined ? hasPort(ports, q.protocol ?? 'TCP', q.port) : !isEmpty(ports);
  const prog = dir === 'egress' ? cls.egressProgram : cls.ingressProgram;
  if (prog) {
    const family = a.sharedFamilies(subject, other)[0] ?? cls.families[0] ?? 4;
    const layers = traceProgram(a, prog, other, otherName, dst, family, q);
    const summary = `${allowed ? 'allowed' : 'denied'}: ${layers.decidedBy}${layers.dependsOn.length > 0 ? `; rules that depend on ${layers.dependsOn.join(', ')} were not judged` : ''}`;
    return { direction: dir, subject: subjectName, isolated, policies, allowed, ports: formatPorts(ports), summary, layers };
  }
  let summary: string;
  if (!isolated) {
    summary = `${subjectName} is not isolated for ${dir}: no NetworkPolicy in namespace "${cls.namespace.name}" selects it with policyType ${dir === 'egress' ? 'Egress' : 'Ingress'}, so all ${dir} is allowed`;
  } else if (allowed) {
    const by = policies.flatMap((p) => p.rules.filter((r) => r.allows).map((r) => `${p.namespace}/${p.name} ${dir}[${r.index}] (${r.file}:${r.line})`));
    summary = `allowed by ${by.join(', ')}`;
  } else {
    const n = policies.reduce((s, p) => s + p.rules.length, 0);
    summary = `denied: ${subjectName} is isolated for ${dir} by ${policies.map((p) => `${p.namespace}/${p.name}`).join(', ')} and ${n === 0 ? 'they have no ' + dir + ' rules' : `none of their ${n} ${dir} rule${n === 1 ? '' : 's'} matches`}`;
  }
  return { direction: dir, subject: subjectName, isolated, policies, allowed, ports: formatPorts(ports), summary };
}

/** Explains a connection between two peers (endpoint ids or IP addresses). */
export function explain(a: Analysis, from: string | { ip: string }, to: string | { ip: string }, q: PortQuery = {}): Explanation {
  const s = a.requirePeer(from, 'source');
  const d = a.requirePeer(to, 'destination');
  const sName = typeof from === 'string' && s.kind === 'class' && a.endpoint(from) ? from : peerName(s);
  const dName = typeof to === 'string' && d.kind === 'class' && a.endpoint(to) ? to : peerName(d);
  const egress = side(a, 'egress', s, sName, d, dName, d, dName, q);
  const ingress = side(a, 'ingress', d, dName, s, sName, d, dName, q);
  const all = a.allowedPorts(s, d);
  const allowed = q.port !== undefined ? hasPort(all, q.protocol ?? 'TCP', q.port) : !isEmpty(all);
  const what = q.port !== undefined ? ` on ${q.port}/${q.protocol ?? 'TCP'}` : '';
  const dropped = a.inventory.layers.dropped ?? [];
  const droppedAsked = q.port !== undefined ? dropped.find((x) => x.protocol === (q.protocol ?? 'TCP')) : undefined;
  let summary: string;
  const fs = a.familiesOf(s);
  const fd = a.familiesOf(d);
  const fam = (f: readonly number[]): string => f.map((x) => `IPv${x}`).join(' and ') || 'no';
  if (s.kind === 'external' && d.kind === 'external') summary = 'both ends are outside the cluster; NetworkPolicies do not decide this';
  else if (!fs.some((f) => fd.includes(f))) summary = `DENIED: ${sName} → ${dName}: ${sName} has ${fam(fs)} addresses and ${dName} ${fam(fd)}; with no IP family in common no connection is possible`;
  else if (droppedAsked) summary = `DENIED: ${sName} → ${dName}${what}: ${droppedAsked.reason}`;
  else if (allowed) summary = `ALLOWED: ${sName} → ${dName}${what}${q.port === undefined ? ` (ports ${formatPorts(all).join(', ')})` : ''}`;
  else if (!egress.allowed && !ingress.allowed) summary = `DENIED: ${sName} → ${dName}${what}: both the egress of the source and the ingress of the destination deny it`;
  else if (!egress.allowed) summary = `DENIED: ${sName} → ${dName}${what}: the egress of the source denies it`;
  else if (!ingress.allowed) summary = `DENIED: ${sName} → ${dName}${what}: the ingress of the destination denies it`;
  else summary = `DENIED: ${sName} → ${dName}${what}: egress allows ${egress.ports.join(', ')} and ingress allows ${ingress.ports.join(', ')}, which do not overlap over any IP family both ends have`;
  return {
    from: sName, to: dName,
    ...(q.port !== undefined ? { port: q.port, protocol: q.protocol ?? 'TCP' } : {}),
    allowed, allowedPorts: formatPorts(all), egress, ingress, summary,
    ...(dropped.length > 0 ? { dropped: dropped.map((x) => `${x.protocol}: ${x.reason}`) } : {}),
  };
}

