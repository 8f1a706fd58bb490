/**
 * The time from `meshless serve` starting to the first useful view (the
 * namespace-level graph) on the M synthetic cluster, in a real browser: recorded
 * in bench/out/ui-first-view.json for BENCHMARKS.md, never asserted as a goal.
 * Run by `npm run bench` (about a minute), not by `npm test`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { root, skip, shots, theBrowser, serve, serveModule, stop, newPage, useBrowser, type Served } from '../test/support/browser.js';

useBrowser();

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

test('the M synthetic cluster: time from serve starting to the namespace-level graph (recorded, not asserted)', { skip, timeout: 300_000 }, async () => {
  const file = join(root, 'bench/out/M.yaml');
  if (!existsSync(file)) {
    const g = spawnSync(process.execPath, ['--import', 'tsx', 'bench/generate.ts', 'M', 'bench/out/M.yaml'], { cwd: root, encoding: 'utf8' });
    assert.equal(g.status, 0, g.stderr);
  }
  /** A new serve process and a new page, timed from the spawn to the painted namespace graph. */
  const coldStart = async (): Promise<{ page: Page; s: Served; firstViewMs: number; urlPrintedMs: number; phases: Record<string, number> }> => {
    const page = await newPage();
    const s = await serve(['bench/out/M.yaml']);
    const urlAt = performance.now();
    await page.goto(s.url);
    await page.waitForSelector('body[data-ready="namespace"]', { timeout: 120_000 });
    // waitForSelector polls every 500 ms once it has waited a while, so the time it returns is up to
    // half a second late. The page records when its first view was painted (after two animation
    // frames); both clocks are this machine's, so the difference of the two epochs is the figure.
    const t = await page.evaluate<{ origin: number; painted: number; marks: Record<string, number>; answered: number }>(`(() => ({
      origin: performance.timeOrigin,
      painted: window.__meshlessFirstView,
      marks: Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])),
      answered: performance.getEntriesByType('resource').find((e) => e.name.includes('part=graph'))?.responseEnd ?? NaN,
    }))()`);
    // Page times (milliseconds after its own origin) as milliseconds after the spawn.
    const sinceSpawn = (pageMs: number | undefined): number => Math.round(t.origin + (pageMs ?? NaN) - (performance.timeOrigin + s.spawnedAt));
    const firstViewMs = sinceSpawn(t.painted);
    assert.ok(firstViewMs > 0 && firstViewMs <= Math.round(performance.now() - s.spawnedAt), `first view at ${firstViewMs} ms: between the spawn and the test seeing it`);
    const phases = {
      urlPrinted: Math.round(urlAt - s.spawnedAt),
      graphAnswered: sinceSpawn(t.answered),
      modelRead: sinceSpawn(t.marks['meshless:model']),
      drawn: sinceSpawn(t.marks['meshless:drawn']),
      painted: firstViewMs,
    };
    assert.ok(phases.urlPrinted < phases.graphAnswered && phases.graphAnswered <= phases.modelRead && phases.modelRead <= phases.drawn && phases.drawn <= phases.painted, JSON.stringify(phases));
    return { page, s, firstViewMs, urlPrintedMs: phases.urlPrinted, phases };
  };
  // Five cold starts; the median goes on record (the machine is shared). The last one is looked at below.
  const runs: { firstViewMs: number; urlPrintedMs: number; phases: Record<string, number> }[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await coldStart();
    runs.push(r);
    await r.page.close();
    await stop(r.s);
  }
  const last = await coldStart();
  runs.push(last);
  const { page, s } = last;
  try {
    const graph = await page.evaluate<{ nodes: number; edges: number; namespaces: number; workloads: number; large: boolean; distinct: number; zoom: number }>(`(() => {
      const cy = window.__meshless.graph.cy;
      const m = window.__meshless.state.model;
      const distinct = new Set(cy.nodes().map((n) => Math.round(n.position().x) + ',' + Math.round(n.position().y))).size;
      return { nodes: cy.nodes().length, edges: cy.edges().length, namespaces: m.namespaces.length, workloads: m.meta.workloadCount, large: m.meta.large, distinct, zoom: cy.zoom() };
    })()`);
    assert.equal(graph.large, true);
    assert.ok(graph.namespaces >= 500 && graph.nodes >= 500, JSON.stringify(graph));
    // Laid out: every node in its own place, the whole graph on screen.
    assert.equal(graph.distinct, graph.nodes, JSON.stringify(graph));
    assert.ok(graph.zoom < 1, JSON.stringify(graph));
    const record = {
      cluster: 'M',
      namespaces: graph.namespaces,
      workloads: graph.workloads,
      drawn: { nodes: graph.nodes, edges: graph.edges },
      firstViewMs: median(runs.map((r) => r.firstViewMs)),
      urlPrintedMs: median(runs.map((r) => r.urlPrintedMs)),
      runsMs: runs.map((r) => r.firstViewMs),
      /** Per run, milliseconds after the spawn: URL printed, the server's answer to the graph request received, the model read, drawn, painted. */
      phasesMs: runs.map((r) => r.phases),
      how: `${serveModule().how} bench/out/M.yaml as a process, Chromium already running, a new page each time; from spawn to the page's own record of its first paint of the namespace graph (laid out, two animation frames after drawing; read from the page, not from a polling wait); median of ${runs.length} cold starts`,
      loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
      // Linux's CPU pressure: the share of the last 10 and 60 s in which some runnable task waited for a CPU.
      ...(existsSync('/proc/pressure/cpu') ? { cpuPressure: /^some avg10=([\d.]+) avg60=([\d.]+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.slice(1, 3).map(Number) } : {}),
      cpus: cpus().length,
      chromium: theBrowser().version(),
      node: process.version,
      measuredAt: new Date().toISOString(),
    };
    mkdirSync(join(root, 'bench/out'), { recursive: true });
    writeFileSync(join(root, 'bench/out/ui-first-view.json'), `${JSON.stringify(record, null, 2)}\n`);
    process.stdout.write(`# ui first view on M: median ${record.firstViewMs} ms (${record.runsMs.join(', ')}) from serve starting (URL printed at ${record.urlPrintedMs} ms); ${graph.nodes} nodes, ${graph.edges} edges\n`);
    await page.screenshot({ path: join(shots, 'serve-large-namespaces.png') });

    // Opening one namespace loads its workloads on demand.
    const ns = await page.evaluate<string>(`window.__meshless.state.model.namespaces.find((n) => n.workloads > 0 && n.name !== 'kube-system').name`);
    await page.waitForSelector('.control[data-status="pass"], .control[data-status="fail"], .control[data-status="partial"], .control[data-status="unknown"]', { timeout: 60_000 });
    await page.selectOption('#ns-filter', ns);
    await page.waitForSelector('body[data-ready="workload"]', { timeout: 60_000 });
    const shown = await page.evaluate<string[]>(`window.__meshless.graph.cy.nodes('.workload').map((n) => n.data('ns'))`);
    assert.ok(shown.length > 0 && shown.every((n) => n === ns), `workloads drawn: ${shown.length}, all in ${ns}`);
  } finally {
    await page.close();
    await stop(s);
  }
});
