/**
 * The live-cluster loader against the fake API server: the demo platform read
 * from a "cluster" must give the same Inventory as read from its manifests, kinds
 * that cannot be read are reported and do not stop the rest, an unreachable
 * server is one clear error, TLS Secret values never arrive, and pagination is
 * real.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLUSTER_RESOURCES, CNI_NAMESPACES, loadCluster, PAGE_SIZE, type ClusterLoad } from '../src/load/cluster.js';
import { parseInputs } from '../src/load/text.js';
import { buildInventory, type Inventory } from '../src/model/inventory.js';
import { analyze } from '../src/netpol/analysis.js';
import type { KubeObject } from '../src/model/kube.js';
import { startFakeApiServer, writeKubeconfig, type FakeApiServer, type FakeApiServerOptions, type KubeconfigOptions } from './support/fake-apiserver.js';

const SHOP = fileURLToPath(new URL('../examples/shop/', import.meta.url));

function manifestFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? manifestFiles(join(dir, e.name)) : /\.(ya?ml|json)$/.test(e.name) ? [join(dir, e.name)] : []));
}

const parsed = parseInputs(manifestFiles(SHOP).map((file) => ({ file, text: readFileSync(file, 'utf8') })));
const fromFiles = buildInventory(parsed.docs);
const shopObjects: KubeObject[] = fromFiles.objects.map((o) => o.object);

/** Starts a server, writes a kubeconfig for it, runs `fn`, and closes both whatever happens. */
async function withCluster<T>(options: FakeApiServerOptions, fn: (server: FakeApiServer, kubeconfig: string) => Promise<T>, kubeconfig: KubeconfigOptions = {}): Promise<T> {
  const server = await startFakeApiServer(options);
  const kc = await writeKubeconfig(server, kubeconfig);
  try {
    return await fn(server, kc.path);
  } finally {
    await kc.cleanup();
    await server.close();
  }
}

function stripSource(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripSource);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'source').map(([k, x]) => [k, stripSource(x)]));
}

const endpoints = (inv: Inventory): unknown[] => [...inv.endpoints].sort((a, b) => (a.id < b.id ? -1 : 1)).map(stripSource);
const namespaces = (inv: Inventory): unknown[] => [...inv.namespaces.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map(stripSource);
const policies = (inv: Inventory): unknown[] => [...inv.policies].sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1)).map(stripSource);

const objectKey = (o: KubeObject): string => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const loadedKinds = new Set(CLUSTER_RESOURCES.map((r) => `${r.apiVersion} ${r.kind}`));

/** The manifest objects a cluster read should find: the kinds it lists, ConfigMaps only in CNI namespaces. */
function expectedKeys(inNamespace?: string): string[] {
  return shopObjects
    .filter((o) => loadedKinds.has(`${o.apiVersion} ${o.kind}`))
    .filter((o) => o.kind !== 'ConfigMap' || (CNI_NAMESPACES as readonly string[]).includes(o.metadata.namespace ?? ''))
    .filter((o) => inNamespace === undefined || o.kind === 'ConfigMap' || o.metadata.namespace === undefined || o.metadata.namespace === inNamespace)
    .map(objectKey)
    .sort();
}

const clusterInventory = (r: ClusterLoad): Inventory => buildInventory(r.docs, { diagnostics: r.diagnostics });

test('the demo platform read from a cluster (3 items a page) equals the one read from its manifests', async () => {
  await withCluster({ objects: shopObjects, maxPageSize: 3 }, async (_server, kubeconfig) => {
    const r = await loadCluster({ kubeconfig, allNamespaces: true });
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.unavailable, []);
    assert.equal(r.contextName, 'fake');
    const inv = clusterInventory(r);
    assert.deepEqual(inv.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.ok(fromFiles.endpoints.length > 10 && fromFiles.policies.length > 30, 'the demo has endpoints and policies to compare');
    assert.deepEqual(endpoints(inv), endpoints(fromFiles));
    assert.deepEqual(namespaces(inv), namespaces(fromFiles));
    assert.deepEqual(policies(inv), policies(fromFiles));
    assert.deepEqual(inv.objects.map((o) => objectKey(o.object)).sort(), expectedKeys());
  });
});

