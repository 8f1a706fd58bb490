/**
 * `meshless report`: the HTML evidence report. It is one file that needs nothing
 * from the network, shows the same findings as `audit -o json` (open and
 * suppressed), carries an SVG graph and the input hashes, escapes what it
 * quotes, and prints to PDF in Chromium with the network cut off.
 *
 * The browser part is skipped, saying so, only when /usr/bin/chromium is absent.
 */
import { runCli } from './support/cli.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { reportTime } from '../src/cli/report.js';
import { htmlReport, namespaceGraphSvg, peerLabel } from '../src/report/html.js';
import { inventoryFromText } from '../src/load/text.js';
import { analyze } from '../src/netpol/analysis.js';
import { reach } from '../src/netpol/reach.js';
import { runAudit } from '../src/checks/run.js';
import { ALL_CHECKS } from '../src/checks/index.js';
import { DEFAULT_CONFIG } from '../src/checks/types.js';
import { ALL_PORTS, portRange } from '../src/netpol/ports.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium is not installed at ${CHROMIUM} (apt-get install chromium): browser checks skipped`;
const dir = mkdtempSync(join(tmpdir(), 'meshless-report-'));
// Screenshots are always taken; they replace the ones in docs/ only with
// UPDATE_SCREENSHOTS=1 (then look at them before committing).
const shots = process.env['UPDATE_SCREENSHOTS'] === '1' ? join(dirname(fileURLToPath(import.meta.url)), '../docs/screenshots') : mkdtempSync(join(tmpdir(), 'meshless-shots-'));
let browser: Browser | undefined;

const cli = runCli;

interface AuditJson {
  findings: { check: string; object: { kind: string; namespace?: string; name: string }; suppressed?: { by: string; reason: string } }[];
}
const objectName = (o: { kind: string; namespace?: string; name: string }): string => `${o.kind} ${o.namespace !== undefined ? `${o.namespace}/` : ''}${o.name}`;

