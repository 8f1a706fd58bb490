/**
 * The fake API server's protocol, checked with a raw HTTP client and with
 * @kubernetes/client-node's own Watch: paginated lists are consistent snapshots,
 * watches deliver changes in resourceVersion order, an old resourceVersion is
 * 410 Gone, and cut connections end the stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startFakeApiServer, writeKubeconfig, type FakeApiServer, type FakeApiServerOptions, type KubeObject } from './support/fake-apiserver.js';

interface Event {
  readonly type: string;
  readonly object: KubeObject & { code?: number; reason?: string };
}

interface WatchClient {
  readonly status: number;
  readonly events: Event[];
  /** Resolves when `n` events have arrived in total. */
  until(n: number): Promise<Event[]>;
  /** How the stream ended: cleanly (`end`) or cut (`aborted`). */
  readonly ended: Promise<'end' | 'aborted'>;
  close(): void;
}

/** Opens a watch with plain node:http and collects its JSON lines. */
function openWatch(server: FakeApiServer, path: string): Promise<WatchClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${server.url}${path}`, { headers: { Authorization: `Bearer ${server.token ?? ''}` } }, (res) => {
      const events: Event[] = [];
      const waiters: { n: number; resolve: (e: Event[]) => void }[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim() !== '') events.push(JSON.parse(line) as Event);
        }
        for (const w of waiters.filter((x) => events.length >= x.n)) w.resolve(events.slice(0, w.n));
      });
      res.on('error', () => undefined);
      const ended = new Promise<'end' | 'aborted'>((done) => {
        res.on('close', () => {
          done(res.complete ? 'end' : 'aborted');
        });
      });
      resolve({
        status: res.statusCode ?? 0,
        events,
        ended,
        until: (n) => (events.length >= n ? Promise.resolve(events.slice(0, n)) : new Promise((r) => waiters.push({ n, resolve: r }))),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

async function getJson(server: FakeApiServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, { headers: { Authorization: `Bearer ${server.token ?? ''}`, ...headers } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function withServer(options: FakeApiServerOptions, fn: (s: FakeApiServer) => Promise<void>): Promise<void> {
  const s = await startFakeApiServer(options);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'app', labels }, data });
const names = (items: unknown): string[] => (items as KubeObject[]).map((o) => o.metadata.name);
const rvOf = (o: KubeObject): number => Number(o.metadata.resourceVersion);

test('lists: built-in items carry no apiVersion/kind, custom resources do; namespaced and cluster-wide paths', async () => {
  const objects = [cm('a'), { ...cm('b'), metadata: { name: 'b', namespace: 'other' } }, { apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'm', namespace: 'app' }, spec: {} }];
  await withServer({ objects }, async (s) => {
    const all = await getJson(s, '/api/v1/configmaps');
    assert.equal(all.body['kind'], 'ConfigMapList');
    assert.deepEqual(names(all.body['items']), ['a', 'b']);
    assert.equal((all.body['items'] as Record<string, unknown>[])[0]!['kind'], undefined);
    assert.deepEqual(names((await getJson(s, '/api/v1/namespaces/app/configmaps')).body['items']), ['a']);
    const mw = await getJson(s, '/apis/traefik.io/v1alpha1/middlewares');
    assert.deepEqual((mw.body['items'] as KubeObject[]).map((o) => [o.apiVersion, o.kind]), [['traefik.io/v1alpha1', 'Middleware']]);
    const one = await getJson(s, '/api/v1/namespaces/app/configmaps/a');
    assert.deepEqual([one.body['kind'], (one.body['metadata'] as Record<string, unknown>)['name']], ['ConfigMap', 'a']);
    const missing = await getJson(s, '/api/v1/namespaces/app/configmaps/zz');
    assert.deepEqual([missing.status, missing.body['kind'], missing.body['code']], [404, 'Status', 404]);
    const ns = await getJson(s, '/api/v1/namespaces/app');
    assert.equal(ns.status, 404, 'namespaces exist only when created');
  });
});

test('pagination: limit and an opaque continue token; pages are a snapshot at the first page', async () => {
  await withServer({ objects: ['a', 'b', 'c', 'd', 'e'].map((n) => cm(n)) }, async (s) => {
    const p1 = await getJson(s, '/api/v1/namespaces/app/configmaps?limit=2');
    const meta1 = p1.body['metadata'] as Record<string, unknown>;
    assert.deepEqual(names(p1.body['items']), ['a', 'b']);
    assert.equal(meta1['remainingItemCount'], 3);
    assert.equal(typeof meta1['continue'], 'string');
    s.apply(cm('bb'));
    s.remove({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'd' });
    const p2 = await getJson(s, `/api/v1/namespaces/app/configmaps?limit=2&continue=${encodeURIComponent(String(meta1['continue']))}`);
    assert.deepEqual(names(p2.body['items']), ['c', 'd'], 'the snapshot has no bb and still has d');
    const meta2 = p2.body['metadata'] as Record<string, unknown>;
    assert.equal(meta2['resourceVersion'], meta1['resourceVersion']);
    const p3 = await getJson(s, `/api/v1/namespaces/app/configmaps?limit=2&continue=${encodeURIComponent(String(meta2['continue']))}`);
    assert.deepEqual(names(p3.body['items']), ['e']);
    assert.equal((p3.body['metadata'] as Record<string, unknown>)['continue'], undefined);
    // A fresh list sees the changes.
    assert.deepEqual(names((await getJson(s, '/api/v1/namespaces/app/configmaps')).body['items']), ['a', 'b', 'bb', 'c', 'e']);
    // After compaction the old snapshot is gone: 410 Expired.
    s.compact();
    const expired = await getJson(s, `/api/v1/namespaces/app/configmaps?limit=2&continue=${encodeURIComponent(String(meta1['continue']))}`);
    assert.deepEqual([expired.status, expired.body['reason'], expired.body['code']], [410, 'Expired', 410]);
    const bad = await getJson(s, '/api/v1/namespaces/app/configmaps?continue=garbage');
    assert.equal(bad.status, 400);
  });
});

test('maxPageSize returns fewer items than asked, with a continue token', async () => {
  await withServer({ objects: ['a', 'b', 'c'].map((n) => cm(n)), maxPageSize: 1 }, async (s) => {
    const p = await getJson(s, '/api/v1/configmaps?limit=500');
    assert.deepEqual(names(p.body['items']), ['a']);
    assert.equal(typeof (p.body['metadata'] as Record<string, unknown>)['continue'], 'string');
  });
});

test('errors are Status objects: 401 without the token, 403 forbidden, 404 for a group not served', async () => {
  await withServer({ forbidden: ['secrets'], notServed: ['gateway.networking.k8s.io'] }, async (s) => {
    const noAuth = await fetch(`${s.url}/api/v1/pods`);
    assert.equal(noAuth.status, 401);
    const forbidden = await getJson(s, '/api/v1/namespaces/app/secrets');
    assert.deepEqual([forbidden.status, forbidden.body['kind'], forbidden.body['reason']], [403, 'Status', 'Forbidden']);
    assert.match(String(forbidden.body['message']), /cannot list resource "secrets" in API group "" in the namespace "app"/);
    const unserved = await getJson(s, '/apis/gateway.networking.k8s.io/v1/gateways');
    assert.deepEqual([unserved.status, unserved.body['reason']], [404, 'NotFound']);
    const groups = await getJson(s, '/apis');
    const groupNames = (groups.body['groups'] as { name: string }[]).map((g) => g.name);
    assert.ok(groupNames.includes('apps') && !groupNames.includes('gateway.networking.k8s.io'));
    const discovery = await getJson(s, '/apis/networking.k8s.io/v1');
    assert.ok((discovery.body['resources'] as { name: string }[]).some((r) => r.name === 'networkpolicies'));
  });
});

test('metadata-only lists when asked with as=PartialObjectMetadataList', async () => {
  const secret = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 't', namespace: 'app' }, data: { 'tls.key': 'c2VjcmV0' } };
  await withServer({ objects: [secret] }, async (s) => {
    const r = await getJson(s, '/api/v1/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls', { Accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' });
    assert.equal(r.body['kind'], 'PartialObjectMetadataList');
    assert.ok(!JSON.stringify(r.body).includes('c2VjcmV0'));
    const opaque = await getJson(s, '/api/v1/secrets?fieldSelector=type%3DOpaque');
    assert.deepEqual(opaque.body['items'], []);
  });
});

test('watch: ADDED, MODIFIED and DELETED after mutations, with increasing resourceVersions', async () => {
  await withServer({ objects: [cm('a')] }, async (s) => {
    const w = await openWatch(s, `/api/v1/namespaces/app/configmaps?watch=1&resourceVersion=${s.resourceVersion}`);
    assert.equal(w.status, 200);
    await s.waitForWatches(1);
    s.apply(cm('b'));
    s.apply(cm('a', { changed: 'yes' }));
    s.remove({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'b' });
    s.apply({ ...cm('elsewhere'), metadata: { name: 'elsewhere', namespace: 'other' } });
    const events = await w.until(3);
    assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'b'], ['MODIFIED', 'a'], ['DELETED', 'b']]);
    assert.deepEqual(events.map((e) => [e.object.apiVersion, e.object.kind]), Array(3).fill(['v1', 'ConfigMap']));
    const rvs = events.map((e) => rvOf(e.object));
    assert.deepEqual(rvs, [...rvs].sort((x, y) => x - y));
    assert.equal(rvs[2], s.resourceVersion - 1, 'the deletion has its own resourceVersion');
    w.close();
  });
});

test('watch: replay from an older resourceVersion; synthetic ADDED events without one', async () => {
  await withServer({ objects: [cm('a'), cm('b')] }, async (s) => {
    const start = s.resourceVersion;
    s.apply(cm('c'));
    s.apply(cm('a', { v: '2' }));
    const replay = await openWatch(s, `/api/v1/namespaces/app/configmaps?watch=true&resourceVersion=${start}`);
    assert.deepEqual((await replay.until(2)).map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'c'], ['MODIFIED', 'a']]);
    replay.close();
    const fresh = await openWatch(s, '/api/v1/namespaces/app/configmaps?watch=true');
    assert.deepEqual((await fresh.until(3)).map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'a'], ['ADDED', 'b'], ['ADDED', 'c']]);
    fresh.close();
  });
});

test('watch: an object that stops matching the label selector is DELETED for that watch', async () => {
  await withServer({ objects: [cm('a', { team: 'x' })] }, async (s) => {
    const w = await openWatch(s, `/api/v1/configmaps?watch=1&labelSelector=team%3Dx&resourceVersion=${s.resourceVersion}`);
    await s.waitForWatches(1);
    s.apply(cm('a', { team: 'y' }));
    s.apply(cm('a', { team: 'x' }));
    s.apply(cm('z', { team: 'y' }));
    s.apply(cm('z', { team: 'y' }, { k: 'v' }));
    s.apply(cm('a', { team: 'x' }, { k: 'v' }));
    assert.deepEqual((await w.until(3)).map((e) => [e.type, e.object.metadata.name]), [['DELETED', 'a'], ['ADDED', 'a'], ['MODIFIED', 'a']]);
    w.close();
  });
});

test('watch: a compacted resourceVersion is 410 Gone, as an ERROR event or as HTTP 410', async () => {
  await withServer({ objects: [cm('a')] }, async (s) => {
    const old = s.resourceVersion;
    s.apply(cm('b'));
    s.compact();
    const w = await openWatch(s, `/api/v1/configmaps?watch=1&resourceVersion=${old}`);
    assert.equal(w.status, 200);
    const [e] = await w.until(1);
    assert.equal(e!.type, 'ERROR');
    assert.deepEqual([e!.object.kind, e!.object.code, e!.object.reason], ['Status', 410, 'Expired']);
    assert.equal(await w.ended, 'end');
    // The current resourceVersion is still good.
    const ok = await openWatch(s, `/api/v1/configmaps?watch=1&resourceVersion=${s.resourceVersion}`);
    assert.equal(ok.status, 200);
    ok.close();
  });
  await withServer({ objects: [cm('a')], goneAs: 'http', historyLimit: 2 }, async (s) => {
    const old = s.resourceVersion;
    for (const n of ['b', 'c', 'd']) s.apply(cm(n));
    const w = await openWatch(s, `/api/v1/configmaps?watch=1&resourceVersion=${old}`);
    assert.equal(w.status, 410, 'the retained window is the last 2 changes');
    await w.ended;
  });
});

test('watch: dropWatches cuts the stream, endWatches and timeoutSeconds end it cleanly', async () => {
  await withServer({}, async (s) => {
    const cut = await openWatch(s, '/api/v1/configmaps?watch=1');
    await s.waitForWatches(1);
    s.dropWatches();
    assert.equal(await cut.ended, 'aborted');
    assert.equal(s.openWatches, 0);
    const ended = await openWatch(s, '/api/v1/configmaps?watch=1');
    await s.waitForWatches(1);
    s.endWatches();
    assert.equal(await ended.ended, 'end');
    const timed = await openWatch(s, '/api/v1/configmaps?watch=1&timeoutSeconds=1');
    assert.equal(await timed.ended, 'end');
    assert.equal(s.openWatches, 0);
  });
});

test('watch: BOOKMARK events carry the current resourceVersion to watches that allow them', async () => {
  await withServer({ objects: [cm('a')] }, async (s) => {
    const w = await openWatch(s, '/api/v1/configmaps?watch=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan');
    const [added, initialEnd] = await w.until(2);
    assert.equal(added!.type, 'ADDED');
    assert.equal(initialEnd!.type, 'BOOKMARK');
    assert.equal(initialEnd!.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
    const plain = await openWatch(s, `/api/v1/configmaps?watch=1&resourceVersion=${s.resourceVersion}`);
    await s.waitForWatches(2);
    s.apply(cm('b'));
    s.bookmark();
    const [, , , bookmark] = await w.until(4);
    assert.deepEqual([bookmark!.type, bookmark!.object.metadata.resourceVersion], ['BOOKMARK', String(s.resourceVersion)]);
    await plain.until(1);
    s.apply(cm('c'));
    const events = await plain.until(2);
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'ADDED'], 'no bookmark for a watch that did not ask');
    w.close();
    plain.close();
  });
});

test('@kubernetes/client-node Watch works against the fake server (events, then done on drop)', async () => {
  const { KubeConfig, Watch } = await import('@kubernetes/client-node');
  await withServer({ objects: [cm('a')] }, async (s) => {
    const file = await writeKubeconfig(s);
    try {
      const kc = new KubeConfig();
      kc.loadFromFile(file.path);
      const seen: string[] = [];
      let sawTwo!: () => void;
      const two = new Promise<void>((r) => (sawTwo = r));
      let finished!: (err: unknown) => void;
      const done = new Promise<unknown>((r) => (finished = r));
      await new Watch(kc).watch('/api/v1/namespaces/app/configmaps', { resourceVersion: String(s.resourceVersion) }, (phase, obj: KubeObject) => {
        seen.push(`${phase} ${obj.metadata.name}`);
        if (seen.length === 2) sawTwo();
      }, finished);
      await s.waitForWatches(1);
      s.apply(cm('b'));
      s.remove({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'a' });
      await two;
      assert.deepEqual(seen, ['ADDED b', 'DELETED a']);
      s.dropWatches();
      await done;
    } finally {
      await file.cleanup();
    }
  });
});
