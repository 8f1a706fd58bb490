/** `audit -o json`: one object; the format is documented in docs/output-formats.md. */
import type { AuditResult } from '../checks/run.js';
import { SEVERITIES, type Severity } from '../checks/types.js';
import { VERSION } from '../version.js';
import { inputJson, type InputFacts } from './input-json.js';

export const TOOL = { name: 'meshless', version: VERSION, informationUri: 'https://meshless.dev' } as const;

/** With `input`, the report says what was read (objects, skipped, diagnostics with file:line). */
export function auditJson(r: AuditResult, input?: InputFacts): unknown {
  const open = r.findings.filter((f) => !f.suppressed);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, open.filter((f) => f.severity === s).length])) as Record<Severity, number>;
  return {
    tool: { name: TOOL.name, version: TOOL.version },
    controls: r.controls,
    findings: r.findings,
    workloads: r.workloads,
    entryPoints: r.entryPoints.map((e) => ({
      via: e.via,
      host: e.host,
      ...(e.path !== undefined ? { path: e.path } : {}),
      route: { kind: e.route.object.kind, namespace: e.route.object.metadata.namespace, name: e.route.object.metadata.name, file: e.route.source.file, line: e.route.source.line },
      service: e.service,
      endpoints: e.endpoints,
      authenticated: e.authenticated,
      ...(e.authBy !== undefined ? { authBy: e.authBy } : {}),
      ...(e.publicReason !== undefined ? { publicReason: e.publicReason } : {}),
      tls: e.tls,
      ...(e.tlsBy !== undefined ? { tlsBy: e.tlsBy } : {}),
    })),
    cni: { ...(r.cni.cni !== undefined ? { cni: r.cni.cni } : {}), encryption: r.cni.encryption, note: r.cni.note },
    summary: { checks: r.checksRun, findings: r.findings.length, open: open.length, suppressed: r.findings.length - open.length, bySeverity },
    errors: r.errors,
    ...(input ? { input: inputJson(input) } : {}),
  };
}

/** Items of a long array serialized at once: about a megabyte of JSON, a chunk worth writing. */
const BATCH = 400;

/**
 * `JSON.stringify(auditJson(r), null, 2)` as chunks: every chunk but the last ends at a
 * line end, so `io.out` writes it as it is, and the last (the whole of a small report)
 * does not, so `io.out` ends it as it ended the one string before. A large cluster's audit is
 * a hundred megabytes of JSON: one string that size is slow to build, to encode and to
 * collect. Each batch of findings or workloads is still serialized by JSON.stringify,
 * inside a wrapper that puts it at the depth it has in the whole, so the indentation,
 * and every byte, is JSON.stringify's own.
 */
export function* auditJsonChunks(r: AuditResult, input?: InputFacts, batch = BATCH): Generator<string, void, undefined> {
  yield* topLevelChunks(auditJson(r, input) as Record<string, unknown>, batch);
}

/** See auditJsonChunks; exported for its test. */
export function* topLevelChunks(value: Record<string, unknown>, batch = BATCH): Generator<string, void, undefined> {
  // The keys JSON.stringify keeps (it drops undefined and functions), in its order.
  const entries = Object.entries(value).filter(([, x]) => x !== undefined && typeof x !== 'function' && typeof x !== 'symbol');
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  let pending = '{\n';
  for (let i = 0; i < entries.length; i++) {
    const [k, x] = entries[i]!;
    const end = i < entries.length - 1 ? ',\n' : '\n';
    if (!Array.isArray(x) || x.length <= batch) {
      // `{\n  "k": …\n}` without its braces: the entry as it stands in the whole.
      const s = JSON.stringify({ [k]: x }, null, 2);
      pending += s.slice(2, s.length - 2) + end;
      continue;
    }
    const items = x as unknown[];
    yield `${pending}  ${JSON.stringify(k)}: [\n`;
    pending = '';
    const head = `{\n  ${JSON.stringify(k)}: [\n`.length;
    const tail = '\n  ]\n}'.length;
    for (let from = 0; from < items.length; from += batch) {
      const s = JSON.stringify({ [k]: items.slice(from, from + batch) }, null, 2);
      yield s.slice(head, s.length - tail) + (from + batch < items.length ? ',\n' : `\n  ]${end}`);
    }
  }
  yield `${pending}}`;
}
