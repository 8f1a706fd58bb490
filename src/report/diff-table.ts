/** `diff` for a terminal: the summary, the connections added, removed and changed, then the findings. */
import { checkDocLine } from './checks-doc.js';
import { objectText, type Finding } from '../checks/types.js';
import { formatPorts } from '../netpol/ports.js';
import { byNamespace } from '../netpol/diff.js';
import { table } from './reach.js';
import { diffSummary, sideText, type DiffReport } from './diff-json.js';

const COLOURS = { red: 31, green: 32, yellow: 33, grey: 90, bold: 1 } as const;
const ports = (p: Parameters<typeof formatPorts>[0]): string => formatPorts(p).join(', ') || '-';

export interface DiffTableOptions {
  readonly colour: boolean;
  /** Rows per list before "… and N more" (default: all). */
  readonly limit?: number;
}

export function diffTable(r: DiffReport, opts: DiffTableOptions): string {
  const c = (k: keyof typeof COLOURS, s: string): string => (opts.colour ? `\u001b[${COLOURS[k]}m${s}\u001b[0m` : s);
  const limit = opts.limit ?? Infinity;
  const s = diffSummary(r);
  const d = r.connectivity;
  const out: string[] = [
    c('bold', `${sideText(r.before)} → ${sideText(r.after)}`) + ` (${d.level} level)`,
    `Connectivity: ${s.added} added, ${s.removed} removed, ${s.changed} changed` + `; findings: ${s.findingsIntroduced} introduced, ${s.findingsResolved} resolved`,
  ];
  const section = (title: string, header: string[], rows: string[][]): void => {
    if (rows.length === 0) return;
    out.push('', c('bold', `${title} (${rows.length})`));
    out.push(table([header, ...rows.slice(0, limit)].map((row) => row.map((cell, j) => (j === 0 ? `  ${cell}` : cell)))));
    if (rows.length > limit) out.push(c('grey', `  … and ${rows.length - limit} more (-o json lists them all)`));
  };
  section(c('red', 'Added: allowed after, not before'), ['FROM', 'TO', 'PORTS'], d.added.map((e) => [e.from, e.to, ports(e.ports)]));
  section(c('green', 'Removed: allowed before, not after'), ['FROM', 'TO', 'PORTS'], d.removed.map((e) => [e.from, e.to, ports(e.ports)]));
  section(c('yellow', 'Changed: other ports'), ['FROM', 'TO', 'OPENED', 'CLOSED'], d.changed.map((e) => [e.from, e.to, ports(e.opened), ports(e.closed)]));
  if (d.level !== 'namespace' && d.added.length + d.removed.length + d.changed.length > 0) {
    section('Namespace to namespace', ['FROM', 'TO', 'OPENED', 'CLOSED'], byNamespace(d).map((n) => [n.from, n.to, ports(n.opened), ports(n.closed)]));
  }
  if (d.endpoints.added.length > 0) out.push('', `New at ${d.level} level: ${d.endpoints.added.slice(0, limit).join(', ')}${d.endpoints.added.length > limit ? ', …' : ''}`);
  if (d.endpoints.removed.length > 0) out.push('', `Gone at ${d.level} level: ${d.endpoints.removed.slice(0, limit).join(', ')}${d.endpoints.removed.length > limit ? ', …' : ''}`);
  if (s.added + s.removed + s.changed === 0) out.push('', 'No connection is allowed differently.');

  const f = r.findings;
  const finding = (mark: string, colour: keyof typeof COLOURS, x: Finding, note = ''): void => {
    const where = x.object.file ? `${x.object.file}:${x.object.line ?? 1}` : '';
    out.push(`  ${c(colour, mark)} ${x.severity.toUpperCase()} ${x.check}  ${objectText(x.object)}  ${c('grey', where)}${note}`);
    out.push(`      ${x.message}`);
    out.push(`      ${c('grey', checkDocLine(x.check))}`);
  };
  if (f.introduced.length + f.worsened.length > 0) {
    out.push('', c('bold', `Findings introduced (${f.introduced.length + f.worsened.length})`));
    for (const x of f.introduced) finding('+', 'red', x);
    for (const w of f.worsened) finding('+', 'red', w.after, ` (was ${w.before.severity})`);
  }
  if (f.resolved.length + f.suppressed.length > 0) {
    out.push('', c('bold', `Findings resolved (${f.resolved.length + f.suppressed.length})`));
    for (const x of f.resolved) finding('-', 'green', x);
    for (const x of f.suppressed) finding('-', 'green', x, ` (suppressed: ${x.suppressed?.reason ?? ''})`);
  }
  if (f.introduced.length + f.worsened.length + f.resolved.length + f.suppressed.length === 0) out.push('', `No finding introduced or resolved (${f.unchanged} unchanged).`);

  const g = r.gates;
  if (g.newConnectivity && g.newConnectivity.opened.length > 0) {
    out.push('', c('red', `--fail-on-new-connectivity: ${g.newConnectivity.opened.length} connection(s) opened${g.newConnectivity.to !== undefined ? ` towards ${g.newConnectivity.to}` : ''}`));
  }
  if (g.findings && g.findings.failing.length > 0) out.push('', c('red', `--fail-on ${g.findings.failOn}: ${g.findings.failing.length} finding(s) introduced at or above ${g.findings.failOn}`));
  return out.join('\n');
}
