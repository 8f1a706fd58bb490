/** The terminal view of an audit: controls first, then findings with fixes. Colour only when asked (a TTY). */
import type { AuditResult, ControlState } from '../checks/run.js';
import { CONTROLS, objectText, type Severity } from '../checks/types.js';
import { table } from './reach.js';
import { checkDocLine } from './checks-doc.js';

const COLOURS = { red: 31, yellow: 33, green: 32, grey: 90, bold: 1 } as const;

export function auditTable(r: AuditResult, opts: { colour: boolean; fixes: boolean }): string {
  const c = (k: keyof typeof COLOURS, s: string): string => (opts.colour ? `\u001b[${COLOURS[k]}m${s}\u001b[0m` : s);
  const stateText: Record<ControlState, string> = { pass: c('green', 'PASS'), partial: c('yellow', 'PARTIAL'), fail: c('red', 'FAIL'), unknown: c('grey', 'UNKNOWN') };
  const sevText = (s: Severity): string => (s === 'critical' || s === 'high' ? c('red', s.toUpperCase()) : s === 'medium' ? c('yellow', s.toUpperCase()) : s.toUpperCase());
  const out: string[] = [c('bold', 'Controls')];
  out.push(table(CONTROLS.map((k) => [`  ${k}`, stateText[r.controls[k].status], r.controls[k].note])));
  if (r.workloads.length > 0) {
    const yn = (v: boolean | null): string => (v === null ? '-' : v ? 'yes' : c('red', 'no'));
    out.push('', c('bold', 'Workloads'));
    out.push(table([['  WORKLOAD', 'EXPOSED', 'AUTH', 'TLS', 'NODE-ENC', 'INGRESS-ISO', 'EGRESS-ISO'], ...r.workloads.map((w) => [`  ${w.id}`, w.exposed ? 'yes' : 'no', yn(w.authenticated), yn(w.tls), yn(w.nodeEncryption), yn(w.ingressIsolated), yn(w.egressIsolated)])]));
  }
  const open = r.findings.filter((f) => !f.suppressed);
  out.push('', c('bold', `Findings: ${open.length} open, ${r.findings.length - open.length} suppressed`));
  for (const f of open) {
    const where = f.object.file ? `${f.object.file}:${f.object.line ?? 1}` : '';
    out.push(`  ${sevText(f.severity)} ${f.check}  ${objectText(f.object)}  ${c('grey', where)}`);
    out.push(`    ${f.message}`);
    if (opts.fixes) out.push(...f.fix.trimEnd().split('\n').map((l, i) => (i === 0 ? `    fix: ${l}` : `         ${l}`)));
    out.push(`    ${c('grey', checkDocLine(f.check))}`);
  }
  for (const e of r.errors) out.push(c('red', `  error: ${e.message}`));
  return out.join('\n');
}
