/** Markdown: the controls, the workload table, then every finding with its fix. For PR comments and reports. */
import type { AuditResult, ControlState } from '../checks/run.js';
import { CONTROLS, objectText } from '../checks/types.js';
import { checkDocUri } from './checks-doc.js';

const ICON: Record<ControlState, string> = { pass: '✅ pass', partial: '🟡 partial', fail: '❌ fail', unknown: '❔ unknown' };
const yn = (v: boolean | null): string => (v === null ? '–' : v ? 'yes' : '**no**');
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function auditMarkdown(r: AuditResult): string {
  const out: string[] = ['## meshless audit', '', '| Control | Status | Open findings | Note |', '| --- | --- | --- | --- |'];
  for (const c of CONTROLS) {
    const s = r.controls[c];
    out.push(`| ${c} | ${ICON[s.status]} | ${s.findings}${s.suppressed ? ` (+${s.suppressed} suppressed)` : ''} | ${cell(s.note)} |`);
  }
  if (r.workloads.length > 0) {
    out.push('', '### Workloads', '', '| Workload | Exposed | Authenticated | TLS at edge | Node encryption | Ingress isolated | Egress isolated |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const w of r.workloads) {
      out.push(`| ${w.id} | ${w.exposed ? 'yes' : 'no'} | ${yn(w.authenticated)} | ${yn(w.tls)} | ${yn(w.nodeEncryption)} | ${yn(w.ingressIsolated)} | ${yn(w.egressIsolated)} |`);
    }
  }
  const open = r.findings.filter((f) => !f.suppressed);
  out.push('', `### Findings (${open.length} open, ${r.findings.length - open.length} suppressed)`, '');
  if (open.length > 0) {
    out.push('| Severity | Check | Object | Message |', '| --- | --- | --- | --- |');
    for (const f of open) {
      const where = f.object.file ? ` (${f.object.file}:${f.object.line ?? 1})` : '';
      out.push(`| ${f.severity} | [\`${f.check}\`](${checkDocUri(f.check)}) | ${objectText(f.object)}${cell(where)} | ${cell(f.message)} |`);
    }
    out.push('', '<details><summary>Fixes</summary>', '');
    for (const f of open) {
      out.push(`#### \`${f.check}\` — ${objectText(f.object)}`, '', f.message, '', `*Why:* ${f.why}${f.requirements.length ? ` (${f.requirements.join(', ')})` : ''}`, '', '```yaml', f.fix.trimEnd(), '```', '');
    }
    out.push('</details>');
  }
  const sup = r.findings.filter((f) => f.suppressed);
  if (sup.length > 0) {
    out.push('', '<details><summary>Suppressed findings</summary>', '', '| Check | Object | By | Reason |', '| --- | --- | --- | --- |');
    for (const f of sup) out.push(`| \`${f.check}\` | ${objectText(f.object)} | ${f.suppressed!.by} | ${cell(f.suppressed!.reason)} |`);
    out.push('', '</details>');
  }
  return `${out.join('\n')}\n`;
}
