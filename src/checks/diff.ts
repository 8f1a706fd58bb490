/**
 * What a change does to the audit: findings it introduces and findings it resolves.
 * Findings are matched by the runner's `fingerprint` (check, object, field), never
 * by line, so moving an object in its file or to another file is no change. Pure.
 */
import { fingerprint, type AuditResult } from './run.js';
import { SEVERITY_RANK, findingNamespace, type Check, type Finding, type Severity } from './types.js';

export interface SeverityChange {
  readonly before: Finding;
  readonly after: Finding;
}

export interface FindingsDiff {
  /** Open after, not open before: new problems (or a suppression taken away). */
  readonly introduced: readonly Finding[];
  /** Open before, gone after: fixed. */
  readonly resolved: readonly Finding[];
  /** Open before, still found after but suppressed there (the after finding, with its reason). */
  readonly suppressed: readonly Finding[];
  /** Open in both, at a higher severity after. */
  readonly worsened: readonly SeverityChange[];
  /** Open in both, at a lower severity after. */
  readonly improved: readonly SeverityChange[];
  /** Open in both at the same severity. */
  readonly unchanged: number;
}

function group(list: readonly Finding[]): Map<string, Finding[]> {
  const m = new Map<string, Finding[]>();
  for (const f of list) {
    const k = fingerprint(f);
    const l = m.get(k);
    if (l) l.push(f);
    else m.set(k, [f]);
  }
  return m;
}

/**
 * Compares two audits. Findings sharing a fingerprint are paired in order; any
 * left over on one side is introduced or resolved.
 */
export function diffFindings(before: Pick<AuditResult, 'findings'>, after: Pick<AuditResult, 'findings'>): FindingsDiff {
  const openB = group(before.findings.filter((f) => !f.suppressed));
  const openA = group(after.findings.filter((f) => !f.suppressed));
  const suppressedA = group(after.findings.filter((f) => f.suppressed));
  const introduced: Finding[] = [];
  const resolved: Finding[] = [];
  const suppressed: Finding[] = [];
  const worsened: SeverityChange[] = [];
  const improved: SeverityChange[] = [];
  let unchanged = 0;
  for (const [k, bs] of openB) {
    const as = openA.get(k) ?? [];
    const n = Math.min(bs.length, as.length);
    for (let i = 0; i < n; i++) {
      const b = bs[i]!;
      const a = as[i]!;
      const d = SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
      if (d > 0) worsened.push({ before: b, after: a });
      else if (d < 0) improved.push({ before: b, after: a });
      else unchanged++;
    }
    const sup = suppressedA.get(k) ?? [];
    bs.slice(n).forEach((b, i) => {
      const s = sup[i];
      if (s) suppressed.push(s);
      else resolved.push(b);
    });
    for (const a of as.slice(n)) introduced.push(a);
  }
  for (const [k, as] of openA) if (!openB.has(k)) introduced.push(...as);
  const order = (x: Finding, y: Finding): number => SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity] || fingerprint(x).localeCompare(fingerprint(y));
  return {
    introduced: introduced.sort(order),
    resolved: resolved.sort(order),
    suppressed: suppressed.sort(order),
    worsened: worsened.sort((x, y) => order(x.after, y.after)),
    improved: improved.sort((x, y) => order(x.after, y.after)),
    unchanged,
  };
}

/** Findings the change makes fail a `--fail-on` gate: introduced at or above it, or raised to it from below. */
export function newlyFailing(d: FindingsDiff, threshold: Severity): Finding[] {
  const t = SEVERITY_RANK[threshold];
  return [
    ...d.introduced.filter((f) => SEVERITY_RANK[f.severity] >= t),
    ...d.worsened.filter((w) => SEVERITY_RANK[w.after.severity] >= t && SEVERITY_RANK[w.before.severity] < t).map((w) => w.after),
  ];
}

/** What a change of NetworkPolicies only leaves to be found again on the second version (see `secondVersionChecks`). */
export interface SecondVersionChecks {
  /** Checks not run again: their findings are the first version's. */
  readonly kept: ReadonlySet<string>;
  /** Checks run again only for these namespaces: elsewhere their findings are the first version's. */
  readonly local: { readonly checks: ReadonlySet<string>; readonly namespaces: ReadonlySet<string> } | undefined;
}

/**
 * What the second version of a change must find again, by what each check reads
 * (`Check.policyReads`), when the change touches only NetworkPolicies (`policyNamespaces`,
 * their namespaces, from the change scope; undefined for any other change): the checks
 * that read no more of the policies than isolation are kept when no pod's isolation
 * changed (`isolationKept`), and those whose findings are local to a namespace run only
 * for the namespaces whose policies changed. Undefined: every check runs in full.
 */
export function secondVersionChecks(checks: readonly Check[], change: { readonly isolationKept: boolean; readonly policyNamespaces?: ReadonlySet<string> }): SecondVersionChecks | undefined {
  const x = change.policyNamespaces;
  if (x === undefined) return undefined;
  const kept = new Set(change.isolationKept ? checks.filter((c) => c.policyReads === 'none' || c.policyReads === 'isolation').map((c) => c.id) : []);
  const local = new Set(checks.filter((c) => c.policyReads === 'namespace').map((c) => c.id));
  if (kept.size === 0 && local.size === 0) return undefined;
  return { kept, local: local.size > 0 ? { checks: local, namespaces: x } : undefined };
}

/** The first version's findings that stand for the second: those of the kept checks, and of the local ones outside the namespaces they run for. */
export function findingsCarried(plan: SecondVersionChecks, before: readonly Finding[]): Finding[] {
  return before.filter((f) => {
    if (plan.kept.has(f.check)) return true;
    if (!plan.local?.checks.has(f.check)) return false;
    const ns = findingNamespace(f.object);
    return ns !== undefined && !plan.local.namespaces.has(ns);
  });
}
