import type { SourceRef } from './source.js';

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

/**
 * A problem with the input, as data (never a thrown stack trace to the user).
 * `error`: the object or document was left out of the analysis.
 * `warning`: it was used, under an assumption the message states.
 */
export interface Diagnostic {
  readonly severity: DiagnosticSeverity;
  /** Stable, machine-readable code, e.g. `yaml-syntax`, `invalid-object`, `namespace-assumed`. */
  readonly code: string;
  readonly message: string;
  /** What to do about it. */
  readonly hint?: string;
  readonly source?: SourceRef;
  /** Field path inside the object, e.g. `spec.ingress[0].ports[1].endPort`. */
  readonly path?: string;
  /** One-based line of the field (or of the syntax error) when known. */
  readonly line?: number;
  readonly column?: number;
}

/** Renders a diagnostic as one line: `file:line:col: severity [code] message (path) — hint`. */
export function formatDiagnostic(d: Diagnostic): string {
  // Objects read from a live cluster have no line: name them instead.
  const where = !d.source
    ? ''
    : d.source.line === 0 && d.line === undefined
      ? `${d.source.file}${d.source.itemPath ? ` ${d.source.itemPath}` : ''}: `
      : `${d.source.file}:${d.line ?? d.source.line}${d.column !== undefined ? `:${d.column}` : ''}: `;
  const path = d.path ? ` (at ${d.path})` : '';
  const hint = d.hint ? `\n    hint: ${d.hint}` : '';
  return `${where}${d.severity} [${d.code}] ${d.message}${path}${hint}`;
}