test('documents carry apiVersion, kind and a cluster source with a running index and kind/namespace/name', async () => {
  await withCluster({ objects: shopObjects, maxPageSize: 3 }, async (_server, kubeconfig) => {
    const r = await loadCluster({ kubeconfig, allNamespaces: true, context: 'fake' });
    r.docs.forEach((d, i) => {
      const v = d.value as KubeObject;
      assert.equal(typeof v.apiVersion, 'string');
      assert.equal(typeof v.kind, 'string');
      assert.equal(d.source.file, 'cluster:fake');
      assert.equal(d.source.doc, i);
      assert.equal(d.source.line, 0);
      assert.equal(d.source.itemPath, v.metadata.namespace ? `${v.kind}/${v.metadata.namespace}/${v.metadata.name}` : `${v.kind}/${v.metadata.name}`);
      assert.equal(v.metadata['managedFields'], undefined);
    });
    // Documents come in the order of the resources read, whatever order the parallel requests finished in.
    const order = CLUSTER_RESOURCES.map((x) => x.kind);
    const seen = r.docs.map((d) => order.indexOf((d.value as KubeObject).kind));
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
  });
});

test('pagination is real: every LIST asks for limit=500 and follows continue tokens to the end', async () => {
  await withCluster({ objects: shopObjects, maxPageSize: 3 }, async (server, kubeconfig) => {
    const r = await loadCluster({ kubeconfig, allNamespaces: true });
    const lists = server.requests.filter((q) => q.query['watch'] === undefined);
    assert.ok(lists.every((q) => q.query['limit'] === String(PAGE_SIZE)));
    // One request per page: ceil(n / 3) pages per list (at least one).
    const perList = new Map<string, number>();
    for (const d of r.docs) {
      const v = d.value as KubeObject;
      const scope = v.kind === 'ConfigMap' ? v.metadata.namespace : '';
      const k = `${v.kind} ${scope ?? ''}`;
      perList.set(k, (perList.get(k) ?? 0) + 1);
    }
    const expectedContinues = [...perList.values()].reduce((sum, n) => sum + Math.ceil(n / 3) - 1, 0);
    assert.ok(expectedContinues >= 13, '42 NetworkPolicies alone need 14 pages');
    assert.equal(server.continueRequests().length, expectedContinues);
    assert.equal(r.docs.length, expectedKeys().length);
  });
});

test('a forbidden kind (403) and an unserved group (404) are reported as unavailable; the rest still loads', async () => {
  const options = { objects: shopObjects, maxPageSize: 50, forbidden: ['networkpolicies.networking.k8s.io'], notServed: ['gateway.networking.k8s.io'] };
  await withCluster(options, async (_server, kubeconfig) => {
    const r = await loadCluster({ kubeconfig, allNamespaces: true });
    assert.deepEqual(r.unavailable.map((u) => [u.kind, u.apiVersion, u.reason]), [
      ['NetworkPolicy', 'networking.k8s.io/v1', 'forbidden'],
      ['Gateway', 'gateway.networking.k8s.io/v1', 'not-served'],
      ['GatewayClass', 'gateway.networking.k8s.io/v1', 'not-served'],
      ['HTTPRoute', 'gateway.networking.k8s.io/v1', 'not-served'],
      ['GRPCRoute', 'gateway.networking.k8s.io/v1', 'not-served'],
    ]);
    assert.match(r.unavailable[0]!.message, /forbidden/);
    assert.ok(r.diagnostics.every((d) => d.severity === 'warning'));
    const forbidden = r.diagnostics.filter((d) => d.code === 'cluster-kind-forbidden');
    assert.equal(forbidden.length, 1);
    assert.match(forbidden[0]!.message, /networkpolicies\.networking\.k8s\.io.*segregation/);
    assert.match(forbidden[0]!.hint ?? '', /kubectl auth can-i list networkpolicies\.networking\.k8s\.io -A/);
    assert.equal(r.diagnostics.filter((d) => d.code === 'cluster-kind-not-served').length, 4);
    assert.match(r.diagnostics.find((d) => d.code === 'cluster-kind-not-served')!.message, /gateway\.networking\.k8s\.io\/v1 gateways.*ingress-encryption/);

    const inv = clusterInventory(r);
    assert.equal(inv.policies.length, 0);
    assert.deepEqual(endpoints(inv), endpoints(fromFiles));
    assert.deepEqual(namespaces(inv), namespaces(fromFiles));
    const kinds = new Set(inv.objects.map((o) => o.object.kind));
    for (const k of ['Deployment', 'Service', 'ClusterRole', 'Certificate', 'FelixConfiguration']) assert.ok(kinds.has(k), k);
    for (const k of ['NetworkPolicy', 'Gateway', 'HTTPRoute']) assert.ok(!kinds.has(k), k);
  });
});

