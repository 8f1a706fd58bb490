/**
 * The `meshless serve` web server: the built UI (dist/ui) and a JSON API over
 * one loaded snapshot, re-loaded when the input files change.
 *
 *   GET /api/model                 namespaces, workloads (small clusters), connections, controls, findings
 *   GET /api/model?part=graph      the same without the audit for a large cluster: its first view
 *   GET /api/workloads?ns=a,b      the workloads of some namespaces and the connections touching them
 *   GET /api/pairs?from=&to=       the workload pairs behind one namespace-level connection
 *   GET /api/explain?from=&to=&port=  the engine's explanation
 *   GET /api/search?q=             workload ids containing q
 *   GET /api/source?file=          the text of an input file (only files that were read)
 *   GET /api/events                Server-Sent Events: `progress` while loading, `reload` after the inputs changed
 *
 * Bound to 127.0.0.1 by default; requests naming another host are refused so a
 * web page elsewhere cannot reach the API through DNS rebinding.
 */
import { isMeshlessError } from '../model/errors.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { statSync, watch as fsWatch, watchFile, unwatchFile, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelView } from './model.js';
import type { Snapshot } from '../load/snapshot.js';
import type { ApiProgress, LoadProgress } from './api.js';

export interface ServeOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Loads the current version (called again on every change), saying how far it is. */
  readonly load: (progress: (p: LoadProgress) => void) => Promise<Snapshot>;
  /** Diff mode: loads the old version. */
  readonly loadOld?: () => Promise<Snapshot>;
  /** Files and directories whose changes trigger a reload (empty: no watching). */
  readonly watch: readonly string[];
  readonly maxWorkloads?: number;
  /** The built UI; default: dist/ui next to this module (or the repository's dist/ui). */
  readonly assetsDir?: string;
  readonly log: (line: string) => void;
  /** Milliseconds to wait for more changes before reloading. */
  readonly debounceMs?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  /** Resolves when the first load is done (rejects if it threw). */
  readonly ready: Promise<ModelView>;
  /** Re-loads now (what a file change does). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
};

/** Where the built UI is: dist/ui beside dist/server at run time; the repository's dist/ui when run from src/ under tsx. */
export function defaultAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return basename(dirname(here)) === 'src' ? resolve(here, '../../dist/ui') : resolve(here, '../ui');
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || host.startsWith('127.');
}

function hostnameOf(header: string | undefined): string {
  if (!header) return '';
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  const i = header.lastIndexOf(':');
  return i < 0 ? header : header.slice(0, i);
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...SECURITY_HEADERS, ...extra });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', { 'cache-control': 'no-store' });
}

