/**
 * Rules whose peers cannot be judged from manifests (node IPs, domain names, FQDNs,
 * cloud groups, Cilium's host entities): they match nothing in meshless's answers,
 * and every answer they could change is listed, never guessed.
 */
import type { Analysis } from './analysis.js';

export interface NotJudged {
  /** `ClusterNetworkPolicy egress-to-saas (Admin tier, priority 10)` */
  readonly policy: string;
  /** `spec.egress[2]` */
  readonly rule: string;
  readonly action: string;
  /** What the rule depends on: `DNS resolution of *.example.com`. */
  readonly dependsOn: readonly string[];
  readonly file: string;
  readonly line: number;
}

/** Every layer rule with a peer meshless cannot place, once each. */
export function notJudged(a: Analysis): NotJudged[] {
  const out: NotJudged[] = [];
  for (const g of a.grants) {
    if (!g.depends || !g.layer) continue;
    const p = a.layerPolicies[g.layer.policy]!;
    const r = g.layer.rule;
    // Family-restricted copies of a grant share its rule: report the rule once.
    if (out.some((x) => x.policy === p.label && x.rule === r.path)) continue;
    out.push({ policy: p.label, rule: r.path, action: r.action, dependsOn: g.depends, file: p.source.file, line: a.inventory.locate(p.source, r.path) ?? p.source.line });
  }
  return out;
}

/** The layers as a report lists them: tiers in order, each with its policies (file:line), and the kinds not evaluated. */
export function layersSummary(a: Analysis): {
  tiers: { label: string; order: number; defaultAction: 'deny' | 'pass'; policies: { label: string; file: string; line: number }[] }[];
  unevaluated: { kind: string; who: string; count: number }[];
} {
  const tiers = a.tiers.map((t) => ({ label: t.label, order: t.order, defaultAction: t.defaultAction, policies: [] as { label: string; file: string; line: number }[] }));
  const byName = new Map(a.tiers.map((t, i) => [t.name, i]));
  const seen = new Set<string>();
  for (const p of a.layerPolicies) {
    // A Cilium policy is one object with a deny part and an allow part: list the object once.
    const key = `${p.objectKind}|${p.namespace ?? ''}|${p.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    tiers[byName.get(p.tier) ?? 0]!.policies.push({ label: p.label, file: p.source.file, line: p.source.line });
  }
  const defaultTier = byName.get('default');
  if (defaultTier !== undefined && a.policies.length > 0) tiers[defaultTier]!.policies.push({ label: `${a.policies.length} NetworkPolic${a.policies.length === 1 ? 'y' : 'ies'} (networking.k8s.io/v1), order 1000`, file: a.policies[0]!.source.file, line: a.policies[0]!.source.line });
  return { tiers, unevaluated: a.inventory.layers.unevaluated.map((u) => ({ kind: u.kind, who: u.who, count: u.count })) };
}