test('a kind forbidden only in one CNI namespace names that namespace in its warning', async () => {
  const authorize = (a: { resource: string; namespace?: string }): boolean => !(a.resource === 'configmaps' && a.namespace === 'kube-system');
  await withCluster({ objects: shopObjects, authorize }, async (_server, kubeconfig) => {
    const r = await loadCluster({ kubeconfig, allNamespaces: true });
    assert.deepEqual(r.unavailable.map((u) => [u.kind, u.reason]), [['ConfigMap', 'forbidden']]);
    assert.match(r.diagnostics[0]!.hint ?? '', /kubectl auth can-i list configmaps -n kube-system/);
  });
});

test('a server that is down gives one error naming its URL, and no documents', async () => {
  const server = await startFakeApiServer();
  const url = server.url;
  await server.close();
  const kc = await writeKubeconfig({ url, token: 'x' });
  try {
    const r = await loadCluster({ kubeconfig: kc.path, allNamespaces: true });
    assert.equal(r.docs.length, 0);
    assert.equal(r.diagnostics.length, 1);
    const d = r.diagnostics[0]!;
    assert.equal(d.severity, 'error');
    assert.equal(d.code, 'cluster-unreachable');
    assert.ok(d.message.includes(url), d.message);
    assert.match(d.hint ?? '', /current-context/);
    assert.equal(r.contextName, 'fake');
  } finally {
    await kc.cleanup();
  }
});

test('rejected credentials (401) give one error, not one per kind', async () => {
  const server = await startFakeApiServer({ objects: shopObjects });
  const kc = await writeKubeconfig({ url: server.url, token: 'not-the-token' });
  try {
    const r = await loadCluster({ kubeconfig: kc.path });
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.code]), [['error', 'cluster-unauthorized']]);
    assert.equal(r.docs.length, 0);
    assert.equal(server.requests.length, 1, 'the first failure stops the read');
  } finally {
    await kc.cleanup();
    await server.close();
  }
});

test('kubeconfig problems are diagnostics: a missing file, an unknown context', async () => {
  const missing = await loadCluster({ kubeconfig: '/nonexistent/kubeconfig' });
  assert.deepEqual(missing.diagnostics.map((d) => [d.severity, d.code]), [['error', 'kubeconfig-unreadable']]);
  assert.match(missing.diagnostics[0]!.message, /\/nonexistent\/kubeconfig/);
  await withCluster({}, async (_server, kubeconfig) => {
    const r = await loadCluster({ kubeconfig, context: 'prod' });
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.code]), [['error', 'kubeconfig-context']]);
    assert.match(r.diagnostics[0]!.message, /"prod"/);
    assert.match(r.diagnostics[0]!.hint ?? '', /the contexts are: fake/);
  });
});

