/**
 * What was read, as data: the `input` section of `audit -o json` and `reach -o json`,
 * and the SARIF `invocations` notifications. The same numbers and diagnostics the
 * command prints on stderr, so that a CI job that keeps only stdout keeps them too.
 */
import type { Diagnostic } from '../model/diagnostics.js';
import type { LoadSummary } from '../model/inventory.js';

export interface InputDiagnosticJson {
  readonly severity: Diagnostic['severity'];
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  /** The file as given (`-` for standard input; `cluster:…` for a live cluster). */
  readonly file?: string;
  /** One-based line: of the field or syntax error when known, else of the object. */
  readonly line?: number;
  readonly column?: number;
  /** For items of a `kind: List`, where the item is inside it. */
  readonly itemPath?: string;
  /** The field inside the object. */
  readonly path?: string;
}

export interface InputJson {
  /** Files read (0 for a cluster). */
  readonly files: number;
  /** `cluster:<context>` when the input was a live cluster. */
  readonly cluster?: string;
  /** Objects found; `used` took part; `skipped` were left out, by reason. */
  readonly objects: { readonly read: number; readonly used: number; readonly skipped: Readonly<Record<string, number>> };
  readonly errors: number;
  readonly warnings: number;
  /** Every diagnostic, errors first, then by file and line. */
  readonly diagnostics: readonly InputDiagnosticJson[];
}

/** What the loader read and said, for a report. */
export interface InputFacts {
  readonly files: number;
  readonly clusterName?: string;
  readonly summary: LoadSummary;
  readonly diagnostics: readonly Diagnostic[];
}

const ORDER: Record<Diagnostic['severity'], number> = { error: 0, warning: 1, info: 2 };

export function diagnosticJson(d: Diagnostic): InputDiagnosticJson {
  const line = d.line ?? (d.source && d.source.line > 0 ? d.source.line : undefined);
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(d.hint !== undefined ? { hint: d.hint } : {}),
    ...(d.source ? { file: d.source.file } : {}),
    ...(line !== undefined ? { line } : {}),
    ...(d.column !== undefined ? { column: d.column } : {}),
    ...(d.source?.itemPath !== undefined ? { itemPath: d.source.itemPath } : {}),
    ...(d.path !== undefined ? { path: d.path } : {}),
  };
}

export function inputJson(facts: InputFacts): InputJson {
  const sorted = [...facts.diagnostics].sort(
    (a, b) => ORDER[a.severity] - ORDER[b.severity] || (a.source?.file ?? '').localeCompare(b.source?.file ?? '') || (a.line ?? a.source?.line ?? 0) - (b.line ?? b.source?.line ?? 0),
  );
  return {
    files: facts.files,
    ...(facts.clusterName !== undefined ? { cluster: facts.clusterName } : {}),
    objects: { read: facts.summary.read, used: facts.summary.used, skipped: facts.summary.skipped },
    errors: sorted.filter((d) => d.severity === 'error').length,
    warnings: sorted.filter((d) => d.severity === 'warning').length,
    diagnostics: sorted.map(diagnosticJson),
  };
}

const SARIF_LEVEL: Record<Diagnostic['severity'], 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** One SARIF toolExecutionNotification per diagnostic, with the file and line when the input was a file. */
export function sarifNotifications(facts: InputFacts): unknown[] {
  return inputJson(facts).diagnostics.map((d) => ({
    level: SARIF_LEVEL[d.severity],
    descriptor: { id: d.code },
    message: { text: d.hint !== undefined ? `${d.message} (${d.hint})` : d.message },
    ...(d.file !== undefined && !d.file.startsWith('cluster') && d.file !== '-'
      ? { locations: [{ physicalLocation: { artifactLocation: { uri: d.file.replace(/\\/g, '/').replace(/^\.\//, '') }, region: { startLine: Math.max(1, d.line ?? 1), ...(d.column !== undefined ? { startColumn: d.column } : {}) } } }] }
      : {}),
    ...(d.path !== undefined || d.itemPath !== undefined ? { properties: { ...(d.path !== undefined ? { path: d.path } : {}), ...(d.itemPath !== undefined ? { itemPath: d.itemPath } : {}) } } : {}),
  }));
}
