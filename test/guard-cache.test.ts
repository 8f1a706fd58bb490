/**
 * The guard's watch cache against the fake API server (test/support/fake-apiserver.ts):
 * paginated list, watch from the list's resourceVersion, resume after a dropped or
 * ended connection, re-list after 410 Gone (as an ERROR event and as HTTP 410), and
 * retries after 403 until access is granted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuardCache } from '../src/guard/cache.js';
import { startFakeApiServer, writeKubeconfig, type FakeApiServer, type FakeApiServerOptions, type KubeObject } from './support/fake-apiserver.js';

const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

const np = (namespace: string, name: string, app?: string, types: string[] = ['Ingress']): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec: { podSelector: app === undefined ? {} : { matchLabels: { app } }, policyTypes: types },
});

const NP = (namespace: string, name: string) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace, name });

/** Polls until `check` stops throwing (events arrive asynchronously); no timing is asserted. */
async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

async function withCache(options: FakeApiServerOptions, fn: (s: FakeApiServer, c: GuardCache) => Promise<void>): Promise<void> {
  const s = await startFakeApiServer(options);
  const kc = await writeKubeconfig(s);
  const cache = new GuardCache({ kubeconfig: kc.path, pageSize: 2, backoff: { initialMs: 20, maxMs: 200 } });
  try {
    await cache.start();
    await fn(s, cache);
  } finally {
    await cache.stop();
    await s.close();
    await kc.cleanup();
  }
}

const names = (c: GuardCache, namespace: string): string[] => c.index.policiesIn(namespace).map((p) => p.name);

test('lists every page, parses the policies, syncs, and follows the watch', async () => {
  const objects = [ns('shop', { team: 'a' }), ns('db'), np('shop', 'default-deny'), np('shop', 'web', 'web', ['Ingress', 'Egress']), np('shop', 'api', 'api'), np('db', 'deny')];
  await withCache({ objects, maxPageSize: 2 }, async (s, cache) => {
    assert.equal(cache.synced, false, 'not synced before the first list');
    await cache.waitForSync();
    assert.equal(cache.synced, true);
    assert.equal(s.continueRequests().filter((r) => r.path.endsWith('/networkpolicies')).length, 1, 'the 4 policies came in two pages of 2');
    assert.deepEqual(names(cache, 'shop'), ['api', 'default-deny', 'web']);
    const web = cache.index.policiesIn('shop').find((p) => p.name === 'web')!;
    assert.equal(web.egressType, true);
    assert.equal(cache.index.namespaceObject('shop')?.object.metadata.labels?.['team'], 'a');
    assert.deepEqual(cache.objectCounts(), { NetworkPolicy: 4, Namespace: 2 });
    assert.ok(cache.lastEventAt !== undefined);

    // The watch starts from the list's resourceVersion: changes made after it arrive.
    await s.waitForWatches(2);
    s.apply(np('db', 'allow-api', 'db'));
    s.apply({ ...np('shop', 'api', 'api'), spec: { podSelector: { matchLabels: { app: 'api-v2' } } } });
    s.remove(NP('shop', 'default-deny'));
    s.apply(ns('payments'));
    await eventually(() => {
      assert.deepEqual(names(cache, 'db'), ['allow-api', 'deny']);
      assert.deepEqual(names(cache, 'shop'), ['api', 'web']);
      assert.deepEqual(cache.index.policiesIn('shop')[0]!.podSelector.matchLabels, { app: 'api-v2' });
      assert.ok(cache.index.namespaceObject('payments'));
    });
    assert.equal(cache.stats.lists, 2, 'one list per resource, no re-list');
  });
});

test('a dropped watch connection resumes from the last resourceVersion without listing again', async () => {
  await withCache({ objects: [ns('shop'), np('shop', 'a')] }, async (s, cache) => {
    await cache.waitForSync();
    await s.waitForWatches(2);
    const watchesBefore = cache.stats.watches;
    s.dropWatches();
    // Made while no watch is open: the resumed watch replays it from the history.
    s.apply(np('shop', 'b'));
    await eventually(() => {
      assert.deepEqual(names(cache, 'shop'), ['a', 'b']);
    });
    await s.waitForWatches(2);
    assert.ok(cache.stats.watches > watchesBefore, 'the watch was opened again');
    assert.equal(cache.stats.relists, 0, 'no re-list was needed');
    const resumed = s.requests.filter((r) => r.query['watch'] !== undefined && r.path.endsWith('/networkpolicies')).at(-1)!;
    assert.notEqual(resumed.query['resourceVersion'], undefined);
    assert.notEqual(resumed.query['resourceVersion'], '0');

    // A clean end (the server's timeout) resumes too.
    s.endWatches();
    s.apply(np('shop', 'c'));
    await eventually(() => {
      assert.deepEqual(names(cache, 'shop'), ['a', 'b', 'c']);
    });
    assert.equal(cache.stats.relists, 0);
  });
});

for (const goneAs of ['event', 'http'] as const) {
  test(`410 Gone (${goneAs === 'event' ? 'an ERROR event' : 'HTTP 410'}) makes it list again, dropping what was deleted meanwhile`, async () => {
    await withCache({ objects: [ns('shop'), np('shop', 'a'), np('shop', 'b')], goneAs }, async (s, cache) => {
      await cache.waitForSync();
      await s.waitForWatches(2);
      // All in one tick: the cache cannot resume before the history is gone.
      s.dropWatches();
      s.remove(NP('shop', 'a'));
      s.apply(np('shop', 'c'));
      s.compact();
      await eventually(() => {
        assert.ok(cache.stats.gone >= 1, 'the watch was refused with 410');
        assert.ok(cache.stats.relists >= 1, 'and the resource listed again');
        assert.deepEqual(names(cache, 'shop'), ['b', 'c']);
      });
      assert.equal(cache.synced, true, 'it stays ready through a re-list');
      // And it watches again from the new list.
      await s.waitForWatches(2);
      s.apply(np('shop', 'd'));
      await eventually(() => {
        assert.deepEqual(names(cache, 'shop'), ['b', 'c', 'd']);
      });
    });
  });
}

test('a forbidden list is retried, reported, and syncs once access is granted', async () => {
  let allowed = false;
  const authorize = (a: { resource: string }): boolean => allowed || a.resource !== 'networkpolicies';
  await withCache({ objects: [ns('shop'), np('shop', 'a')], authorize }, async (_s, cache) => {
    await eventually(() => {
      assert.match(cache.describeStatus(), /NetworkPolicy: not listed yet \(last error: listing networkpolicies: .*forbidden.*grant get, list and watch on networkpolicies/);
    });
    assert.equal(cache.synced, false);
    await assert.rejects(cache.waitForSync(50), /did not sync within 50 ms: Namespace: listed; NetworkPolicy: not listed yet/);
    allowed = true;
    await cache.waitForSync();
    assert.deepEqual(names(cache, 'shop'), ['a']);
    assert.ok(cache.stats.errors >= 1);
  });
});

test('an unreachable API server is retried, never thrown', async () => {
  const s = await startFakeApiServer({});
  const kc = await writeKubeconfig(s);
  await s.close();
  const cache = new GuardCache({ kubeconfig: kc.path, backoff: { initialMs: 10, maxMs: 20 } });
  try {
    await cache.start();
    await eventually(() => {
      assert.match(cache.describeStatus(), /cannot reach the API server/);
    });
    assert.equal(cache.synced, false);
  } finally {
    await cache.stop();
    await kc.cleanup();
  }
});