test('TLS Secrets arrive as metadata only; their values and other Secrets never enter the documents', async () => {
  const crt = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJlekNDQVNHZ0F3SUJBZ0lVWkdTRUNSRVQ=';
  const key = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2Z0lCQURBTkJnVE9QU0VDUkVU';
  const password = 'c3VwZXItc2VjcmV0LXBhc3N3b3Jk';
  const tls = {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
    metadata: {
      name: 'shop-tls', namespace: 'storefront', labels: { app: 'shop' },
      annotations: {
        'cert-manager.io/certificate-name': 'shop',
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ data: { 'tls.crt': crt, 'tls.key': key } }),
      },
      managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:data': { 'f:tls.crt': {} } } }],
    },
    data: { 'tls.crt': crt, 'tls.key': key },
  };
  const opaque = { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'db', namespace: 'storefront' }, data: { password } };
  for (const metadataOnly of [true, false]) {
    await withCluster({ objects: [tls, opaque], metadataOnly }, async (server, kubeconfig) => {
      const r = await loadCluster({ kubeconfig, allNamespaces: true });
      const text = JSON.stringify(r);
      for (const s of [crt, key, password, Buffer.from(crt, 'base64').toString('utf8').slice(0, 20)]) assert.ok(!text.includes(s), `${s.slice(0, 12)}... leaked (metadataOnly: ${String(metadataOnly)})`);
      const secrets = r.docs.map((d) => d.value as KubeObject).filter((v) => v.kind === 'Secret');
      assert.equal(secrets[0]?.metadata['managedFields'], undefined);
      assert.deepEqual(secrets, [{
        apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
        metadata: { ...secrets[0]!.metadata, name: 'shop-tls', namespace: 'storefront', labels: { app: 'shop' }, annotations: { 'cert-manager.io/certificate-name': 'shop' } },
      }]);
      const asked = server.requests.filter((q) => q.path === '/api/v1/secrets');
      assert.ok(asked.length > 0 && asked.every((q) => q.query['fieldSelector'] === 'type=kubernetes.io/tls' && String(q.headers['accept']).includes('as=PartialObjectMetadataList')));
    });
  }
});

test('without -A, namespaced kinds are read in the context namespace (or --namespace); cluster kinds and CNI ConfigMaps everywhere', async () => {
  await withCluster({ objects: shopObjects, maxPageSize: 3 }, async (server, kubeconfig) => {
    const r = await loadCluster({ kubeconfig });
    assert.deepEqual(r.diagnostics, []);
    const keys = r.docs.map((d) => objectKey(d.value as KubeObject)).sort();
    assert.deepEqual(keys, expectedKeys('payments'));
    const paths = new Set(server.requests.map((q) => q.path));
    assert.ok(paths.has('/apis/networking.k8s.io/v1/namespaces/payments/networkpolicies'));
    assert.ok(!paths.has('/apis/networking.k8s.io/v1/networkpolicies'));
    assert.ok(paths.has('/api/v1/namespaces/kube-system/configmaps') && !paths.has('/api/v1/configmaps'));
    assert.ok(!paths.has('/api/v1/namespaces/ingress-nginx/configmaps'), 'no ConfigMap outside the CNI namespaces is read');

    const other = await loadCluster({ kubeconfig, namespace: 'catalog' });
    assert.deepEqual(other.docs.map((d) => objectKey(d.value as KubeObject)).sort(), expectedKeys('catalog'));
  }, { namespace: 'payments' });
});

test('a context without a namespace reads the default namespace', async () => {
  await withCluster({ objects: shopObjects }, async (server, kubeconfig) => {
    const r = await loadCluster({ kubeconfig });
    assert.ok(server.requests.some((q) => q.path === '/api/v1/namespaces/default/pods'));
    assert.deepEqual(r.docs.map((d) => objectKey(d.value as KubeObject)).sort(), expectedKeys('default'));
  });
});

test('a continue token that expires mid-list (410) restarts the list once and still reads everything', async () => {
  let server: FakeApiServer | undefined;
  let compacted = false;
  const onRequest = (q: { path: string; query: Readonly<Record<string, string>> }): void => {
    if (!compacted && q.path === '/apis/networking.k8s.io/v1/networkpolicies' && q.query['continue'] !== undefined) {
      compacted = true;
      server!.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated', namespace: 'default' } });
      server!.compact();
    }
  };
  await withCluster({ objects: shopObjects, maxPageSize: 10, onRequest }, async (s, kubeconfig) => {
    server = s;
    const r = await loadCluster({ kubeconfig, allNamespaces: true });
    assert.ok(compacted);
    assert.deepEqual(r.diagnostics, []);
    const firstPages = s.requests.filter((q) => q.path === '/apis/networking.k8s.io/v1/networkpolicies' && q.query['continue'] === undefined);
    assert.equal(firstPages.length, 2, 'listed again from the start');
    assert.deepEqual(policies(clusterInventory(r)), policies(fromFiles));
  });
});

test('a plain-http server works without insecure-skip-tls-verify (kubectl proxy)', async () => {
  await withCluster({ objects: shopObjects }, async (_server, kubeconfig) => {
    const r = await loadCluster({ kubeconfig, allNamespaces: true });
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.docs.length, expectedKeys().length);
  }, { skipTlsVerify: false });
});