const MISSING_UI = `<!doctype html><meta charset="utf-8"><title>meshless</title>
<p>The web UI is not built. Run <code>npm run build</code> (it runs <code>vite build --config src/ui/vite.config.ts</code>) and start <code>meshless serve</code> again. The API answers meanwhile at <a href="api/model">api/model</a>.</p>`;

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const assets = resolve(opts.assetsDir ?? defaultAssetsDir());
  const loopback = isLoopback(opts.host);
  let generation = 0;
  let view: ModelView | undefined;
  let old: Snapshot | undefined;
  const clients = new Set<ServerResponse>();
  const broadcast = (event: string, data: unknown): void => {
    for (const c of clients) c.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  /** The phase of the load under way, told to pages that connect meanwhile. */
  let loading: ApiProgress | undefined;
  const progress = (p: LoadProgress): void => {
    // The generation lets a page ignore an event that arrives after the model it announces.
    loading = { ...p, generation: generation + 1 };
    broadcast('progress', loading);
  };

  const first = (async (): Promise<ModelView> => {
    const [cur, prev] = await Promise.all([opts.load(progress), opts.loadOld ? opts.loadOld() : Promise.resolve(undefined)]).finally(() => { loading = undefined; });
    old = prev;
    view = new ModelView(cur, { generation: ++generation, ...(prev ? { old: prev } : {}), ...(opts.maxWorkloads !== undefined ? { maxWorkloads: opts.maxWorkloads } : {}) });
    // A large cluster's first view is asked for next: have it ready (the page may already be waiting).
    if (view.large) view.graphModel();
    return view;
  })();
  // Requests wait for the first load; its failure is answered per request and by the caller.
  first.catch(() => undefined);

  let reloading: Promise<void> | undefined;
  // Changes that arrive during a reload ask for one more (an object: TypeScript cannot see the other closure set it).
  const pending = { again: false };
  const wantsMore = (): boolean => pending.again;
  const reload = async (): Promise<void> => {
    if (reloading) {
      pending.again = true;
      return reloading;
    }
    reloading = (async () => {
      do {
        pending.again = false;
        const started = performance.now();
        try {
          const [cur, prev] = await Promise.all([opts.load(progress), opts.loadOld ? opts.loadOld() : Promise.resolve(old)]).finally(() => { loading = undefined; });
          old = prev;
          view = new ModelView(cur, { generation: ++generation, ...(prev ? { old: prev } : {}), ...(opts.maxWorkloads !== undefined ? { maxWorkloads: opts.maxWorkloads } : {}) });
          const errors = cur.loaded.inventory.diagnostics.filter((d) => d.severity === 'error').length;
          opts.log(`reloaded in ${Math.round(performance.now() - started)} ms: ${cur.loaded.inventory.summary.used} objects, ${cur.audit().findings.filter((f) => !f.suppressed).length} open findings${errors ? `, ${errors} input error(s)` : ''}`);
        } catch (e) {
          // Keep serving the last good version, and say why it is not the newest.
          const message = e instanceof Error ? e.message : String(e);
          opts.log(`reload failed, still serving the previous version: ${message}`);
          if (view) view = new ModelView(view.snap, { ...view.options, generation: ++generation, reloadError: message });
        }
        broadcast('reload', { generation });
      } while (wantsMore());
    })();
    try {
      await reloading;
    } finally {
      reloading = undefined;
    }
  };

  async function current(): Promise<ModelView> {
    await first;
    return view!;
  }

  async function serveStatic(res: ServerResponse, pathname: string): Promise<void> {
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    const file = resolve(assets, rel);
    if (file !== assets && !file.startsWith(assets + sep)) { json(res, 403, { error: 'outside the UI directory' }); return; }
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a file');
      const body = await readFile(file);
      const immutable = rel.startsWith('assets/');
      send(res, 200, body, TYPES[extname(file)] ?? 'application/octet-stream', { 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' });
    } catch {
      if (rel === 'index.html') { send(res, 200, MISSING_UI, 'text/html; charset=utf-8'); return; }
      json(res, 404, { error: `not found: ${pathname}` });
    }
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const q = url.searchParams;
    switch (url.pathname) {
      case '/api/events': {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', ...SECURITY_HEADERS });
        res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ generation })}\n\n`);
        if (loading) res.write(`event: progress\ndata: ${JSON.stringify(loading)}\n\n`);
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      case '/api/model': {
        const v = await current();
        json(res, 200, q.get('part') === 'graph' ? v.graphModel() : v.model()); return;
      }
      case '/api/workloads': {
        const ns = (q.get('ns') ?? '').split(',').filter(Boolean);
        if (ns.length === 0) { json(res, 400, { error: 'ns is required: one or more namespace names, comma-separated' }); return; }
        json(res, 200, (await current()).workloadsIn(ns)); return;
      }
      case '/api/pairs': {
        const from = q.get('from');
        const to = q.get('to');
        if (!from || !to) { json(res, 400, { error: 'from and to are required: namespace names or ip: peers' }); return; }
        json(res, 200, (await current()).pairs(from, to)); return;
      }
      case '/api/search':
        { json(res, 200, { matches: (await current()).search(q.get('q') ?? '') }); return; }
      case '/api/explain': {
        const from = q.get('from');
        const to = q.get('to');
        if (!from || !to) { json(res, 400, { error: 'from and to are required: workload ids (namespace/kind/name), endpoint ids or ip: peers' }); return; }
        const v = await current();
        try {
          json(res, 200, v.explain(from, to, q.get('port') ?? undefined)); return;
        } catch (e) {
          if (isMeshlessError(e, 'input')) { json(res, 400, { error: e.message }); return; }
          throw e;
        }
      }
      case '/api/source': {
        const file = q.get('file') ?? '';
        const v = await current();
        if (!v.inputFiles().has(file)) { json(res, 404, { error: `${file} is not one of the input files` }); return; }
        try {
          json(res, 200, { file, text: await readFile(file, 'utf8') }); return;
        } catch (e) {
          json(res, 404, { error: `${file}: ${e instanceof Error ? e.message : String(e)}` }); return;
        }
      }
      default:
        { json(res, 404, { error: `no such API: ${url.pathname}` }); return; }
    }
  }

  const server = createServer((req, res) => {
    const host = hostnameOf(req.headers.host);
    if (loopback && !LOOPBACK_NAMES.has(host) && !host.startsWith('127.')) {
      json(res, 403, { error: `host ${host || '(none)'} refused: meshless serve answers to localhost only` });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(res, 405, { error: 'only GET' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handler = url.pathname.startsWith('/api/') ? api(req, res, url) : serveStatic(res, url.pathname);
    handler.catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      if (!res.headersSent) json(res, 500, { error: `internal error: ${message}` });
      else res.end();
    });
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${shownHost}:${port}/`;

  const stopWatching = watchInputs(opts.watch, () => void reload(), opts.debounceMs ?? 200, opts.log);
  const heartbeat = setInterval(() => {
    for (const c of clients) c.write(': ping\n\n');
  }, 20_000);
  heartbeat.unref();

  return {
    url,
    server,
    ready: first,
    reload,
    close: async () => {
      stopWatching();
      clearInterval(heartbeat);
      for (const c of clients) c.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => { ok(); }));
    },
  };
}

const MANIFEST = /\.(ya?ml|json)$/i;

/**
 * Calls `onChange` (debounced) when a manifest under the paths changes.
 * Directories are watched recursively; a file through its directory, so that
 * editors that save by renaming keep being noticed. Falls back to polling.
 */
export function watchInputs(paths: readonly string[], onChange: () => void, debounceMs: number, log: (s: string) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const fire = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  const watchers: FSWatcher[] = [];
  const polled: string[] = [];
  for (const p of paths) {
    if (p === '-') continue;
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      isDir = false;
    }
    try {
      if (isDir) {
        watchers.push(fsWatch(p, { recursive: true }, (_event, name) => {
          if (name === null || MANIFEST.test(name)) fire();
        }));
      } else {
        const dir = dirname(resolve(p));
        const base = basename(p);
        watchers.push(fsWatch(dir, (_event, name) => {
          if (name === null || name === base) fire();
        }));
      }
    } catch (e) {
      log(`cannot watch ${p} (${e instanceof Error ? e.message : String(e)}); polling it every second instead`);
      watchFile(p, { interval: 1000 }, fire);
      polled.push(p);
    }
  }
  for (const w of watchers) w.on('error', () => undefined);
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
    for (const p of polled) unwatchFile(p);
  };
}
export { DEFAULT_MAX_WORKLOADS } from './model.js';
