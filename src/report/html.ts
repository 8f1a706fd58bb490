/**
 * `meshless report`: one self-contained HTML file for auditors and change
 * boards. All CSS inline, no script, no font, image or other resource from the
 * network; readable on screen and printed to PDF. Pure: the CLI passes in the
 * time, the input hashes and the tool version.
 */
import type { AuditResult, ControlState } from '../checks/run.js';
import { CONTROLS, objectText, type Control, type Finding } from '../checks/types.js';
import type { Diagnostic } from '../model/diagnostics.js';
import type { LoadSummary } from '../model/inventory.js';
import { formatPorts, isAll } from '../netpol/ports.js';
import type { ReachResult } from '../netpol/reach.js';

export interface HtmlReportInput {
  readonly tool: { readonly name: string; readonly version: string };
  /** ISO 8601, from the caller's clock. */
  readonly generatedAt: string;
  readonly source: 'files' | 'cluster';
  /** The paths as given on the command line (or `cluster:<context>`). */
  readonly paths: readonly string[];
  /** Every input file read, with its SHA-256 (hex) and size. */
  readonly inputs: readonly { readonly file: string; readonly sha256: string; readonly bytes: number }[];
  readonly summary: LoadSummary;
  readonly diagnostics: readonly Diagnostic[];
  readonly audit: AuditResult;
  readonly namespaceReach: ReachResult;
  /** Workload-level connectivity, when the cluster is small enough to list it. */
  readonly workloadReach?: ReachResult;
  readonly podNetwork: string;
  readonly counts: { readonly namespaces: number; readonly workloads: number; readonly policies: number };
  /** Audit settings that change the result (network team, config file, baseline file). */
  readonly settings?: readonly string[];
  /** The policy layers evaluated besides NetworkPolicy, tier by tier, and the kinds left out. */
  readonly layers?: LayersSummary;
}

export interface LayersSummary {
  readonly tiers: readonly { readonly label: string; readonly order: number; readonly defaultAction: 'deny' | 'pass'; readonly policies: readonly { readonly label: string; readonly file: string; readonly line: number }[] }[];
  readonly unevaluated: readonly { readonly kind: string; readonly who: string; readonly count: number }[];
}

/** The policy layers, in the order the cluster evaluates them. */
function layersSection(l: LayersSummary | undefined): string {
  if (!l || (l.tiers.every((t) => t.policies.length === 0) && l.unevaluated.length === 0)) return '';
  const rows = l.tiers
    .filter((t) => t.policies.length > 0)
    .map((t) => `<tr><td>${esc(t.label)}</td><td class="num">${t.order.toLocaleString('en')}</td><td>${t.defaultAction === 'deny' ? 'Deny' : 'Pass'}</td><td>${t.policies.map((p) => `${esc(p.label)} <span class="where">${esc(p.file)}:${p.line}</span>`).join('<br>')}</td></tr>`)
    .join('\n');
  const out = l.unevaluated.map((u) => `<li>${u.count} ${esc(u.kind)} (${esc(u.who)}): not evaluated — connectivity may differ from what this report shows</li>`).join('');
  return `<section id="layers"><h2>Policy layers</h2>
<p class="note">Each connection is judged at the source (egress) and at the destination (ingress), tier by tier in this order; the first rule that matches decides, Pass hands over to the next tier, and a tier that selects the pod but decides nothing applies its default action. NetworkPolicies sit in the NetworkPolicy tier.</p>
<table><thead><tr><th>Tier</th><th>Order</th><th>Default</th><th>Policies</th></tr></thead><tbody>
${rows}
</tbody></table>${out ? `<ul>${out}</ul>` : ''}
</section>`;
}

/** What each requirement a control serves asks for, in one line (our paraphrase). */
export const REQUIREMENT_TEXT: Readonly<Record<string, string>> = {
  'PCI-DSS 1.3.1': 'inbound traffic to the cardholder data environment is limited to what is necessary; everything else is denied',
  'PCI-DSS 1.4.1': 'network security controls sit between trusted and untrusted networks',
  'PCI-DSS 4.2.1': 'strong cryptography protects cardholder data while it is sent over open, public networks',
  'PCI-DSS 8.3.1': 'every user access to system components is authenticated',
  'GDPR Art. 32': 'security of processing: appropriate technical measures, such as encryption, keep personal data confidential',
};

