import { defineCheck, type AuditConfig, type FindingDraft } from './types.js';
import { namespaceObject } from './segregation.js';

/** Why a namespace name looks like a team's: the team or pattern it matches, or undefined. */
export function teamNameReason(name: string, config: AuditConfig): string | undefined {
  for (const team of config.teams) {
    const t = team.toLowerCase();
    // Any dash-separated part of the name: `falcons`, `falcons-api`, `shop-falcons-eu`.
    if (name === t || `-${name}-`.includes(`-${t}-`)) return `the team name "${team}"`;
  }
  for (const pattern of config.teamNamespacePatterns) {
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch {
      continue; // the configuration loader reports a bad pattern; here it just matches nothing
    }
    if (re.test(name)) return `the team-name pattern /${pattern}/`;
  }
  return undefined;
}

export default defineCheck({
  id: 'ns-team-name',
  control: 'segregation',
  title: 'Namespace named after a team, not the service it provides',
  severity: 'low',
  policyReads: 'none',
  rationale:
    'Namespace names become part of in-cluster DNS names (service.namespace.svc.cluster.local), so clients and NetworkPolicies hard-code them. Treat namespaces as an internal API: name them after the service they provide (auth, orders-db, licensing), not after the team that owns them today (team-green). Teams reorganise; service names stay, and policies written against services are easier for a network team to review.',
  fixSummary: 'Rename the namespace after the service it provides and move the workloads (the DNS names of its Services change with it).',
  evidence: ['Namespace'],
  examples: {
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: team-green
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: reporting
`,
  },
  run(ctx): FindingDraft[] {
    const out: FindingDraft[] = [];
    for (const ns of [...ctx.inventory.namespaces.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const why = teamNameReason(ns.name, ctx.config);
      if (!why) continue;
      // Suggest a name from what runs there: with one workload, its name.
      const workloads = [...new Set(ctx.inventory.endpoints.filter((e) => e.namespace === ns.name).map((e) => e.name))].sort();
      const suggestion = workloads.length === 1 ? workloads[0]! : '<service name>';
      const services = ctx.objectsOfKind('Service').filter((s) => s.object.metadata.namespace === ns.name).map((s) => s.object.metadata.name);
      const dns = services[0] ?? '<service>';
      out.push({
        object: namespaceObject(ctx, ns.name),
        path: 'metadata.name',
        message: `namespace ${ns.name} matches ${why}: it is named after a team, not the service it provides`,
        fix: [
          `Create a namespace named after the service, move the workloads there, and update clients and NetworkPolicies that name the old namespace:`,
          `apiVersion: v1`,
          `kind: Namespace`,
          `metadata:`,
          `  name: ${suggestion}`,
          `  labels:`,
          `    kubernetes.io/metadata.name: ${suggestion}`,
          ...Object.entries(ns.labels)
            .filter(([k]) => k !== 'kubernetes.io/metadata.name')
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
          `DNS names change: ${dns}.${ns.name}.svc.cluster.local becomes ${dns}.${suggestion}.svc.cluster.local.`,
        ].join('\n'),
      });
    }
    return out;
  },
});
