/**
 * `diff -o markdown`: a compact pull-request comment. A summary line, the ports
 * opened and closed namespace → namespace, the pairs at the diff's level, then the
 * findings introduced and resolved. Lists longer than 20 rows fold into
 * `<details>`; long ones are cut so the comment stays under GitHub's limit.
 */
import { objectText, type Finding } from '../checks/types.js';
import { byNamespace } from '../netpol/diff.js';
import { formatPorts, type PortSet } from '../netpol/ports.js';
import { diffSummary, sideText, type DiffReport } from './diff-json.js';

/** The first line of every comment: the action finds its earlier comment by it. */
export const DIFF_COMMENT_MARKER = '<!-- meshless-diff -->';
/** Above this many rows a list folds into <details>. */
export const FOLD_ROWS = 20;
/** At most this many rows per list... */
export const MAX_ROWS = 300;
/** ...and fewer when the comment would not fit: GitHub comments end at 65,536 characters. */
export const MAX_CHARS = 60_000;

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;
const ports = (p: PortSet): string => {
  const f = formatPorts(p);
  return f.length === 0 ? '–' : f.map(code).join(', ');
};
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function tableBlock(title: string, header: readonly string[], rows: readonly (readonly string[])[], maxRows: number): string[] {
  if (rows.length === 0) return [];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.slice(0, maxRows).map((r) => `| ${r.join(' | ')} |`)];
  if (rows.length > maxRows) lines.push('', `… and ${rows.length - maxRows} more: run \`meshless diff -o json\` for the full list.`);
  if (rows.length > FOLD_ROWS) return [`<details><summary>${title} (${rows.length})</summary>`, '', ...lines, '', '</details>', ''];
  return [`**${title}**`, '', ...lines, ''];
}

/** The comment, with as many rows per list as fit in MAX_CHARS. */
export function diffMarkdown(r: DiffReport): string {
  let maxRows = MAX_ROWS;
  let text = render(r, maxRows);
  while (text.length > MAX_CHARS && maxRows > 5) {
    maxRows = Math.floor(maxRows / 2);
    text = render(r, maxRows);
  }
  return text;
}

function render(r: DiffReport, maxRows: number): string {
  const s = diffSummary(r);
  const d = r.connectivity;
  const f = r.findings;
  const gateLines: string[] = [];
  if (r.gates.newConnectivity && r.gates.newConnectivity.opened.length > 0) {
    gateLines.push(`❌ **New connectivity${r.gates.newConnectivity.to !== undefined ? ` towards ${code(r.gates.newConnectivity.to)}` : ''}:** ${plural(r.gates.newConnectivity.opened.length, 'connection')} opened (\`--fail-on-new-connectivity\`).`);
  }
  if (r.gates.findings && r.gates.findings.failing.length > 0) {
    gateLines.push(`❌ **${plural(r.gates.findings.failing.length, 'finding')} at or above ${r.gates.findings.failOn}** introduced (\`--fail-on ${r.gates.findings.failOn}\`).`);
  }
  const nothing = s.added + s.removed + s.changed === 0;
  const out: string[] = [
    DIFF_COMMENT_MARKER,
    '### meshless diff',
    '',
    `${nothing ? 'No change in connectivity' : `**${plural(s.opened, 'connection')} opened, ${plural(s.closed, 'closed', 'closed')}**`} · ` +
      `**${plural(s.findingsIntroduced, 'finding')} introduced, ${s.findingsResolved} resolved** · ${d.level} level, ${code(sideText(r.before))} → ${code(sideText(r.after))}`,
    '',
    ...(gateLines.length > 0 ? [...gateLines, ''] : []),
  ];
  if (!nothing) {
    const ns = byNamespace(d);
    out.push(...tableBlock('Connections opened and closed, namespace → namespace', ['From', 'To', 'Opened', 'Closed'], ns.map((n) => [code(n.from), code(n.to), ports(n.opened), ports(n.closed)]), maxRows));
    if (d.level !== 'namespace') {
      const rows = [
        ...d.added.map((e) => [code(e.from), code(e.to), 'added', ports(e.ports), '–']),
        ...d.changed.map((e) => [code(e.from), code(e.to), 'changed', ports(e.opened), ports(e.closed)]),
        ...d.removed.map((e) => [code(e.from), code(e.to), 'removed', '–', ports(e.ports)]),
      ];
      // The pairs are detail under the namespace summary: folded from the first row when many.
      out.push(...tableBlock(`${d.level === 'pod' ? 'Pod' : 'Workload'} pairs`, ['From', 'To', 'Change', 'Opened', 'Closed'], rows, maxRows));
    }
  }
  if (d.endpoints.added.length + d.endpoints.removed.length > 0) {
    const list = (xs: readonly string[]): string => xs.slice(0, maxRows).map(code).join(', ') + (xs.length > maxRows ? `, … (${xs.length} in all)` : '');
    if (d.endpoints.added.length > 0) out.push(`New: ${list(d.endpoints.added)}`, '');
    if (d.endpoints.removed.length > 0) out.push(`Gone: ${list(d.endpoints.removed)}`, '');
  }
  const findingRow = (x: Finding, note = ''): string[] => [x.severity + note, code(x.check), cell(objectText(x.object)), cell(x.message)];
  const introduced = [...f.introduced.map((x) => findingRow(x)), ...f.worsened.map((w) => findingRow(w.after, ` (was ${w.before.severity})`))];
  const resolved = [...f.resolved.map((x) => findingRow(x)), ...f.suppressed.map((x) => findingRow(x, ' (suppressed)'))];
  out.push(...tableBlock('Findings introduced', ['Severity', 'Check', 'Object', 'Message'], introduced, maxRows));
  out.push(...tableBlock('Findings resolved', ['Severity', 'Check', 'Object', 'Message'], resolved, maxRows));
  return `${out.join('\n').trimEnd()}\n`;
}