before(async () => {
  if (!skip) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'] });
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('report of the demo: self-contained, the audit findings, hashes, graph; opens offline and prints to PDF', { timeout: 120_000 }, async () => {
  // A baseline that accepts one finding, so the suppressed section has something to show.
  const baseline = join(dir, 'baseline.json');
  assert.equal((await cli(['audit', 'examples/shop', '--write-baseline', baseline])).code, 0);
  const b = JSON.parse(readFileSync(baseline, 'utf8')) as { version: 1; findings: { fingerprint: string; reason: string }[] };
  const accepted = b.findings.find((f) => f.fingerprint.startsWith('ns-team-name|'))!;
  writeFileSync(baseline, JSON.stringify({ version: 1, findings: [{ ...accepted, reason: 'renaming team-green is planned for Q3 (CHG-1234)' }] }));

  const out = join(dir, 'report.html');
  const r = await cli(['report', 'examples/shop', '--baseline', baseline, '-o', out]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /wrote .*report\.html: 15 open finding\(s\), 1 suppressed/);
  const html = readFileSync(out, 'utf8');
  const a = await cli(['audit', 'examples/shop', '--baseline', baseline, '-o', 'json']);
  const audit = JSON.parse(a.out) as AuditJson;

  // Self-contained: no script, no external resource of any kind.
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<(link|img|iframe|object|embed|source|video|audio)\b/i);
  assert.doesNotMatch(html, /\b(src|href|xlink:href)\s*=\s*["']?\s*(https?:)?\/\//i);
  assert.doesNotMatch(html, /url\(\s*["']?\s*(https?:)?\/\//i);
  assert.doesNotMatch(html, /@import/i);
  assert.match(html, /<svg[\s>]/);
  // What was analysed: every input file with its SHA-256, the time, the tool version.
  for (const file of ['examples/shop/00-namespaces.yaml', 'examples/shop/networkpolicies/orders-db.yaml']) {
    const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
    assert.ok(html.includes(sha), `${file} hash ${sha}`);
  }
  assert.match(html, /meshless 0\.1\.0/);
  // Each control with the requirement it serves.
  for (const req of ['PCI-DSS 4.2.1', 'GDPR Art. 32', 'PCI-DSS 8.3.1', 'PCI-DSS 1.3.1']) assert.ok(html.includes(req), req);
  // The reachability table has the deliberate gap.
  assert.match(html, /<td>team-green<\/td><td>orders-db<\/td><td>5432\/TCP<\/td>/);

  // The same findings as audit -o json: open ones as articles, suppressed ones with their reason.
  const openExpected = audit.findings.filter((f) => !f.suppressed).map((f) => `${f.check} ${objectName(f.object)}`).sort();
  const suppressedExpected = audit.findings.filter((f) => f.suppressed).map((f) => `${f.check} ${objectName(f.object)}`).sort();
  assert.equal(suppressedExpected.length, 1);

  if (skip) return;
  const context = await browser!.newContext({ offline: true });
  const requests: string[] = [];
  await context.route('**', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  try {
    await page.goto(pathToFileURL(out).href);
    const shown = await page.evaluate<{ open: string[]; suppressed: string[]; reasons: string[]; svgs: number; arrows: number; controls: string[] }>(`(() => ({
      open: [...document.querySelectorAll('article.finding')].map((e) => e.dataset.check + ' ' + e.dataset.object),
      suppressed: [...document.querySelectorAll('tr.suppressed')].map((e) => e.dataset.check + ' ' + e.dataset.object),
      reasons: [...document.querySelectorAll('tr.suppressed td:last-child')].map((e) => e.textContent),
      svgs: document.querySelectorAll('svg').length,
      arrows: document.querySelectorAll('#graph svg path.e').length,
      controls: [...document.querySelectorAll('table.controls tbody tr')].map((tr) => tr.children[1].textContent.trim()),
    }))()`);
    assert.deepEqual([...shown.open].sort(), openExpected);
    assert.deepEqual([...shown.suppressed].sort(), suppressedExpected);
    assert.deepEqual(shown.reasons, ['renaming team-green is planned for Q3 (CHG-1234)']);
    assert.equal(shown.svgs, 1);
    assert.ok(shown.arrows > 20, `arrows: ${shown.arrows}`);
    assert.deepEqual(shown.controls, ['✘ FAIL', '✘ FAIL', '✔ PASS', '✘ FAIL']);
    assert.deepEqual(requests, [], 'the report asked the network for something');
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    assert.ok(pages >= 4, `pages: ${pages}`);
    writeFileSync(join(dir, 'report.pdf'), pdf);
    // For docs/commands/report.md: the top of the report and its graph.
    mkdirSync(shots, { recursive: true });
    await page.setViewportSize({ width: 1100, height: 1000 });
    await page.emulateMedia({ media: 'screen' });
    await page.screenshot({ path: join(shots, 'report-summary.png') });
    await page.locator('#graph').screenshot({ path: join(shots, 'report-graph.png') });
  } finally {
    await context.close();
  }
});

test('report: -o is required; - writes to stdout; the time comes from SOURCE_DATE_EPOCH when set', async () => {
  const none = await cli(['report', 'examples/shop']);
  assert.equal(none.code, 2);
  assert.match(none.err, /-o FILE is required/);
  const r = await cli(['report', 'examples/shop', '-o', '-']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^<!doctype html>/);
  assert.equal(reportTime({ SOURCE_DATE_EPOCH: '1700000000' }), '2023-11-14T22:13:20.000Z');
  assert.equal(reportTime({}, new Date('2026-01-02T03:04:05Z')), '2026-01-02T03:04:05.000Z');
});

test('htmlReport is pure and escapes what it quotes', () => {
  const yaml = `apiVersion: v1
kind: Namespace
metadata:
  name: team-blue
  annotations:
    meshless.dev/ignore: ns-team-name
    meshless.dev/ignore-reason: "<img src=x onerror=alert(1)> & more"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team-blue}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
`;
  const inv = inventoryFromText(yaml, 'in.yaml');
  const a = analyze(inv);
  const audit = runAudit(inv, a, { config: DEFAULT_CONFIG, checks: ALL_CHECKS });
  const input = {
    tool: { name: 'meshless', version: '0.1.0' },
    generatedAt: '2026-01-02T03:04:05.000Z',
    source: 'files' as const,
    paths: ['in.yaml'],
    inputs: [{ file: 'in.yaml', sha256: 'ab'.repeat(32), bytes: yaml.length }],
    summary: inv.summary,
    diagnostics: inv.diagnostics,
    audit,
    namespaceReach: reach(a, { level: 'namespace' }),
    workloadReach: reach(a, { level: 'workload' }),
    podNetwork: '10.0.0.0/8 (default)',
    counts: { namespaces: 1, workloads: 1, policies: 0 },
  };
  const html = htmlReport(input);
  assert.equal(htmlReport(input), html, 'same input, same report');
  assert.ok(audit.findings.some((f) => f.suppressed?.reason.includes('<img')));
  assert.ok(!html.includes('<img'), 'the reason is escaped');
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt; &amp; more'));
  // Not isolated at all: the namespace carries ⚠ in the graph, and any-port arrows are drawn wide.
  assert.match(html, /⚠ team-blue/);
  assert.match(html, /class="e wide"/);
});

test('the static graph: deterministic, every connection an arrow, outside peers named', () => {
  const internet = 'ip:0.0.0.0/0 except 10.0.0.0/8';
  const r = {
    level: 'namespace' as const,
    endpoints: ['a', 'b'],
    external: [{ id: internet, cidrs: ['0.0.0.0/5'] }, { id: 'ip:other', cidrs: ['::/0'] }],
    allowed: [{ from: internet, to: 'b', ports: ALL_PORTS }, { from: 'a', to: 'b', ports: portRange('TCP', 443) }],
  };
  const svg = namespaceGraphSvg(r, new Set(['b']));
  assert.equal(svg, namespaceGraphSvg(r, new Set(['b'])));
  assert.match(svg, /internet/);
  assert.doesNotMatch(svg, /other addresses/, 'a peer no connection touches is left out');
  assert.match(svg, /⚠ b/);
  assert.equal((svg.match(/<path class="e/g) ?? []).length, 2);
  assert.equal((svg.match(/<path class="e wide"/g) ?? []).length, 1);
  assert.equal(peerLabel('ip:10.0.0.2/32').label, '10.0.0.2/32');
  assert.deepEqual(peerLabel('ip:0.0.0.0/0 except 10.0.0.0/8'), { label: 'internet', internet: true });
  assert.equal(peerLabel('ip:10.0.0.0/8, 172.16.0.0/12 except 10.244.0.0/16').label, '10.0.0.0/8 …');
  const many = { ...r, endpoints: Array.from({ length: 200 }, (_, i) => `ns-${i}`) };
  assert.match(namespaceGraphSvg(many, new Set()), /too many to draw legibly/);
});
