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

