/**
 * The serve API over real HTTP (no browser): the model, explain, pairs,
 * workloads on demand for a large cluster, the source viewer's limits, the
 * DNS-rebinding guard, and the `reload` event when an input file changes.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_CHECKS } from '../checks/index.js';
import { DEFAULT_CONFIG } from '../checks/types.js';
import type { ApiModel, ApiPairs, ApiWorkloads } from './api.js';
import { startServer, type RunningServer } from './serve.js';
import { loadSnapshot } from '../load/snapshot.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const shop = join(root, 'examples/shop');
const running: RunningServer[] = [];
const temps: string[] = [];

after(async () => {
  for (const s of running) await s.close();
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

async function serve(paths: string[], extra: { maxWorkloads?: number; old?: string[] } = {}): Promise<RunningServer> {
  const spec = (p: string[]) => ({ source: { kind: 'files' as const, paths: p }, audit: { config: DEFAULT_CONFIG, checks: ALL_CHECKS } });
  const s = await startServer({
    host: '127.0.0.1',
    port: 0,
    load: () => loadSnapshot(spec(paths)),
    ...(extra.old ? { loadOld: () => loadSnapshot(spec(extra.old!)) } : {}),
    watch: paths,
    log: () => undefined,
    debounceMs: 50,
    ...(extra.maxWorkloads !== undefined ? { maxWorkloads: extra.maxWorkloads } : {}),
  });
  running.push(s);
  await s.ready;
  return s;
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function json<T>(url: string): Promise<T> {
  const r = await get(url);
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as T;
}

test('the model of the demo: controls, workloads with isolation, connections at both levels, entry points', async () => {
  const s = await serve([shop]);
  const m = await json<ApiModel>(`${s.url}api/model`);
  assert.equal(m.meta.large, false);
  assert.equal(m.meta.partial, false);
  assert.ok(m.controls);
  assert.equal(m.controls.segregation.status, 'fail');
  assert.equal(m.controls['in-cluster-encryption'].status, 'pass');
  const reporting = m.workloads?.find((w) => w.id === 'team-green/deployment/reporting');
  assert.deepEqual([reporting?.ingressIsolated, reporting?.egressIsolated], [false, false]);
  assert.ok(m.workloadEdges?.some((e) => e.from === 'team-green/deployment/reporting' && e.to === 'orders-db/statefulset/orders-db' && e.ports.includes('5432/TCP')));
  assert.ok(m.namespaceEdges.some((e) => e.from === 'team-green' && e.to === 'orders-db'));
  assert.ok(m.external.some((p) => p.internet && p.label === 'internet'));
  const admin = m.entryPoints.find((e) => e.host === 'admin.shop.example.com');
  assert.deepEqual([admin?.authenticated, admin?.tls, admin?.workloads], [false, false, ['backoffice/deployment/admin']]);
  // Findings point at workloads: the Ingress without auth belongs to the workload behind it.
  assert.ok(m.findings.some((f) => f.check === 'auth-ingress-nginx-no-auth-url' && f.workloads.includes('backoffice/deployment/admin')));
  assert.ok(m.meta.inputs.every((i) => /^[0-9a-f]{64}$/.test(i.sha256)));
});

test('explain: workload ids, an outside peer, a port; errors are 400 with a sentence', async () => {
  const s = await serve([shop]);
  const q = (from: string, to: string, port?: string): string => `${s.url}api/explain?${new URLSearchParams({ from, to, ...(port ? { port } : {}) }).toString()}`;
  const e = await json<{ allowed: boolean; summary: string; ingress: { policies: { name: string }[] } }>(q('team-green/deployment/reporting', 'orders-db/statefulset/orders-db', '5432'));
  assert.equal(e.allowed, true);
  assert.ok(e.ingress.policies.some((p) => p.name === 'allow-data-namespaces-to-orders-db'));
  const m = await json<ApiModel>(`${s.url}api/model`);
  const internet = m.external.find((p) => p.internet)!.id;
  const fromInternet = await json<{ allowed: boolean; from: string }>(q(internet, 'team-green/deployment/reporting'));
  assert.deepEqual([fromInternet.allowed, fromInternet.from], [true, internet]);
  const denied = await json<{ allowed: boolean }>(q(internet, 'orders-db/statefulset/orders-db'));
  assert.equal(denied.allowed, false);
  const bad = await get(q('nope/deployment/x', 'orders-db/statefulset/orders-db'));
  assert.equal(bad.status, 400);
  assert.match(bad.body, /unknown source/);
  const badPort = await get(q('team-green/deployment/reporting', 'orders-db/statefulset/orders-db', '99999'));
  assert.equal(badPort.status, 400);
});

test('a large cluster: the graph first without the audit, then workloads and pairs on demand', async () => {
  const s = await serve([shop], { maxWorkloads: 5 });
  const g = await json<ApiModel>(`${s.url}api/model?part=graph`);
  assert.equal(g.meta.large, true);
  assert.equal(g.workloads, null);
  assert.ok(g.namespaceEdges.some((e) => e.from === 'team-green' && e.to === 'orders-db'));
  assert.equal(g.namespaces.find((n) => n.name === 'team-green')?.ingressOpen, 1);
  const full = await json<ApiModel>(`${s.url}api/model`);
  assert.equal(full.meta.partial, false);
  assert.equal(full.controls?.authentication.status, 'fail');
  const w = await json<ApiWorkloads>(`${s.url}api/workloads?ns=orders-db`);
  assert.deepEqual(w.workloads.map((x) => x.id), ['orders-db/statefulset/orders-db']);
  assert.ok(w.edges.some((e) => e.from === 'checkout/deployment/checkout' && e.to === 'orders-db/statefulset/orders-db'));
  assert.ok(w.edges.every((e) => e.from.startsWith('orders-db/') || e.to.startsWith('orders-db/')));
  const p = await json<ApiPairs>(`${s.url}api/pairs?from=team-green&to=orders-db`);
  assert.deepEqual(p.pairs.map((x) => `${x.from} ${x.to} ${x.ports.join()}`), ['team-green/deployment/reporting orders-db/statefulset/orders-db 5432/TCP']);
});

test('the source viewer serves input files only; other hosts are refused; no UI build is a readable page', async () => {
  const s = await serve([shop]);
  const ok = await json<{ text: string }>(`${s.url}api/source?file=${encodeURIComponent(join(shop, 'networkpolicies/orders-db.yaml'))}`);
  assert.match(ok.text, /allow-data-namespaces-to-orders-db/);
  for (const file of ['/etc/passwd', join(root, 'package.json'), `${shop}/../../package.json`]) {
    const r = await get(`${s.url}api/source?file=${encodeURIComponent(file)}`);
    assert.equal(r.status, 404, file);
  }
  const rebound = await get(`${s.url}api/model`, { host: 'attacker.example:80' });
  assert.equal(rebound.status, 403);
  const traversal = await get(`${s.url}..%2F..%2Fpackage.json`);
  assert.notEqual(traversal.status, 200);
  const page = await get(s.url);
  assert.equal(page.status, 200);
  assert.match(page.type, /text\/html/);
});

test('diff mode marks what the new version removes; a file change reloads and tells the page', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-serve-'));
  temps.push(dir);
  const next = join(dir, 'shop');
  cpSync(shop, next, { recursive: true });
  const file = join(next, 'networkpolicies/orders-db.yaml');
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, original.split(/^---$/m).filter((d) => !/name: allow-data-namespaces-to-orders-db/.test(d)).join('---'));
  const s = await serve([next], { old: [shop] });
  let m = await json<ApiModel>(`${s.url}api/model`);
  assert.deepEqual(m.meta.diff, { old: [shop], new: [next] });
  const removed = (x: ApiModel): string[] => (x.workloadEdges ?? []).filter((e) => e.change === 'removed').map((e) => `${e.from} → ${e.to}`).sort();
  assert.deepEqual(removed(m), ['payments/deployment/payments → orders-db/statefulset/orders-db', 'team-green/deployment/reporting → orders-db/statefulset/orders-db']);

  // Listen for the event as the page does, then edit the file.
  const event = new Promise<string>((resolve, reject) => {
    const req = request(`${s.url}api/events`, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        const m2 = /event: reload\ndata: (.*)\n/.exec(buf);
        if (m2) {
          resolve(m2[1]!);
          req.destroy();
        }
      });
    });
    req.on('error', (e) => {
      if (!/socket hang up|aborted/.test(e.message)) reject(e);
    });
    req.end();
  });
  await new Promise((r) => setTimeout(r, 100));
  writeFileSync(file, original);
  const data = JSON.parse(await event) as { generation: number };
  assert.ok(data.generation >= 2);
  m = await json<ApiModel>(`${s.url}api/model`);
  assert.deepEqual(removed(m), []);
  assert.equal(m.meta.generation, data.generation);
});

test('serve --git BASE..HEAD: both versions read from git, what the commit removes is marked', async () => {
  const { execFileSync } = await import('node:child_process');
  const { startServe } = await import('../cli/serve.js');
  const repo = mkdtempSync(join(tmpdir(), 'meshless-serve-git-'));
  temps.push(repo);
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  git('init', '-q');
  cpSync(shop, join(repo, 'k8s'), { recursive: true });
  git('add', '.');
  git('commit', '-qm', 'shop');
  const file = join(repo, 'k8s/networkpolicies/orders-db.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').split(/^---$/m).filter((d) => !/name: allow-data-namespaces-to-orders-db/.test(d)).join('---'));
  git('commit', '-qam', 'close the data path');
  let out = '';
  const cwd = process.cwd();
  process.chdir(repo);
  let started;
  try {
    started = await startServe(['--git', 'HEAD~1..HEAD', 'k8s', '--port', '0'], { out: (s) => (out += s), err: () => undefined, isTTY: false, prog: 'meshless' });
  } finally {
    process.chdir(cwd);
  }
  assert.ok(typeof started !== 'number');
  running.push(started.server);
  await started.server.ready;
  assert.match(out, /\(diff: HEAD~1 → HEAD\)/);
  const m = await json<ApiModel>(`${started.server.url}api/model`);
  const removed = (m.workloadEdges ?? []).filter((e) => e.change === 'removed').map((e) => `${e.from} → ${e.to}`).sort();
  assert.deepEqual(removed, ['payments/deployment/payments → orders-db/statefulset/orders-db', 'team-green/deployment/reporting → orders-db/statefulset/orders-db']);
  const bad = await startServe(['--git', 'no-such-rev', '--port', '0'], { out: () => undefined, err: () => undefined, isTTY: false, prog: 'meshless' }).catch((e: unknown) => e);
  assert.ok(bad instanceof Error && /unknown revision/.test(bad.message));
});

test('while loading, the event stream tells the phase: at once to a page that connects, then each new one', { timeout: 30_000 }, async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const spec = { source: { kind: 'files' as const, paths: [shop] }, audit: { config: DEFAULT_CONFIG, checks: ALL_CHECKS } };
  const s = await startServer({
    host: '127.0.0.1',
    port: 0,
    // Says it is parsing, waits until the test has connected, then loads for real (which reports its own phases).
    load: async (progress) => {
      progress({ phase: 'parsing', files: 7, bytes: 1234 });
      await gate;
      return loadSnapshot({ ...spec, onProgress: progress });
    },
    watch: [],
    log: () => undefined,
  });
  running.push(s);
  const events: { event: string; data: unknown }[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const req = request(`${s.url}api/events`, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          // hello, then the phase the load was in when the page connected: now let the load go on.
          if (event === 'progress' && events.length === 2) release();
          if (event === 'progress' && (JSON.parse(data!) as { phase: string }).phase === 'analysing') {
            resolve();
            req.destroy();
          }
        }
      });
    });
    req.on('error', (e) => {
      if (!/socket hang up|aborted/.test(e.message)) reject(e);
    });
    req.end();
  });
  await done;
  await s.ready;
  const docs = (await json<ApiModel>(`${s.url}api/model`)).meta.objects.read;
  assert.deepEqual(events.map((e) => e.event), ['hello', 'progress', 'progress', 'progress']);
  // Each carries the generation its load will become: the first model is generation 1.
  assert.deepEqual(events[1]!.data, { phase: 'parsing', files: 7, bytes: 1234, generation: 1 });
  const parsing = events[2]!.data as { phase: string; files: number; bytes: number; generation: number };
  assert.equal(parsing.phase, 'parsing');
  assert.equal(parsing.generation, 1);
  assert.ok(parsing.files >= 5 && parsing.bytes > 1000, JSON.stringify(parsing));
  const analysing = events[3]!.data as { phase: string; documents: number; generation: number };
  assert.equal(analysing.phase, 'analysing');
  assert.equal(analysing.generation, (await json<ApiModel>(`${s.url}api/model`)).meta.generation);
  assert.ok(analysing.documents > 0 && analysing.documents <= docs, `${analysing.documents} documents, ${docs} objects read`);
  // Loaded: a page that connects now hears no progress.
  const late = await new Promise<string>((resolve) => {
    const req = request(`${s.url}api/events`, (res) => {
      res.setEncoding('utf8');
      res.once('data', (d: string) => { resolve(d); req.destroy(); });
    });
    req.on('error', () => undefined);
    req.end();
  });
  assert.match(late, /event: hello/);
  assert.doesNotMatch(late, /progress/);
});
