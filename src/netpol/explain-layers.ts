/**
 * Explaining a side governed by policy layers: tier by tier, policy by policy, which
 * rule matched, what it did with the ports still undecided (allow, deny, pass), and
 * what the tier's default did with the rest.
 */
import type { IpFamily } from '../model/ip.js';
import type { Analysis, Grant, Peer } from './analysis.js';
import type { Program } from './layers.js';
import { ALL_PORTS, EMPTY_PORTS, formatPorts, intersect, isEmpty, portRange, subtract, union, type PortSet } from './ports.js';
import type { PortQuery } from './explain.js';

export interface LayerRuleVerdict {
  /** `ClusterNetworkPolicy deny-tenants (Admin tier, priority 10)`, `NetworkPolicy x/allow-web`. */
  readonly policy: string;
  /** `ingress rule isolate-tenant`, `egress[2]`. */
  readonly rule: string;
  readonly action: 'allow' | 'deny' | 'pass' | 'log';
  readonly file: string;
  readonly line: number;
  readonly peerMatched: boolean;
  readonly peerReason: string;
  /** The rule's ports at the destination. */
  readonly ports: string[];
  /** What this rule decided for this connection: the ports it took, after the rules before it. */
  readonly decided: string[];
  /** Filtering the engine does not decide (L7), or peers it cannot judge. */
  readonly note?: string;
}

export interface TierVerdict {
  readonly tier: string;
  readonly order: number;
  readonly defaultAction: 'deny' | 'pass';
  /** Some policy of the tier selects the endpoint with a default deny: its default action applies. */
  readonly applies: boolean;
  readonly rules: LayerRuleVerdict[];
  readonly allowed: string[];
  readonly denied: string[];
  readonly passed: string[];
  readonly summary: string;
}

export interface LayeredSide {
  readonly tiers: TierVerdict[];
  /** Ports no tier decided: allowed, as Kubernetes allows what no policy denies. */
  readonly fallthrough: string[];
  /** One line: which tier and rule decided. */
  readonly decidedBy: string;
  /** Peers the rules name that cannot be judged from manifests. */
  readonly dependsOn: string[];
}

function ruleName(g: Grant, a: Analysis): { policy: string; rule: string; file: string; line: number; note?: string } {
  if (g.layer) {
    const p = a.layerPolicies[g.layer.policy]!;
    const r = g.layer.rule;
    const line = a.inventory.locate(p.source, r.path) ?? p.source.line;
    return { policy: p.label, rule: r.name ? `${g.direction} rule ${r.name}` : r.path.replace(/^spec\./, ''), file: p.source.file, line, ...(r.note !== undefined ? { note: r.note } : {}) };
  }
  const p = a.policies[g.policy]!;
  const path = `spec.${g.direction}[${g.rule.index}]`;
  return { policy: `NetworkPolicy ${p.namespace}/${p.name}`, rule: `${g.direction}[${g.rule.index}]`, file: p.source.file, line: a.inventory.locate(p.source, path) ?? p.source.line };
}

function peersText(g: Grant, a: Analysis): string {
  if (g.layer) {
    const peers = g.layer.rule.peers;
    if (!peers) return 'every peer';
    if (peers.length === 0) return 'no peer (an empty rule)';
    return peers.map((p) => `${p.path} ${p.text}`).join(' or ');
  }
  const rule = g.rule;
  if (!rule.peers) return 'every peer';
  return `${rule.peers.length} peer${rule.peers.length === 1 ? '' : 's'} of ${a.policies[g.policy]!.namespace}/${a.policies[g.policy]!.name}`;
}

/** Traces a program for one connection (the first IP family both ends share). */
export function traceProgram(a: Analysis, prog: Program, other: Peer, otherName: string, dst: Peer, family: IpFamily, q: PortQuery): LayeredSide {
  let remaining: PortSet = q.port !== undefined ? portRange(q.protocol ?? 'TCP', q.port) : ALL_PORTS;
  const tiers: TierVerdict[] = [];
  const deciders: string[] = [];
  const depends = new Set<string>();
  for (const sg of prog.segments) {
    const tier = a.tiers[sg.tier]!;
    let undecided = remaining;
    let allowed = EMPTY_PORTS;
    let denied = EMPTY_PORTS;
    let passed = EMPTY_PORTS;
    const rules: LayerRuleVerdict[] = [];
    for (const gi of sg.grants) {
      const g = a.grants[gi]!;
      const id = ruleName(g, a);
      const action = g.action ?? 'allow';
      for (const d of g.depends ?? []) depends.add(d);
      const familyOk = g.family === undefined || g.family === family;
      const matched = familyOk && a.grantHas(g, other, family);
      const ports = a.grantPorts(g, dst);
      const took = matched ? intersect(ports, undecided) : EMPTY_PORTS;
      const peersDesc = peersText(g, a);
      const peerReason = !familyOk ? `the rule is for IPv${String(g.family)} only` : matched ? `${peersDesc} matches ${otherName}` : `${peersDesc} does not match ${otherName}${g.depends ? ` (depends on ${g.depends.join(', ')}, not judged from manifests)` : ''}`;
      if (!isEmpty(took) && action !== 'log') {
        if (action === 'allow') allowed = union(allowed, took);
        else if (action === 'deny') denied = union(denied, took);
        else passed = union(passed, took);
        undecided = subtract(undecided, took);
        deciders.push(`${tier.label}: ${id.policy}, ${id.rule} ${action === 'allow' ? 'Allow' : action === 'deny' ? 'Deny' : 'Pass'} on ${formatPorts(took).join(', ')} (${id.file}:${id.line})`);
      }
      rules.push({ policy: id.policy, rule: id.rule, action, file: id.file, line: id.line, peerMatched: matched, peerReason, ports: formatPorts(ports), decided: formatPorts(took), ...(id.note !== undefined ? { note: id.note } : {}) });
    }
    const byDefault = sg.applies && tier.defaultAction === 'deny' ? undecided : EMPTY_PORTS;
    if (!isEmpty(byDefault)) {
      denied = union(denied, byDefault);
      deciders.push(`${tier.label}: default action Deny on ${formatPorts(byDefault).join(', ')} (a policy of the tier selects it; no rule matched)`);
    }
    const handedOn = union(passed, isEmpty(byDefault) ? undecided : EMPTY_PORTS);
    const parts: string[] = [];
    if (!isEmpty(allowed)) parts.push(`allows ${formatPorts(allowed).join(', ')}`);
    if (!isEmpty(denied)) parts.push(`denies ${formatPorts(denied).join(', ')}`);
    if (!isEmpty(handedOn)) parts.push(`hands ${formatPorts(handedOn).join(', ')} to the next tier`);
    tiers.push({
      tier: tier.label,
      order: tier.order,
      defaultAction: tier.defaultAction,
      applies: sg.applies,
      rules,
      allowed: formatPorts(allowed),
      denied: formatPorts(denied),
      passed: formatPorts(handedOn),
      summary: `${tier.label}: ${parts.length > 0 ? parts.join('; ') : 'nothing reached it'}`,
    });
    remaining = handedOn;
    if (isEmpty(remaining)) break;
  }
  if (!isEmpty(remaining)) deciders.push(`no tier decided ${formatPorts(remaining).join(', ')}: allowed (nothing denies it)`);
  return { tiers, fallthrough: formatPorts(remaining), decidedBy: deciders.join('; '), dependsOn: [...depends].sort() };
}
