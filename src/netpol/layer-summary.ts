/** The policy layers as a report lists them: tiers in evaluation order, their policies, and the kinds not evaluated. */
import type { Analysis } from './analysis.js';

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
