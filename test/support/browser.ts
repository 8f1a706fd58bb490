/**
 * What the browser tests share (test/ui.e2e.test.ts and the timing run in
 * bench/ui-first-view.ts): Debian's Chromium driven by playwright-core, and
 * `meshless serve` as a real process.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { main } from '../../src/cli/main.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = '/usr/bin/chromium';
export const skip = existsSync(CHROMIUM) ? false : `Chromium is not installed at ${CHROMIUM} (apt-get install chromium): browser tests skipped`;
// Screenshots are always taken; they replace the ones in docs/ only with
// UPDATE_SCREENSHOTS=1 (then look at them before committing).
export const shots = process.env['UPDATE_SCREENSHOTS'] === '1' ? join(root, 'docs/screenshots') : mkdtempSync(join(tmpdir(), 'meshless-shots-'));
export const EDGE = 'c:team-green/deployment/reporting\u2192orders-db/statefulset/orders-db';

let browser: Browser | undefined;
/** The browser the hooks of useBrowser() launched. */
export const theBrowser = (): Browser => browser!;
const servers: ChildProcess[] = [];
/** Folders removed after the tests. */
export const temps: string[] = [];

/** Builds dist/ui when it is missing or older than a file of src/ui. */
export function ensureUiBuilt(): void {
  const index = join(root, 'dist/ui/index.html');
  const newest = Math.max(...readdirSync(join(root, 'src/ui')).map((f) => statSync(join(root, 'src/ui', f)).mtimeMs), statSync(join(root, 'src/server/api.ts')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= newest) return;
  const r = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'src/ui/vite.config.ts'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `vite build failed:\n${r.stdout}\n${r.stderr}`);
}

export interface Served {
  readonly url: string;
  readonly proc: ChildProcess;
  readonly log: () => string;
  /** performance.now() just before the process was spawned. */
  readonly spawnedAt: number;
}

/**
 * The built CLI when dist/ is at least as new as the sources it comes from (what
 * users run, and what `npm run build` leaves), else the sources through tsx.
 */
export function serveModule(): { href: string; loader: string[]; how: string } {
  const built = ['cli/serve', 'server/serve', 'server/model', 'load/snapshot'];
  const fresh = built.every((f) => {
    const js = join(root, 'dist', `${f}.js`);
    return existsSync(js) && statSync(js).mtimeMs >= statSync(join(root, 'src', `${f}.ts`)).mtimeMs;
  });
  return fresh
    ? { href: pathToFileURL(join(root, 'dist/cli/main.js')).href, loader: [], how: 'node dist/cli/main.js serve (built)' }
    : { href: pathToFileURL(join(root, 'src/cli/main.ts')).href, loader: ['--import', 'tsx'], how: 'node --import tsx src/cli/main.ts serve (dist/ missing or older than the sources)' };
}

/** `meshless serve ARGS` as a real process; resolves when it prints its URL. */
export function serve(args: readonly string[]): Promise<Served> {
  const mod = serveModule();
  const spawnedAt = performance.now();
  const proc = spawn(process.execPath, [...mod.loader, fileURLToPath(mod.href), 'serve', '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(proc);
  let out = '';
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /meshless serve: (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, proc, log: () => `${out}${err}`, spawnedAt });
    });
    proc.on('exit', (c) => { reject(new Error(`serve exited with ${c}:\n${out}${err}`)); });
  });
}

export async function stop(s: Served): Promise<void> {
  if (s.proc.exitCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  await exited;
}

export async function newPage(): Promise<Page> {
  // The page's Content-Security-Policy forbids eval; Playwright's string predicates need it (tests only).
  const page = await browser!.newPage({ viewport: { width: 1600, height: 1000 }, bypassCSP: true });
  page.on('pageerror', (e) => {
    throw e;
  });
  return page;
}

/** Zooms the graph onto an element and clicks it with the mouse, as a person would. */
export async function clickGraph(page: Page, id: string): Promise<void> {
  const pos = await page.evaluate<{ x: number; y: number } | null>(`(() => {
    const g = window.__meshless.graph;
    const el = g.cy.getElementById(${JSON.stringify(id)});
    if (el.empty()) return null;
    g.cy.fit(el.isEdge() ? el.union(el.connectedNodes()) : el.closedNeighborhood(), 90);
    return g.screenPosition(${JSON.stringify(id)});
  })()`);
  assert.ok(pos, `${id} is not in the graph`);
  await page.mouse.click(pos.x, pos.y);
}

export async function audit(path: string): Promise<{ controls: Record<string, { status: string; findings: number }> }> {
  let out = '';
  await main(['audit', path, '-o', 'json'], { out: (s) => (out += s), err: () => undefined, isTTY: false, prog: 'meshless' });
  return JSON.parse(out) as { controls: Record<string, { status: string; findings: number }> };
}

/** Launches Chromium before the file's tests and closes it (and every server) after. */
export function useBrowser(): void {
before(async () => {
  if (skip) return;
  ensureUiBuilt();
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => {
  for (const p of servers) if (p.exitCode === null) p.kill('SIGTERM');
  await browser?.close();
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
}
