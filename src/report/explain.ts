/** Renders an explanation for a terminal. */
import type { Explanation, SideVerdict } from '../netpol/explain.js';

function sideText(s: SideVerdict): string[] {
  const head = `${s.direction === 'egress' ? 'Egress from' : 'Ingress to'} ${s.subject}: ${s.allowed ? 'allowed' : 'DENIED'}`;
  const lines = [head, `  ${s.summary}`];
  if (s.layers) {
    for (const t of s.layers.tiers) {
      lines.push(`  ${t.summary}${t.applies || t.defaultAction === 'pass' ? '' : ' (no policy of the tier isolates it, so its default Deny does not apply)'}`);
      for (const r of t.rules) {
        const mark = r.decided.length > 0 ? (r.action === 'allow' ? '✔' : r.action === 'deny' ? '✘' : '→') : '·';
        lines.push(`    ${mark} ${r.policy} ${r.rule} ${r.action === 'allow' ? 'Allow' : r.action === 'deny' ? 'Deny' : r.action === 'pass' ? 'Pass' : 'Log'} (${r.file}:${r.line})`);
        lines.push(`        peers: ${r.peerReason}`);
        lines.push(`        ports: ${r.ports.join(', ') || 'none'}${r.decided.length > 0 ? `; decided ${r.decided.join(', ')}` : ''}`);
        if (r.note) lines.push(`        note: ${r.note}`);
      }
    }
    if (s.layers.fallthrough.length > 0) lines.push(`  no tier decided ${s.layers.fallthrough.join(', ')}: allowed`);
    return lines;
  }
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
  // Asked about one port, the summary already says when its protocol is dropped.
  const dropped = e.port === undefined ? (e.dropped ?? []).map((d) => `datapath: ${d}`) : [];
  return [e.summary, ...dropped, '', ...sideText(e.egress), '', ...sideText(e.ingress)].join('\n');
}
