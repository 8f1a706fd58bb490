/**
 * The one Kubernetes client (src/load/kube-client.ts) against the fake API server:
 * paging, watch and resume from a resourceVersion, 410 Gone, request timeouts, and
 * the error model (403, 404, 401 as KubeError codes); then the commands that use it:
 * `--request-timeout` and a cluster that may not list NetworkPolicies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectionPath, KubeClient, KubeError, parseRequestTimeout, type WatchEvent } from '../src/load/kube-client.js';
import { startFakeApiServer, writeKubeconfig, type FakeApiServer, type FakeApiServerOptions, type KubeObject } from './support/fake-apiserver.js';
import { runCli } from './support/cli.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const NAMESPACES = '/api/v1/namespaces';

async function withClient(options: FakeApiServerOptions, fn: (s: FakeApiServer, c: KubeClient, kubeconfig: string) => Promise<void>, requestTimeoutMs?: number): Promise<void> {
  const s = await startFakeApiServer(options);
  const kc = await writeKubeconfig(s);
  try {
    const c = await KubeClient.connect({ kubeconfig: kc.path, ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}) });
    await fn(s, c, kc.path);
  } finally {
    await s.close();
    await kc.cleanup();
  }
}

async function rejectsWith(p: Promise<unknown>, code: string, status?: number): Promise<KubeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof KubeError, String(e));
    assert.equal(e.code, code, e.message);
    if (status !== undefined) assert.equal(e.status, status);
    return e;
  }
  assert.fail(`expected a KubeError ${code}`);
}

test('collection paths: core and named groups, cluster-wide and namespaced', () => {
  assert.equal(collectionPath('v1', 'pods'), '/api/v1/pods');
  assert.equal(collectionPath('networking.k8s.io/v1', 'networkpolicies', 'shop'), '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies');
});

test('--request-timeout values as kubectl reads them; 0 is no timeout', () => {
  const cases: [string, number | RegExp][] = [['0', 0], ['5', 5000], ['5s', 5000], ['500ms', 500], ['2m', 120_000], ['1h', 3_600_000], ['1m30s', 90_000], ['1.5s', 1500], ['soon', /--request-timeout takes a duration/], ['5x', /got "5x"/], ['', /duration/]];
  for (const [input, want] of cases) {
    const got = parseRequestTimeout(input);
    if (typeof want === 'number') assert.equal(got, want, input);
    else assert.match(String(got), want, input);
  }
});

test('list follows every page (limit and continue) and returns the list resourceVersion', async () => {
  const objects = ['a', 'b', 'c', 'd', 'e'].map(ns);
  await withClient({ objects, maxPageSize: 2 }, async (s, c) => {
    const list = await c.list(NAMESPACES, { pageSize: 2 });
    assert.deepEqual(list.items.map((i) => (i['metadata'] as { name: string }).name), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(list.resourceVersion, String(s.resourceVersion));
    assert.equal(s.continueRequests().length, 2, 'three pages of at most two');
    assert.ok(s.requests.every((r) => r.query['limit'] === '2'));
  });
});

test('a continue token compacted mid-list (410) restarts the list once and reads the newer state', async () => {
  let compacted = false;
  let server: FakeApiServer | undefined;
  const onRequest = (r: { query: Readonly<Record<string, string>> }): void => {
    if (r.query['continue'] !== undefined && !compacted) {
      compacted = true;
      server!.apply(ns('late'));
      server!.compact();
    }
  };
  await withClient({ objects: ['a', 'b', 'c'].map(ns), maxPageSize: 2, onRequest }, async (s, c) => {
    server = s;
    const list = await c.list(NAMESPACES, { pageSize: 2 });
    assert.deepEqual(list.items.map((i) => (i['metadata'] as { name: string }).name), ['a', 'b', 'c', 'late']);
    assert.equal(s.requests.filter((r) => r.query['continue'] === undefined).length, 2, 'listed from the start a second time');
  });
});

test('errors are KubeErrors by status: 403 cluster-forbidden, 404 cluster-not-found, 401 cluster-unauthorized, 5xx cluster-error', async () => {
  await withClient({ forbidden: ['networkpolicies.networking.k8s.io'], notServed: ['gateway.networking.k8s.io'], fault: (r) => (r.path.endsWith('/ingresses') ? 503 : undefined) }, async (s, c) => {
    const forbidden = await rejectsWith(c.list(collectionPath('networking.k8s.io/v1', 'networkpolicies')), 'cluster-forbidden', 403);
    assert.match(forbidden.message, /cannot list resource "networkpolicies"/);
    assert.equal(forbidden.kind, 'input');
    await rejectsWith(c.list(collectionPath('gateway.networking.k8s.io/v1', 'gateways')), 'cluster-not-found', 404);
    await rejectsWith(c.list(collectionPath('networking.k8s.io/v1', 'ingresses')), 'cluster-error', 503);
    const got = await c.get(NAMESPACES);
    assert.equal(got.status, 200, 'get resolves with any status; it throws only when there is no answer');
    const other = await writeKubeconfig({ url: s.url, token: 'wrong' }, { context: 'other' });
    try {
      const bad = await KubeClient.connect({ kubeconfig: other.path });
      const e = await rejectsWith(bad.list(NAMESPACES), 'cluster-unauthorized', 401);
      assert.match(e.hint ?? '', /log in again/);
    } finally {
      await other.cleanup();
    }
  });
});

test('watch delivers events, ends cleanly, and resumes from the last resourceVersion seen', async () => {
  await withClient({ objects: [ns('a')] }, async (s, c) => {
    const list = await c.list(NAMESPACES);
    const seen: WatchEvent[] = [];
    const first = c.watch(NAMESPACES, { resourceVersion: list.resourceVersion }, (e) => seen.push(e));
    await s.waitForWatches(1);
    s.apply(ns('b'));
    s.remove({ apiVersion: 'v1', kind: 'Namespace', name: 'a' });
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 5));
    s.endWatches();
    const end = await first;
    assert.equal(end.end, 'closed');
    assert.equal(end.events, 2);
    assert.deepEqual(seen.map((e) => e.type), ['ADDED', 'DELETED']);
    assert.equal(end.resourceVersion, String(s.resourceVersion));

    // Changes while no watch was open arrive when it resumes from there; nothing older is repeated.
    s.apply(ns('c'));
    const again: WatchEvent[] = [];
    const second = c.watch(NAMESPACES, { resourceVersion: end.resourceVersion }, (e) => again.push(e));
    await s.waitForWatches(1);
    while (again.length < 1) await new Promise((r) => setTimeout(r, 5));
    s.dropWatches();
    const end2 = await second;
    assert.equal(end2.end, 'closed', 'a dropped connection is resumed like a clean end');
    assert.deepEqual(again.map((e) => [e.type, (e.object['metadata'] as { name: string }).name]), [['ADDED', 'c']]);
    assert.equal(s.requests.at(-1)?.query['resourceVersion'], end.resourceVersion);
    assert.equal(s.requests.at(-1)?.query['allowWatchBookmarks'], 'true');
  });
});

test('a compacted resourceVersion ends the watch with gone, as an ERROR event and as HTTP 410', async () => {
  for (const goneAs of ['event', 'http'] as const) {
    await withClient({ objects: [ns('a')], goneAs }, async (s, c) => {
      const { resourceVersion } = await c.list(NAMESPACES);
      s.apply(ns('b'));
      s.compact();
      const end = await c.watch(NAMESPACES, { resourceVersion }, () => assert.fail('no event after 410'));
      assert.equal(end.end, 'gone', goneAs);
    });
  }
});

test('an aborted watch ends as aborted', async () => {
  await withClient({}, async (s, c) => {
    const controller = new AbortController();
    const w = c.watch(NAMESPACES, { signal: controller.signal }, () => undefined);
    await s.waitForWatches(1);
    controller.abort();
    assert.equal((await w).end, 'aborted');
  });
});

test('a server that accepts the connection and never answers fails within the request timeout, naming it', async () => {
  await withClient({ hang: () => true }, async (_s, c) => {
    const e = await rejectsWith(c.list(NAMESPACES), 'cluster-timeout');
    assert.match(e.message, /no answer from the API server at http:\/\/127\.0\.0\.1:\d+ \(context "fake"\) within 200 ms/);
    assert.match(e.hint ?? '', /--request-timeout/);
    await rejectsWith(c.watch(NAMESPACES, {}, () => undefined), 'cluster-timeout');
  }, 200);
});

test('audit --cluster against a hanging server: one error within --request-timeout, exit 2', async () => {
  const s = await startFakeApiServer({ hang: () => true });
  const kc = await writeKubeconfig(s);
  try {
    const r = await runCli(['audit', '--cluster', '--kubeconfig', kc.path, '--request-timeout', '1s']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /no answer from the API server at .* within 1 s/);
    assert.equal(s.requests.length, 1, 'the first request that times out ends the read');
    const bad = await runCli(['audit', '--cluster', '--kubeconfig', kc.path, '--request-timeout', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--request-timeout takes a duration/);
    const files = await runCli(['audit', 'examples/shop', '--request-timeout', '5s']);
    assert.equal(files.code, 2);
    assert.match(files.err, /--request-timeout goes with --cluster/);
  } finally {
    await s.close();
    await kc.cleanup();
  }
});

/** The demo's manifests as objects for the fake server. */
function demoObjects(): unknown[] {
  const dir = 'examples/shop';
  const out: unknown[] = [];
  for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    for (const d of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      const v: unknown = d.toJS();
      if (v !== null && typeof v === 'object') out.push(v);
    }
  }
  return out;
}

test('audit --cluster that may not list NetworkPolicies: segregation unknown with the reason, and no made-up "not isolated" findings', async () => {
  const s = await startFakeApiServer({ objects: demoObjects(), forbidden: ['networkpolicies.networking.k8s.io'] });
  const kc = await writeKubeconfig(s);
  try {
    const r = await runCli(['audit', '--cluster', '-A', '--kubeconfig', kc.path, '-o', 'json', '--fail-on', 'none']);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { controls: Record<string, { status: string; note: string }>; findings: { check: string; control: string }[] };
    assert.equal(out.controls['segregation']?.status, 'unknown');
    assert.match(out.controls['segregation'].note, /NetworkPolicies could not be listed/);
    assert.deepEqual(out.findings.filter((f) => f.control === 'segregation' && f.check.startsWith('seg-')).map((f) => f.check), []);
    assert.match(r.err, /may not list networkpolicies\.networking\.k8s\.io/);
    const sarif = await runCli(['audit', '--cluster', '-A', '--kubeconfig', kc.path, '-o', 'sarif', '--fail-on', 'none']);
    assert.match(sarif.out, /NetworkPolicies could not be listed/);
  } finally {
    await s.close();
    await kc.cleanup();
  }
});
