/**
 * `diff -o json`, and the report every diff renderer takes. The format is
 * documented in docs/commands/diff.md; tools depend on it.
 */
import type { FindingsDiff } from '../checks/diff.js';
import type { Finding, Severity } from '../checks/types.js';
import { byNamespace, type ConnectivityDiff, type DiffEntry } from '../netpol/diff.js';
import { formatPorts, isEmpty } from '../netpol/ports.js';
import { TOOL } from './audit-json.js';

export interface DiffSideInfo {
  /** What the user named: a path, a revision, or `working tree`. */
  readonly label: string;
  /** The commit, for a revision. */
  readonly sha?: string;
}

export interface DiffGates {
  /** `--fail-on-new-connectivity [--to SEL]`: the connections opened (towards SEL). */
  readonly newConnectivity?: { readonly to?: string; readonly opened: readonly DiffEntry[] };
  /** `--fail-on SEVERITY`: findings introduced (or raised) at or above it. */
  readonly findings?: { readonly failOn: Severity; readonly failing: readonly Finding[] };
}

export interface DiffReport {
  readonly before: DiffSideInfo;
  readonly after: DiffSideInfo;
  readonly connectivity: ConnectivityDiff;
  readonly findings: FindingsDiff;
  readonly gates: DiffGates;
}

/** Did a gate trip? (The CLI turns this into exit code 1.) */
export function gateFailed(r: DiffReport): boolean {
  return (r.gates.newConnectivity?.opened.length ?? 0) > 0 || (r.gates.findings?.failing.length ?? 0) > 0;
}

export const shortSha = (sha: string | undefined): string => (sha ? sha.slice(0, 7) : '');
export const sideText = (s: DiffSideInfo): string => (s.sha && !s.label.startsWith(s.sha) ? `${s.label} (${shortSha(s.sha)})` : s.label);

export function diffSummary(r: DiffReport): { added: number; removed: number; changed: number; opened: number; closed: number; findingsIntroduced: number; findingsResolved: number } {
  const c = r.connectivity;
  return {
    added: c.added.length,
    removed: c.removed.length,
    changed: c.changed.length,
    opened: c.added.length + c.changed.filter((e) => !isEmpty(e.opened)).length,
    closed: c.removed.length + c.changed.filter((e) => !isEmpty(e.closed)).length,
    findingsIntroduced: r.findings.introduced.length + r.findings.worsened.length,
    findingsResolved: r.findings.resolved.length + r.findings.suppressed.length,
  };
}

const findingJson = (f: Finding): unknown => ({
  check: f.check,
  control: f.control,
  severity: f.severity,
  object: f.object,
  ...(f.path !== undefined ? { path: f.path } : {}),
  message: f.message,
  fix: f.fix,
  ...(f.suppressed ? { suppressed: f.suppressed } : {}),
});

export function diffJson(r: DiffReport): unknown {
  const c = r.connectivity;
  return {
    tool: { name: TOOL.name, version: TOOL.version },
    before: r.before,
    after: r.after,
    level: c.level,
    summary: diffSummary(r),
    connectivity: {
      added: c.added.map((e) => ({ from: e.from, to: e.to, ports: formatPorts(e.ports) })),
      removed: c.removed.map((e) => ({ from: e.from, to: e.to, ports: formatPorts(e.ports) })),
      changed: c.changed.map((e) => ({ from: e.from, to: e.to, before: formatPorts(e.before), after: formatPorts(e.after), opened: formatPorts(e.opened), closed: formatPorts(e.closed) })),
      endpoints: c.endpoints,
      external: c.external,
    },
    namespaces: byNamespace(c).map((n) => ({ from: n.from, to: n.to, opened: formatPorts(n.opened), closed: formatPorts(n.closed), added: n.added, removed: n.removed, changed: n.changed })),
    findings: {
      introduced: r.findings.introduced.map(findingJson),
      resolved: r.findings.resolved.map(findingJson),
      suppressed: r.findings.suppressed.map(findingJson),
      worsened: r.findings.worsened.map((w) => ({ from: w.before.severity, ...(findingJson(w.after) as object) })),
      improved: r.findings.improved.map((w) => ({ from: w.before.severity, ...(findingJson(w.after) as object) })),
      unchanged: r.findings.unchanged,
    },
    gates: {
      ...(r.gates.newConnectivity
        ? { newConnectivity: { ...(r.gates.newConnectivity.to !== undefined ? { to: r.gates.newConnectivity.to } : {}), failed: r.gates.newConnectivity.opened.length > 0, opened: r.gates.newConnectivity.opened.map((e) => ({ from: e.from, to: e.to, ports: formatPorts(e.ports) })) } }
        : {}),
      ...(r.gates.findings ? { findings: { failOn: r.gates.findings.failOn, failed: r.gates.findings.failing.length > 0, failing: r.gates.findings.failing.map(findingJson) } } : {}),
    },
  };
}

/**
 * `JSON.stringify(value, null, 2)` as a sequence of chunks of about `chunk`
 * characters, each ending at a line end. A change that opens a namespace to a
 * large cluster lists millions of pairs: more text than one string can hold.
 */
export function* jsonChunks(value: unknown, chunk = 1 << 20): Generator<string, void, undefined> {
  let buf: string[] = [];
  let size = 0;
  function* put(s: string): Generator<string, void, undefined> {
    buf.push(s);
    size += s.length;
    if (size >= chunk && s.endsWith('\n')) {
      yield buf.join('');
      buf = [];
      size = 0;
    }
  }
  function* emit(v: unknown, indent: string, suffix: string): Generator<string, void, undefined> {
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      const items = v as unknown[];
      if (items.length === 0) {
        yield* put(`[]${suffix}\n`);
        return;
      }
      yield* put('[\n');
      for (let i = 0; i < items.length; i++) {
        yield* put(inner);
        yield* emit(items[i] ?? null, inner, i < items.length - 1 ? ',' : '');
      }
      yield* put(`${indent}]${suffix}\n`);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && typeof x !== 'function');
      if (entries.length === 0) {
        yield* put(`{}${suffix}\n`);
        return;
      }
      yield* put('{\n');
      for (let i = 0; i < entries.length; i++) {
        const [k, x] = entries[i]!;
        yield* put(`${inner}${JSON.stringify(k)}: `);
        yield* emit(x, inner, i < entries.length - 1 ? ',' : '');
      }
      yield* put(`${indent}}${suffix}\n`);
    } else {
      yield* put(`${JSON.stringify(v)}${suffix}\n`);
    }
  }
  yield* emit(value, '', '');
  if (buf.length > 0) yield buf.join('');
}