test('KUBECONFIG is used when no --kubeconfig is given', async () => {
  await withCluster({ objects: shopObjects }, async (_server, kubeconfig) => {
    const saved = process.env['KUBECONFIG'];
    process.env['KUBECONFIG'] = kubeconfig;
    try {
      const r = await loadCluster({ allNamespaces: true });
      assert.deepEqual(r.diagnostics, []);
      assert.equal(r.docs.length, expectedKeys().length);
    } finally {
      if (saved === undefined) delete process.env['KUBECONFIG'];
      else process.env['KUBECONFIG'] = saved;
    }
  });
});

test('a kind whose LIST fails with a server error is unavailable (reason error); the rest loads', async () => {
  const fault = (q: { path: string }): number | undefined => (q.path === '/apis/networking.k8s.io/v1/ingresses' ? 500 : undefined);
  await withCluster({ objects: shopObjects, fault }, async (_server, kubeconfig) => {
    const r = await loadCluster({ kubeconfig, allNamespaces: true });
    assert.deepEqual(r.unavailable, [{ kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', reason: 'error', message: 'injected fault: HTTP 500' }]);
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.code]), [['warning', 'cluster-kind-error']]);
    assert.match(r.diagnostics[0]!.message, /ingresses\.networking\.k8s\.io in all namespaces failed \(500/);
    assert.equal(r.docs.length, expectedKeys().filter((k) => !k.includes(' Ingress ')).length);
  });
});

test('a server that does not serve /api/v1 is not a Kubernetes API server: one error', async () => {
  await withCluster({ objects: shopObjects, notServed: ['core'] }, async (server, kubeconfig) => {
    const r = await loadCluster({ kubeconfig, allNamespaces: true });
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.code]), [['error', 'cluster-not-kubernetes']]);
    assert.ok(r.diagnostics[0]!.message.includes(server.url));
    assert.equal(r.docs.length, 0);
  });
});

test('no kubeconfig anywhere is one error saying where it looked', async () => {
  const saved = { KUBECONFIG: process.env['KUBECONFIG'], HOME: process.env['HOME'], USERPROFILE: process.env['USERPROFILE'] };
  const home = mkdtempSync(join(tmpdir(), 'meshless-home-'));
  delete process.env['KUBECONFIG'];
  process.env['HOME'] = home;
  try {
    const r = await loadCluster({});
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.code]), [['error', 'kubeconfig-missing']]);
    assert.match(r.diagnostics[0]!.hint ?? '', /--kubeconfig/);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
    rmSync(home, { recursive: true, force: true });
  }
});

test('cluster-wide and CNI policies are read from the cluster and decide connectivity as from manifests', async () => {
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', labels: { ns: 'x' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'y', labels: { ns: 'y' } } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'x', labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'example/a:1' }] }, status: { podIP: '10.0.1.1' } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'y', labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'example/b:1' }] }, status: { podIP: '10.0.2.1' } },
    { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: 'deny-y' }, spec: { tier: 'Admin', priority: 10, subject: { namespaces: { matchLabels: { ns: 'x' } } }, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { ns: 'y' } } }] }] } },
    { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'y-egress' }, spec: { namespaceSelector: "ns == 'y'", types: ['Egress'], egress: [{ action: 'Allow' }] } },
    { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'x-in', namespace: 'x' }, spec: { endpointSelector: {}, ingress: [{ fromEntities: ['cluster'] }] } },
  ] as unknown as KubeObject[];
  await withCluster({ objects }, async (_server, kubeconfig) => {
    const r = await loadCluster({ kubeconfig, allNamespaces: true });
    assert.deepEqual(r.unavailable, []);
    const inv = clusterInventory(r);
    assert.deepEqual(inv.layers.policies.map((p) => `${p.kind} ${p.name}`).sort(), ['CiliumNetworkPolicy x-in', 'ClusterNetworkPolicy deny-y', 'GlobalNetworkPolicy y-egress']);
    const a = analyze(inv);
    assert.equal(a.isAllowed('y/b', 'x/a', 80, 'TCP'), false, 'the admin tier denies y → x although Cilium admits the cluster');
    assert.equal(a.isAllowed('x/a', 'x/a', 80, 'TCP'), true);
  });
});