const CONTROL_TITLE: Readonly<Record<Control, string>> = {
  authentication: 'Authentication at the edge',
  'ingress-encryption': 'Ingress encryption (TLS at the edge)',
  'in-cluster-encryption': 'In-cluster encryption (node to node)',
  segregation: 'Segregation (NetworkPolicies, RBAC, namespaces)',
};

const CONTROL_WHAT: Readonly<Record<Control, string>> = {
  authentication: 'Every application exposed to the outside sits behind an authenticating proxy (oauth2-proxy through ingress-nginx auth-url, or a Gateway API SecurityPolicy with extAuth/OIDC), unless it is marked public with a reason.',
  'ingress-encryption': 'Every exposed host terminates TLS at the edge with a certificate from cert-manager (or another named source), and plain HTTP only redirects.',
  'in-cluster-encryption': 'Pod traffic between nodes is encrypted by the CNI (WireGuard or IPsec).',
  segregation: 'Every workload is isolated by NetworkPolicies for ingress (and egress), namespaces have a default deny, only the network team may edit NetworkPolicies, and namespaces are named by the service they provide.',
};

const STATUS: Readonly<Record<ControlState, { mark: string; text: string }>> = {
  pass: { mark: '✔', text: 'PASS' },
  partial: { mark: '◐', text: 'PARTIAL' },
  fail: { mark: '✘', text: 'FAIL' },
  unknown: { mark: '?', text: 'UNKNOWN' },
};

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A short name for an outside peer (`ip:...`), for graphs; `internet` for the public address space. */
export function peerLabel(id: string): { label: string; internet: boolean } {
  if (id === 'ip:other') return { label: 'other addresses', internet: false };
  const text = id.startsWith('ip:') ? id.slice(3) : id;
  const internet = text.startsWith('0.0.0.0/0') || text.startsWith('::/0');
  if (internet) return { label: 'internet', internet };
  const first = text.split(/,| except /)[0]!.trim();
  return { label: first === text ? text : `${first} …`, internet };
}

function where(f: Pick<Finding, 'object'>): string {
  return f.object.file !== undefined ? `${f.object.file}${f.object.line !== undefined ? `:${f.object.line}` : ''}` : '';
}

const findingAnchor = (i: number): string => `finding-${i + 1}`;

function statusBadge(s: ControlState): string {
  return `<span class="status ${s}">${STATUS[s].mark} ${STATUS[s].text}</span>`;
}

function requirementList(reqs: readonly string[]): string {
  return `<ul class="reqs">${reqs
    .map((r) => {
      const key = r.replace(/ \(.*\)$/, '');
      const text = REQUIREMENT_TEXT[key];
      return `<li><b>${esc(r)}</b>${text ? ` — ${esc(text)}` : ''}</li>`;
    })
    .join('')}</ul>`;
}

// ---- the graph ---------------------------------------------------------------

const ROW = 24;
const MAX_GRAPH_NODES = 150;

/**
 * The namespace graph as a static SVG, laid out deterministically: every peer
 * once on the left (as a source) and once on the right (as a destination), an
 * arrow for each allowed connection. Nothing overlaps, loops are plain arrows,
 * and it prints in black and white: wide-open connections (any port) are thick
 * and dashed, outside peers are drawn with a double border, namespaces with a
 * workload that is not isolated carry ⚠ and a dashed border.
 */
