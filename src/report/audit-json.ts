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
