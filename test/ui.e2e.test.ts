/**
 * `meshless serve` end to end in a real browser: Debian's Chromium driven by
 * playwright-core against the real server as a process. The demo's controls,
 * an edge's explanation, a workload's findings, diff mode, and reloading when a
 * file changes. Screenshots of the main views go to docs/screenshots/. (The
 * timing run on the M synthetic cluster is in bench/ui-first-view.ts, run by
 * `npm run bench`.)
 *
 * Skipped, saying so, only when /usr/bin/chromium is absent (CI installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, skip, shots, EDGE, temps, serve, stop, newPage, clickGraph, audit, useBrowser } from './support/browser.js';

useBrowser();

test('the demo: the four controls as audit says, an edge explained, a workload and its findings', { skip, timeout: 120_000 }, async () => {
  const expected = await audit('examples/shop');
  const s = await serve(['examples/shop']);
  const page = await newPage();
  try {
    await page.goto(s.url);
    await page.waitForSelector('body[data-ready="workload"]', { timeout: 30_000 });

    // The controls: status and count as `audit -o json` has them (authentication, ingress-encryption
    // and segregation fail; in-cluster encryption passes on the demo).
    for (const [control, c] of Object.entries(expected.controls)) {
      const el = page.locator(`.control[data-control="${control}"]`);
      assert.equal(await el.getAttribute('data-status'), c.status, control);
      assert.equal(await el.locator('.control-count').getAttribute('data-count'), String(c.findings), control);
      assert.match((await el.textContent()) ?? '', new RegExp(c.status.toUpperCase()));
    }
    assert.deepEqual(
      Object.fromEntries(Object.entries(expected.controls).map(([k, v]) => [k, v.status])),
      { authentication: 'fail', 'ingress-encryption': 'fail', 'in-cluster-encryption': 'pass', segregation: 'fail' },
    );
    // Not-isolated workloads are told apart by class (shape, border) and an icon in the label.
    const reporting = await page.evaluate<{ cls: string[]; label: string; shape: string; border: string }>(`(() => { const n = window.__meshless.graph.cy.getElementById('team-green/deployment/reporting'); return { cls: n.classes(), label: n.data('label'), shape: n.style('shape'), border: n.style('border-style') }; })()`);
    assert.ok(reporting.cls.includes('open') && reporting.label.startsWith('⚠'), JSON.stringify(reporting));
    assert.equal(reporting.border, 'dashed');
    const payments = await page.evaluate<{ label: string; border: string; shape: string }>(`(() => { const n = window.__meshless.graph.cy.getElementById('payments/deployment/payments'); return { label: n.data('label'), border: n.style('border-style'), shape: n.style('shape') }; })()`);
    assert.ok(payments.label.startsWith('✔') && payments.border === 'solid' && payments.shape !== reporting.shape, JSON.stringify(payments));
    await page.screenshot({ path: join(shots, 'serve-controls-graph.png') });

    // A control is clickable: its findings.
    await page.click('.control[data-control="segregation"]');
    await page.waitForSelector('#findings-list');
    assert.equal(await page.locator('#findings-list .finding').count(), expected.controls['segregation']!.findings);

    // Click the edge team-green reporting → orders-db: ALLOWED, by allow-data-namespaces-to-orders-db, with its file and line.
    await clickGraph(page, EDGE);
    await page.waitForSelector('#verdict', { timeout: 10_000 });
    assert.match((await page.textContent('#verdict')) ?? '', /ALLOWED/);
    assert.match((await page.textContent('#explain-summary')) ?? '', /team-green\/deployment\/reporting → orders-db\/statefulset\/orders-db/);
    const policy = page.locator('.policy[data-policy="orders-db/allow-data-namespaces-to-orders-db"]');
    assert.equal(await policy.count(), 1);
    const link = policy.locator('ul.rules li.allows a.src').first();
    assert.match((await link.textContent()) ?? '', /networkpolicies\/orders-db\.yaml:\d+/);
    await page.screenshot({ path: join(shots, 'serve-explain.png') });
    // The link opens the file at that line.
    await link.click();
    await page.waitForSelector('#source-hit');
    assert.match((await page.textContent('#source-hit')) ?? '', /from:|ingress|namespaceSelector/);
    await page.click('#source-close');

    // A workload: its isolation and its findings with fixes.
    await page.click('#fit');
    await clickGraph(page, 'team-green/deployment/reporting');
    await page.waitForSelector('#workload-title');
    assert.equal(await page.textContent('#workload-title'), 'reporting');
    const panel = (await page.textContent('#panel')) ?? '';
    for (const check of ['seg-workload-not-isolated-ingress', 'seg-workload-not-isolated-egress', 'seg-data-egress-internet']) assert.ok(panel.includes(check), check);
    assert.match(panel, /not isolated for ingress/);
    await page.locator('#panel details').first().evaluate('(d) => { d.open = true; }');
    await page.screenshot({ path: join(shots, 'serve-workload.png') });

    // Pick two endpoints: the explain form gives the same answer with a port.
    await page.click('#pick');
    await page.fill('#explain-form input[name=from]', 'storefront/deployment/storefront');
    await page.fill('#explain-form input[name=to]', 'orders-db/statefulset/orders-db');
    await page.fill('#explain-form input[name=port]', '5432');
    await page.click('#explain-form button[type=submit]');
    await page.waitForFunction(`document.querySelector('#explain-summary')?.textContent.includes('storefront')`);
    assert.match((await page.textContent('#verdict')) ?? '', /DENIED/);

    // Search marks what matches; the label filter keeps the matches and their peers.
    await page.fill('#search', 'orders-db');
    const matches = await page.evaluate<string[]>(`window.__meshless.graph.cy.nodes('.match').map((n) => n.id())`);
    assert.deepEqual(matches.sort(), ['ns:orders-db', 'orders-db/statefulset/orders-db']);
    await page.fill('#search', '');
    await page.fill('#label-filter', 'app.kubernetes.io/name=orders-db');
    await page.press('#label-filter', 'Enter');
    await page.waitForFunction(`window.__meshless.graph.cy.nodes('.workload').length < 10`);
    const kept = await page.evaluate<string[]>(`window.__meshless.graph.cy.nodes('.workload').map((n) => n.id())`);
    assert.ok(kept.includes('orders-db/statefulset/orders-db') && kept.includes('team-green/deployment/reporting') && !kept.includes('storefront/deployment/storefront'), kept.join());
    await page.fill('#label-filter', '');
    await page.press('#label-filter', 'Enter');

    // Namespace level on demand; the arrow between two closed namespaces explains the one pair behind it.
    await page.click('#level');
    await page.waitForSelector('body[data-ready="namespace"]');
    await clickGraph(page, 'c:ns:team-green\u2192ns:orders-db');
    await page.waitForFunction(`document.querySelector('#explain-summary')?.textContent.includes('team-green/deployment/reporting')`);
    assert.match((await page.textContent('#verdict')) ?? '', /ALLOWED/);
  } finally {
    await page.close();
    await stop(s);
  }
});

test('diff mode: the connection a change removes is marked removed; the page reloads when a file changes', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-ui-'));
  temps.push(dir);
  const next = join(dir, 'shop');
  cpSync(join(root, 'examples/shop'), next, { recursive: true });
  const policyFile = join(next, 'networkpolicies/orders-db.yaml');
  const original = readFileSync(policyFile, 'utf8');
  const docs = original.split(/^---$/m);
  const kept = docs.filter((d) => !/name: allow-data-namespaces-to-orders-db/.test(d));
  assert.equal(kept.length, docs.length - 1);
  writeFileSync(policyFile, kept.join('---'));

  const s = await serve(['--diff', 'examples/shop', next]);
  const page = await newPage();
  const edgeState = async (): Promise<{ exists: boolean; removed: boolean; label: string; lineStyle: string }> =>
    await page.evaluate<{ exists: boolean; removed: boolean; label: string; lineStyle: string }>(`(() => { const e = window.__meshless.graph.cy.getElementById(${JSON.stringify(EDGE)}); return { exists: e.nonempty(), removed: e.nonempty() && e.hasClass('removed'), label: e.nonempty() ? e.data('label') : '', lineStyle: e.nonempty() ? e.style('line-style') : '' }; })()`);
  try {
    await page.goto(s.url);
    await page.waitForSelector('body[data-ready="workload"]', { timeout: 30_000 });
    assert.equal(await page.isChecked('#diff-toggle'), true);
    let e = await edgeState();
    assert.ok(e.exists && e.removed, JSON.stringify(e));
    assert.equal(e.lineStyle, 'dashed');
    assert.match(e.label, /^− 5432\/TCP/);
    assert.equal(await page.isVisible('#legend-diff'), true);
    await page.screenshot({ path: join(shots, 'serve-diff.png') });

    // Toggle off: the new version alone, where that connection does not exist.
    await page.click('#diff-toggle');
    await page.waitForSelector('body[data-diff="off"]');
    await page.waitForFunction(`!window.__meshless.graph.cy.getElementById(${JSON.stringify(EDGE)}).nonempty()`);
    assert.equal(await page.isVisible('#legend-diff'), false);
    await page.click('#diff-toggle');
    await page.waitForFunction(`window.__meshless.graph.cy.getElementById(${JSON.stringify(EDGE)}).hasClass('removed')`);

    // Edit NEW: put the policy back. The server re-loads, the page follows, nothing is removed any more.
    const generation = Number(await page.getAttribute('body', 'data-generation'));
    writeFileSync(policyFile, original);
    await page.waitForFunction(`Number(document.body.dataset.generation) > ${generation}`, undefined, { timeout: 20_000 });
    await page.waitForFunction(`(() => { const e = window.__meshless.graph.cy.getElementById(${JSON.stringify(EDGE)}); return e.nonempty() && !e.hasClass('removed'); })()`, undefined, { timeout: 20_000 });
    e = await edgeState();
    assert.equal(e.label, '5432/TCP');
  } finally {
    await page.close();
    await stop(s);
  }
});