export function namespaceGraphSvg(r: ReachResult, open: ReadonlySet<string>): string {
  // Outside peers no connection touches say nothing here.
  const touched = new Set(r.allowed.flatMap((e) => [e.from, e.to]));
  const external = r.external.map((x) => x.id).filter((id) => touched.has(id));
  const nodes = [...external.filter((id) => peerLabel(id).internet), ...external.filter((id) => !peerLabel(id).internet), ...r.endpoints];
  if (nodes.length > MAX_GRAPH_NODES) {
    return `<svg role="img" aria-label="graph omitted" viewBox="0 0 600 40" width="600" height="40"><text x="0" y="24" class="g-note">${nodes.length} peers are too many to draw legibly: the reachability table lists every connection.</text></svg>`;
  }
  const label = (id: string): string => {
    const base = id.startsWith('ip:') ? peerLabel(id).label : id;
    const text = base.length > 34 ? `${base.slice(0, 33)}…` : base;
    return open.has(id) ? `⚠ ${text}` : text;
  };
  const width = Math.max(120, Math.min(280, Math.max(...nodes.map((n) => label(n).length)) * 7 + 20));
  const gap = 320;
  const top = 34;
  const height = top + nodes.length * ROW + 10;
  const total = width * 2 + gap;
  const index = new Map(nodes.map((n, i) => [n, i]));
  const y = (i: number): number => top + i * ROW + ROW / 2;
  const box = (id: string, i: number, x: number): string => {
    const cls = id.startsWith('ip:') ? 'n ext' : open.has(id) ? 'n open' : 'n';
    const title = id.startsWith('ip:') ? `<title>${esc(id)}</title>` : '';
    const inner = id.startsWith('ip:') ? `<rect class="${cls}" x="${x + 3}" y="${y(i) - ROW / 2 + 5}" width="${width - 6}" height="${ROW - 10}" rx="3"/>` : '';
    return `<g>${title}<rect class="${cls}" x="${x}" y="${y(i) - ROW / 2 + 2}" width="${width}" height="${ROW - 4}" rx="4"/>${inner}<text x="${x + 8}" y="${y(i) + 4}">${esc(label(id))}</text></g>`;
  };
  const lines: string[] = [];
  for (const e of r.allowed) {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined) continue;
    const x1 = width;
    const x2 = width + gap - 6;
    const y1 = y(a);
    const y2 = y(b);
    const wide = isAll(e.ports);
    const ports = formatPorts(e.ports).join(', ');
    lines.push(`<path class="${wide ? 'e wide' : 'e'}" d="M${x1},${y1} C${x1 + gap / 2},${y1} ${x2 - gap / 2},${y2} ${x2},${y2}" marker-end="url(#arrow)"><title>${esc(`${e.from} → ${e.to}: ${ports}`)}</title></path>`);
  }
  return [
    `<svg role="img" aria-label="allowed connections between namespaces" viewBox="0 0 ${total} ${height}" width="${total}" height="${height}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
    `<text x="0" y="16" class="g-head">FROM (source)</text><text x="${width + gap}" y="16" class="g-head">TO (destination)</text>`,
    ...lines,
    ...nodes.map((n, i) => box(n, i, 0)),
    ...nodes.map((n, i) => box(n, i, width + gap)),
    '</svg>',
  ].join('\n');
}

// ---- sections ----------------------------------------------------------------

function analysedSection(r: HtmlReportInput): string {
  const s = r.summary;
  const skipped = Object.entries(s.skipped).map(([k, n]) => `${esc(k)}: ${n}`).join(', ');
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = r.diagnostics.filter((d) => d.severity === 'warning').length;
  const files =
    r.source === 'files'
      ? `<table class="files"><thead><tr><th>Input file</th><th>Bytes</th><th>SHA-256</th></tr></thead><tbody>${r.inputs
          .map((i) => `<tr><td>${esc(i.file)}</td><td class="num">${i.bytes}</td><td class="hash">${i.sha256}</td></tr>`)
          .join('')}</tbody></table>`
      : `<p>Read from the live cluster <b>${esc(r.paths.join(', '))}</b> through its API at the time above; there are no files to hash.</p>`;
  return `<section id="analysed"><h2>What was analysed</h2>
<table class="kv"><tbody>
<tr><th>Report generated</th><td>${esc(r.generatedAt)}</td></tr>
<tr><th>Tool</th><td>${esc(r.tool.name)} ${esc(r.tool.version)}</td></tr>
<tr><th>Input</th><td>${esc(r.paths.join(' '))}</td></tr>
<tr><th>Objects</th><td>${s.read} read, ${s.used} used${skipped ? `, skipped: ${skipped}` : ''}</td></tr>
<tr><th>Scope</th><td>${r.counts.namespaces} namespaces, ${r.counts.workloads} workloads, ${r.counts.policies} NetworkPolicies${r.layers ? `, ${r.layers.tiers.reduce((n, t) => n + t.policies.length, 0)} cluster-wide or CNI policies` : ''}</td></tr>
<tr><th>Pod network</th><td>${esc(r.podNetwork)}</td></tr>
<tr><th>Input problems</th><td>${errors} error(s), ${warnings} warning(s)${errors + warnings > 0 ? ' — listed at the end' : ''}</td></tr>
<tr><th>Checks run</th><td>${r.audit.checksRun}</td></tr>
${(r.settings ?? []).map((x) => `<tr><th>Setting</th><td>${esc(x)}</td></tr>`).join('\n')}
</tbody></table>
${files}
</section>`;
}

function summarySection(r: HtmlReportInput): string {
  const rows = CONTROLS.map((c) => {
    const s = r.audit.controls[c];
    return `<tr><td><a href="#control-${c}">${esc(CONTROL_TITLE[c])}</a></td><td>${statusBadge(s.status)}</td><td class="num">${s.findings}</td><td class="num">${s.suppressed}</td><td>${esc(s.requirements.join('; '))}</td><td>${esc(s.note)}</td></tr>`;
  }).join('\n');
  return `<section id="summary"><h2>The four controls</h2>
<table class="controls"><colgroup><col style="width:19%"><col style="width:12%"><col style="width:9%"><col style="width:12%"><col style="width:19%"><col style="width:29%"></colgroup><thead><tr><th>Control</th><th>Status</th><th>Open findings</th><th>Suppressed</th><th>Serves</th><th>Evidence</th></tr></thead><tbody>
${rows}
</tbody></table>
<p class="legend">Status: ✔ PASS no open finding · ◐ PARTIAL only medium or low findings · ✘ FAIL a high or critical finding · ? UNKNOWN the input lacks the evidence (the note says what to include). Info findings do not count.</p>
</section>`;
}

/** The entry points with the one column a control is about: authentication or TLS at the edge. */
function entryPointTable(r: HtmlReportInput, column: 'auth' | 'tls'): string {
  const eps = r.audit.entryPoints;
  if (eps.length === 0) return '<p>No entry point (Ingress, Gateway API route, Traefik IngressRoute) in the input.</p>';
  const rows = eps.map((e) => {
    const route = e.route;
    const value =
      column === 'auth'
        ? e.authenticated ? `yes — ${esc(e.authBy ?? 'authenticated')}` : e.publicReason !== undefined ? `public on purpose: ${esc(e.publicReason)}` : '<b>NO</b>'
        : e.tls ? `yes — ${esc(e.tlsBy ?? 'TLS')}` : '<b>NO</b>';
    return `<tr><td>${esc(e.host)}${esc(e.path ?? '')}</td><td>${esc(e.via)}</td><td>${esc(route.object.kind)} ${esc(route.object.metadata.namespace ?? '')}/${esc(route.object.metadata.name)}<br><span class="src">${esc(route.source.file)}:${route.source.line}</span></td><td>${esc(e.service.namespace)}/${esc(e.service.name)}</td><td>${value}</td></tr>`;
  });
  return `<table class="eps"><colgroup><col style="width:22%"><col style="width:12%"><col style="width:26%"><col style="width:16%"><col style="width:24%"></colgroup><thead><tr><th>Host and path</th><th>Via</th><th>Route</th><th>Backend Service</th><th>${column === 'auth' ? 'Authenticated' : 'TLS at the edge'}</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function segregationEvidence(r: HtmlReportInput): string {
  const w = r.audit.workloads;
  const notIn = w.filter((x) => !x.ingressIsolated);
  const notEg = w.filter((x) => !x.egressIsolated);
  const MAX = 200;
  const list = (xs: typeof w): string =>
    xs.length === 0 ? 'none' : `${xs.slice(0, MAX).map((x) => `<code>${esc(x.id)}</code>`).join(', ')}${xs.length > MAX ? ` … and ${xs.length - MAX} more` : ''}`;
  return `<p>${w.length} workloads: ${w.length - notIn.length} isolated for ingress, ${w.length - notEg.length} isolated for egress.</p>
<p><b>Not isolated for ingress</b> (anyone may connect): ${list(notIn)}</p>
<p><b>Not isolated for egress</b> (may connect anywhere): ${list(notEg)}</p>`;
}

function controlSection(r: HtmlReportInput, c: Control, findingIndex: ReadonlyMap<Finding, number>): string {
  const s = r.audit.controls[c];
  let evidence: string;
  if (c === 'authentication' || c === 'ingress-encryption') evidence = entryPointTable(r, c === 'authentication' ? 'auth' : 'tls');
  else if (c === 'in-cluster-encryption') {
    const cni = r.audit.cni;
    evidence = `<table class="kv"><tbody><tr><th>CNI</th><td>${esc(cni.cni ?? 'not shown by the input')}</td></tr><tr><th>Encryption</th><td>${esc(cni.encryption)}</td></tr><tr><th>Evidence</th><td>${esc(cni.note)}${cni.evidence ? ` (${esc(cni.evidence.object.kind)} ${esc(cni.evidence.object.metadata.name)}, <span class="src">${esc(cni.evidence.source.file)}:${cni.evidence.source.line}</span>)` : ''}</td></tr></tbody></table>`;
  } else evidence = segregationEvidence(r);
  const mine = r.audit.findings.filter((f) => f.control === c && !f.suppressed);
  const list =
    mine.length === 0
      ? '<p>No open findings.</p>'
      : `<ul class="flist">${mine.map((f) => `<li><a href="#${findingAnchor(findingIndex.get(f)!)}">#${findingIndex.get(f)! + 1}</a> <span class="sev ${f.severity}">${f.severity.toUpperCase()}</span> ${esc(f.message)}</li>`).join('')}</ul>`;
  return `<section class="control" id="control-${c}"><h3>${esc(CONTROL_TITLE[c])} ${statusBadge(s.status)}</h3>
<p>${esc(CONTROL_WHAT[c])}</p>
<p><b>Serves:</b></p>${requirementList(s.requirements)}
<p><b>Result:</b> ${esc(s.note)}</p>
<h4>Evidence</h4>
${evidence}
<h4>Open findings (${mine.length})</h4>
${list}
</section>`;
}

function reachTable(rr: ReachResult, caption: string): string {
  const label = (id: string): string => (id.startsWith('ip:') ? `${esc(peerLabel(id).label)}<br><span class="src">${esc(id)}</span>` : esc(id));
  const rows = rr.allowed.map((e) => {
    const ports = formatPorts(e.ports);
    const wide = isAll(e.ports);
    return `<tr><td>${label(e.from)}</td><td>${label(e.to)}</td><td>${wide ? '<b>any port</b>' : esc(ports.join(', '))}</td></tr>`;
  });
  return `<table class="reach"><caption>${esc(caption)}</caption><thead><tr><th>From</th><th>To</th><th>Ports</th></tr></thead><tbody>${rows.length ? rows.join('') : '<tr><td colspan="3">no allowed connections</td></tr>'}</tbody></table>`;
}

function findingBlock(f: Finding, i: number): string {
  const loc = where(f);
  return `<article class="finding" id="${findingAnchor(i)}" data-check="${esc(f.check)}" data-object="${esc(objectText(f.object))}">
<h4>#${i + 1} <span class="sev ${f.severity}">${f.severity.toUpperCase()}</span> <code>${esc(f.check)}</code> — ${esc(objectText(f.object))}</h4>
<p class="meta">control: ${esc(f.control)}${loc ? ` · <span class="src">${esc(loc)}</span>` : ''}${f.path !== undefined ? ` · field <code>${esc(f.path)}</code>` : ''}${f.requirements.length ? ` · ${esc(f.requirements.join(', '))}` : ''}</p>
<p>${esc(f.message)}</p>
<p><b>Why it matters:</b> ${esc(f.why)}</p>
<p><b>Fix:</b></p>
<pre>${esc(f.fix.trimEnd())}</pre>
</article>`;
}

const CSS = `
:root { --fg: #111; --muted: #555; --line: #bbb; --bad: #a40000; --ok: #0a5d00; --warn: #7a5200; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; color: var(--fg); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; border-bottom: 2px solid var(--fg); padding-bottom: 3px; margin-top: 32px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
h4 { font-size: 14px; margin: 14px 0 4px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { overflow-wrap: normal; }
table.eps, table.reach, table.supp, table.controls { table-layout: fixed; }
thead th { background: #eee; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
table.kv th { width: 180px; background: #f6f6f6; }
td.num { text-align: right; white-space: nowrap; }
td.hash { font: 11px/1.3 "DejaVu Sans Mono", monospace; word-break: break-all; }
code, pre, .src { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
.src { color: var(--muted); }
pre { background: #f6f6f6; border: 1px solid var(--line); padding: 8px; white-space: pre-wrap; word-break: break-word; margin: 4px 0 0; }
.status { display: inline-block; border: 2px solid currentColor; border-radius: 4px; padding: 0 6px; font-weight: bold; white-space: nowrap; }
.status.pass { color: var(--ok); } .status.fail { color: var(--bad); } .status.partial { color: var(--warn); border-style: dashed; } .status.unknown { color: var(--muted); border-style: dotted; }
.sev { font-weight: bold; font-size: 11px; border: 1px solid currentColor; border-radius: 3px; padding: 0 4px; }
.sev.critical, .sev.high { color: var(--bad); } .sev.medium { color: var(--warn); } .sev.low, .sev.info { color: var(--muted); }
.finding { border-left: 4px solid var(--line); padding: 2px 0 8px 12px; margin: 14px 0; }
.finding .meta { color: var(--muted); margin: 0; }
.legend, .note { color: var(--muted); font-size: 12px; }
ul.reqs { margin: 2px 0; } ul.flist { padding-left: 18px; }
.graph { overflow-x: auto; border: 1px solid var(--line); padding: 8px; }
.graph svg { max-width: 100%; height: auto; }
svg text { font: 12px "DejaVu Sans", Arial, sans-serif; fill: #111; }
svg .g-head { font-weight: bold; }
svg rect.n { fill: #fff; stroke: #111; stroke-width: 1.2; }
svg rect.n.open { stroke-dasharray: 4 3; stroke-width: 2; }
svg rect.n.ext { fill: #f2f2f2; }
svg path.e { fill: none; stroke: #333; stroke-width: 1; opacity: 0.75; }
svg path.e.wide { stroke: var(--bad); stroke-width: 2.4; stroke-dasharray: 7 4; opacity: 0.9; }
svg .arrowhead { fill: #333; }
header.cover p { margin: 2px 0; color: var(--muted); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3, h4 { break-after: avoid; page-break-after: avoid; }
  section#graph, section#reach, section#findings, section#suppressed { break-before: page; page-break-before: always; }
  tr, .finding, pre, .control > table, svg { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  .graph { overflow: visible; border: none; padding: 0; }
}
`;

/** The report: one HTML document, nothing to fetch. */
export function htmlReport(r: HtmlReportInput): string {
  const a = r.audit;
  const open = a.findings.filter((f) => !f.suppressed);
  const suppressed = a.findings.filter((f) => f.suppressed);
  const index = new Map(open.map((f, i) => [f, i]));
  const notIsolated = new Set<string>();
  for (const w of a.workloads) if (!w.ingressIsolated || !w.egressIsolated) notIsolated.add(w.namespace);
  const findings = open.length === 0 ? '<p>No open findings.</p>' : open.map((f, i) => findingBlock(f, i)).join('\n');
  const sup =
    suppressed.length === 0
      ? '<p>No finding is suppressed.</p>'
      : `<table class="supp"><colgroup><col style="width:24%"><col style="width:30%"><col style="width:12%"><col style="width:34%"></colgroup><thead><tr><th>Check</th><th>Object</th><th>Suppressed by</th><th>Reason</th></tr></thead><tbody>${suppressed
          .map((f) => `<tr class="suppressed" data-check="${esc(f.check)}" data-object="${esc(objectText(f.object))}"><td><code>${esc(f.check)}</code> <span class="sev ${f.severity}">${f.severity.toUpperCase()}</span></td><td>${esc(objectText(f.object))}<br><span class="src">${esc(where(f))}</span></td><td>${esc(f.suppressed!.by)}</td><td>${esc(f.suppressed!.reason)}</td></tr>`)
          .join('')}</tbody></table>`;
  const diags = r.diagnostics.filter((d) => d.severity !== 'info');
  const diagSection =
    diags.length === 0
      ? ''
      : `<section id="diagnostics"><h2>Input problems (${diags.length})</h2><p class="note">Objects with errors were left out of the analysis; warnings name the assumption made.</p><table><thead><tr><th>Where</th><th>Severity</th><th>Problem</th></tr></thead><tbody>${diags
          .slice(0, 500)
          .map((d) => `<tr><td class="src">${esc(d.source ? `${d.source.file}:${d.line ?? d.source.line}` : '')}</td><td>${d.severity}</td><td>[${esc(d.code)}] ${esc(d.message)}${d.hint !== undefined ? `<br><span class="note">${esc(d.hint)}</span>` : ''}</td></tr>`)
          .join('')}</tbody></table>${diags.length > 500 ? `<p class="note">… and ${diags.length - 500} more.</p>` : ''}</section>`;
  const workloadTable = r.workloadReach
    ? reachTable(r.workloadReach, `Workload level: ${r.workloadReach.allowed.length} allowed connections`)
    : `<p class="note">The workload-level table is left out: ${r.counts.workloads} workloads are too many to list here; run <code>meshless reach --level workload</code> for it.</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(r.tool.name)} ${esc(r.tool.version)}">
<title>${esc(r.tool.name)} evidence report — ${esc(r.generatedAt)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="cover">
<h1>Evidence report: authentication, encryption and segregation without a service mesh</h1>
<p>Generated ${esc(r.generatedAt)} by ${esc(r.tool.name)} ${esc(r.tool.version)} from ${esc(r.paths.join(' '))}.</p>
<p>${open.length} open finding(s), ${suppressed.length} suppressed. Every finding names the file and line it is about and the change that fixes it.</p>
</header>
${summarySection(r)}
${analysedSection(r)}
${layersSection(r.layers)}
<section id="controls"><h2>Each control, with its evidence</h2>
${CONTROLS.map((c) => controlSection(r, c, index)).join('\n')}
</section>
<section id="graph"><h2>Who may talk to whom (namespace level)</h2>
<p class="note">Every allowed connection between namespaces and the outside world (outside peers have a double border; the internet is the public address space). Thick dashed arrows allow any port. ⚠ and a dashed border: the namespace has a workload that is not isolated by NetworkPolicies.</p>
<div class="graph">${namespaceGraphSvg(r.namespaceReach, notIsolated)}</div>
</section>
<section id="reach"><h2>Reachability</h2>
${reachTable(r.namespaceReach, `Namespace level: ${r.namespaceReach.allowed.length} allowed connections`)}
${workloadTable}
</section>
<section id="findings"><h2>Findings and fixes (${open.length})</h2>
${findings}
</section>
<section id="suppressed"><h2>Suppressed findings (${suppressed.length})</h2>
<p class="note">Accepted by an annotation on the object (<code>meshless.dev/ignore</code> with <code>meshless.dev/ignore-reason</code>) or by the baseline file; counted, not hidden.</p>
${sup}
</section>
${diagSection}
<footer><p class="note">${esc(r.tool.name)} ${esc(r.tool.version)} · ${esc(r.generatedAt)}</p></footer>
</body>
</html>
`;
}
