/** Renders an explanation for a terminal. */
import type { Explanation, SideVerdict } from '../netpol/explain.js';

function sideText(s: SideVerdict): string[] {
  const head = `${s.direction === 'egress' ? 'Egress from' : 'Ingress to'} ${s.subject}: ${s.allowed ? 'allowed' : 'DENIED'}`;
  const lines = [head, `  ${s.summary}`];
  for (const p of s.policies) {
    lines.push(`  policy ${p.namespace}/${p.name} (${p.file}:${p.line})${p.typesDefaulted ? ' [policyTypes defaulted]' : ''}`);
    if (p.rules.length === 0) lines.push(`    no ${s.direction} rules: denies all ${s.direction}`);
    for (const r of p.rules) {
      const mark = r.allows ? '✔' : '✘';
      lines.push(`    ${mark} ${s.direction}[${r.index}] (${r.file}:${r.line})`);
      lines.push(`        peers: ${r.peerReason}`);
      lines.push(`        ports: ${r.portReason}`);
    }
  }
  return lines;
}

export function explainText(e: Explanation): string {
  return [e.summary, '', ...sideText(e.egress), '', ...sideText(e.ingress)].join('\n');
}
