/**
 * The guard's watch cache against the fake API server (test/support/fake-apiserver.ts):
 * paginated list, watch from the list's resourceVersion, resume after a dropped or
 * ended connection, re-list after 410 Gone (as an ERROR event and as HTTP 410), and
 * retries after 403 until access is granted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { GUARD_RESOURCES, GuardCache } from '../src/guard/cache.js';
import { decide, DEFAULT_GUARD_CONFIG, DENYING_EDGE_CHECKS, type AdmissionRequest } from '../src/guard/decide.js';
import { inventoryFromParsed, parseInputs } from '../src/load/text.js';
import type { Inventory } from '../src/model/inventory.js';
import { analyze } from '../src/netpol/analysis.js';
import { ALL_CHECKS } from '../src/checks/index.js';
import { runAudit } from '../src/checks/run.js';
import { DEFAULT_CONFIG } from '../src/checks/types.js';
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

/** Every watched resource has its watch open. */
const ALL = GUARD_RESOURCES.length;

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
    await s.waitForWatches(ALL);
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
    assert.equal(cache.stats.lists, ALL, 'one list per resource, no re-list');
  });
});

test('a dropped watch connection resumes from the last resourceVersion without listing again', async () => {
  await withCache({ objects: [ns('shop'), np('shop', 'a')] }, async (s, cache) => {
    await cache.waitForSync();
    await s.waitForWatches(ALL);
    const watchesBefore = cache.stats.watches;
    s.dropWatches();
    // Made while no watch is open: the resumed watch replays it from the history.
    s.apply(np('shop', 'b'));
    await eventually(() => {
      assert.deepEqual(names(cache, 'shop'), ['a', 'b']);
    });
    await s.waitForWatches(ALL);
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
      await s.waitForWatches(ALL);
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
      await s.waitForWatches(ALL);
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
      assert.match(cache.describeStatus(), /cannot connect to the API server at http/);
    });
    assert.equal(cache.synced, false);
  } finally {
    await cache.stop();
    await kc.cleanup();
  }
});

// ---- The edge checks' context: listed and watched, and the guard then agrees with the audit ----

/** An AdmissionRequest creating `object`, as the API server sends it. */
function admission(object: Record<string, unknown>): AdmissionRequest {
  const apiVersion = object['apiVersion'] as string;
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  const meta = object['metadata'] as { name: string; namespace?: string };
  return { uid: 'u', kind: { group, version, kind: object['kind'] as string }, operation: 'CREATE', name: meta.name, ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}), object };
}

const guardConfig = { ...DEFAULT_GUARD_CONFIG, exemptNamespaces: [] };

function demo(): Inventory {
  const dir = fileURLToPath(new URL('../examples/shop/', import.meta.url));
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f)).sort();
  return inventoryFromParsed(parseInputs(files.map((f) => ({ file: join(dir, f), text: readFileSync(join(dir, f), 'utf8') }))));
}

const EDGE = new Set(['Ingress', 'HTTPRoute', 'GRPCRoute']);
const objKey = (kind: string, namespace: string | undefined, name: string): string => `${kind} ${namespace ?? ''}/${name}`;

test('in the cluster, Ingresses and routes get the verdict meshless audit gives on the same objects', async () => {
  const inv = demo();
  const audit = runAudit(inv, analyze(inv), { config: DEFAULT_CONFIG, checks: ALL_CHECKS });
  const auditDenies = new Map<string, string[]>();
  for (const f of audit.findings) {
    if (f.suppressed || !DENYING_EDGE_CHECKS.has(f.check)) continue;
    const k = objKey(f.object.kind, f.object.namespace, f.object.name);
    auditDenies.set(k, [...(auditDenies.get(k) ?? []), f.check].sort());
  }
  const edgeObjects = inv.objects.filter((o) => EDGE.has(o.object.kind)).map((o) => o.object as unknown as Record<string, unknown>);
  assert.ok(edgeObjects.length >= 6, 'the demo has Ingresses and HTTPRoutes to review');
  // The API server holds every object of the demo; the guard lists only the kinds it needs.
  await withCache({ objects: inv.objects.map((o) => o.object) }, async (s, cache) => {
    await cache.waitForSync();
    assert.ok(cache.objectCounts()['SecurityPolicy'] === 1 && cache.objectCounts()['Gateway'] === 1 && cache.objectCounts()['ClusterIssuer'] === 3, JSON.stringify(cache.objectCounts()));
    assert.equal(cache.objectCounts()['Secret'], undefined, 'Secrets are never read');
    const denied: string[] = [];
    for (const object of edgeObjects) {
      const d = decide(admission(object), cache.snapshot, guardConfig);
      const meta = object['metadata'] as { name: string; namespace?: string };
      const k = objKey(object['kind'] as string, meta.namespace, meta.name);
      const deny = d.reasons.filter((r) => r.effect === 'deny').map((r) => r.code).sort();
      assert.deepEqual(deny, auditDenies.get(k) ?? [], `${k}: the guard in the cluster denies for exactly what the audit reports`);
      assert.ok(!d.reasons.some((r) => r.code === 'not-checked' && r.effect === 'warn'), `${k}: checked, not waved through with a warning`);
      if (!d.allowed) denied.push(k);
    }
    assert.deepEqual(denied.sort(), ['HTTPRoute storefront/storefront-api', 'Ingress backoffice/admin']);

    // The shop route is allowed through its SecurityPolicy; take the policy away and it is denied, put it back and it is allowed.
    const shopRoute = edgeObjects.find((o) => o['kind'] === 'HTTPRoute' && (o['metadata'] as { name: string }).name === 'shop')!;
    const sp = inv.objects.find((o) => o.object.kind === 'SecurityPolicy')!.object;
    assert.equal(decide(admission(shopRoute), cache.snapshot, guardConfig).verdict, 'allowed');
    await s.waitForWatches(ALL);
    s.remove({ apiVersion: sp.apiVersion, kind: sp.kind, namespace: sp.metadata.namespace!, name: sp.metadata.name });
    await eventually(() => {
      const d = decide(admission(shopRoute), cache.snapshot, guardConfig);
      assert.equal(d.verdict, 'denied');
      assert.deepEqual(d.reasons.filter((r) => r.effect === 'deny').map((r) => r.code), ['auth-gateway-route-unauthenticated']);
    });
    s.apply(sp);
    await eventually(() => {
      assert.equal(decide(admission(shopRoute), cache.snapshot, guardConfig).verdict, 'allowed');
    });
  });
});

const edgeCluster = (): KubeObject[] => [
  ns('shop'),
  ns('edge'),
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'public', namespace: 'edge' },
    spec: { gatewayClassName: 'eg', listeners: [{ name: 'https', protocol: 'HTTPS', port: 443, hostname: '*.example.com', tls: { certificateRefs: [{ name: 'wildcard-tls' }] }, allowedRoutes: { namespaces: { from: 'All' } } }] },
  },
];

const apiRoute = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'api', namespace: 'shop' },
  spec: { parentRefs: [{ name: 'public', namespace: 'edge' }], hostnames: ['api.example.com'], rules: [{ backendRefs: [{ name: 'api', port: 80 }] }] },
};

test('a context kind the cluster does not serve (404) is marked so, does not hold up readiness, and its decisions warn naming it', async () => {
  await withCache({ objects: edgeCluster(), notServed: ['gateway.envoyproxy.io'] }, async (_s, cache) => {
    await cache.waitForSync();
    assert.equal(cache.synced, true);
    const status = cache.status().find((x) => x.kind === 'SecurityPolicy')!;
    assert.deepEqual([status.listed, status.unavailable], [false, 'not served']);
    assert.match(cache.describeStatus(), /SecurityPolicy: not served/);
    assert.equal(cache.status().find((x) => x.kind === 'Gateway')!.listed, true);
    const d = decide(admission(apiRoute), cache.snapshot, guardConfig);
    assert.deepEqual([d.allowed, d.reasons.map((r) => `${r.effect}:${r.code}`)], [true, ['warn:not-checked']]);
    assert.match(d.warnings[0]!, /HTTPRoute shop\/api: its TLS and authentication were not checked, because gateway\.envoyproxy\.io\/v1alpha1 SecurityPolicy is not served by the API server/);
    // An Ingress does not depend on Envoy Gateway: it is still judged.
    const ing = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop' }, spec: { ingressClassName: 'nginx', rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } };
    assert.equal(decide(admission(ing), cache.snapshot, guardConfig).verdict, 'denied');
  });
});

test('a forbidden context kind (403) does not hold up readiness; the log names the RBAC to grant; granted later, it is listed', async () => {
  let allowed = false;
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ base: null }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const authorize = (a: { resource: string }): boolean => allowed || a.resource !== 'securitypolicies';
  const s = await startFakeApiServer({ objects: edgeCluster(), authorize });
  const kc = await writeKubeconfig(s);
  const cache = new GuardCache({ kubeconfig: kc.path, logger, backoff: { initialMs: 20, maxMs: 100 } });
  try {
    await cache.start();
    await cache.waitForSync();
    assert.equal(cache.status().find((x) => x.kind === 'SecurityPolicy')!.unavailable, 'forbidden');
    const warning = lines.find((l) => l['level'] === 40 && l['kind'] === 'SecurityPolicy');
    assert.ok(warning, 'a warning about SecurityPolicies was logged');
    assert.match(String(warning['msg']), /grant get, list and watch on securitypolicies\.gateway\.envoyproxy\.io/);
    assert.match(decide(admission(apiRoute), cache.snapshot, guardConfig).warnings[0]!, /may not read securitypolicies\.gateway\.envoyproxy\.io/);
    allowed = true;
    await eventually(() => {
      assert.equal(cache.status().find((x) => x.kind === 'SecurityPolicy')!.listed, true);
    });
    const d = decide(admission(apiRoute), cache.snapshot, guardConfig);
    assert.deepEqual([d.verdict, d.reasons.filter((r) => r.effect === 'deny').map((r) => r.code)], ['denied', ['auth-gateway-route-unauthenticated']]);
  } finally {
    await cache.stop();
    await s.close();
    await kc.cleanup();
  }
});
