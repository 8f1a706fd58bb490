/**
 * `meshless migrate ingress-nginx`: the essay's ingress-nginx + oauth2-proxy
 * setup migrated to both targets, against golden outputs (refresh with
 * UPDATE_GOLDEN=1), the objects validated against their schemas, and the
 * round-trip proof checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gateway, HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import { ReferenceGrant } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { SecurityPolicySchema } from '../src/generate/schemas/envoy-gateway.js';
import { IngressRouteSchema, MiddlewareSchema } from '../src/generate/schemas/traefik.js';
import { inventoryFromText } from '../src/load/text.js';
import { migrateIngressNginx } from '../src/migrate/index.js';
import { runCli } from './support/cli.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = 'test/fixtures/migrate/essay';
const files = ['platform.yaml', 'apps.yaml', 'networkpolicies.yaml'];
const inventory = () => inventoryFromText(files.map((f) => readFileSync(join(root, fixture, f), 'utf8')).join('\n---\n'), 'essay.yaml');

function golden(name: string, actual: string): void {
  const file = join(root, 'test/golden/migrate', name);
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(file, actual);
  const expected = readFileSync(file, 'utf8');
  if (actual !== expected) writeFileSync(join(root, 'test/golden/migrate', `actual_${name}`), actual);
  assert.equal(actual, expected, `${name} differs from the golden file (actual written beside it; UPDATE_GOLDEN=1 to refresh)`);
}

for (const target of ['envoy-gateway', 'traefik'] as const) {
  test(`migrate --to ${target}: golden YAML, proof printed, the snippet listed (exit 1)`, async () => {
    const r = await runCli(['migrate', 'ingress-nginx', fixture, '--to', target, '-o', '-']);
    assert.equal(r.code, 1, r.err);
    golden(`essay-${target}.yaml`, r.out);
    assert.match(r.out, /# Round-trip proof: PASSED/);
    assert.match(r.out, /apps\.yaml:\d+: Ingress shop\/shop: nginx\.ingress\.kubernetes\.io\/configuration-snippet/);
  });

  test(`migrate --to ${target}: objects valid, proof holds, deterministic`, () => {
    const out = migrateIngressNginx(inventory(), { target });
    assert.ok(out.ok);
    const r = out.result;
    const objects = r.files.flatMap((f) => f.docs.map((d) => d.object));
    for (const o of objects) {
      const kind = o['kind'];
      if (kind === 'HTTPRoute') new HTTPRoute(o as never).validate();
      else if (kind === 'Gateway') new Gateway(o as never).validate();
      else if (kind === 'ReferenceGrant') new ReferenceGrant(o).validate();
      else if (kind === 'Certificate') new Certificate(o as never).validate();
      else if (kind === 'NetworkPolicy') new NetworkPolicy(o).validate();
      else if (kind === 'SecurityPolicy') SecurityPolicySchema.parse(o);
      else if (kind === 'IngressRoute') IngressRouteSchema.parse(o);
      else if (kind === 'Middleware') MiddlewareSchema.parse(o);
      else assert.fail(`unexpected kind ${String(kind)}`);
    }
    assert.ok(r.proof.ok, JSON.stringify(r.proof, null, 1));
    assert.deepEqual(r.proof.hosts.map((h) => [h.host, h.authAfter, h.tlsAfter]), [
      ['admin.example.com', 'authenticated', true],
      ['auth.example.com', 'authenticated', true],
      ['docs.example.com', 'public', true],
      ['grafana.example.com', 'authenticated', true],
      ['shop.example.com', 'authenticated', true],
    ]);
    assert.ok(r.proof.routes.every((x) => x.ok && x.after === x.before));
    assert.ok(r.proof.opened.every((o) => o.ok));
    assert.ok(r.proof.opened.some((o) => o.to === 'monitoring/deployment/grafana' && o.ports.includes('3000/TCP')), 'the new edge reaches Grafana where the controller did');
    assert.deepEqual(r.unsupported.map((u) => u.annotation), ['nginx.ingress.kubernetes.io/configuration-snippet']);
    assert.deepEqual(migrateIngressNginx(inventory(), { target }), out, 'deterministic');
  });
}

test('migrate --to envoy-gateway: extAuth carries auth-url and auth-response-headers; sign-in kept through oauth2-proxy', () => {
  const out = migrateIngressNginx(inventory(), { target: 'envoy-gateway' });
  assert.ok(out.ok);
  const sps = out.result.files.flatMap((f) => f.docs.map((d) => d.object)).filter((o) => o['kind'] === 'SecurityPolicy');
  const grafana = sps.find((o) => (o['metadata'] as { namespace: string }).namespace === 'monitoring') as { spec: { extAuth: { http: { backendRefs: unknown[]; headersToBackend: string[]; pathOverride?: string } } } };
  assert.deepEqual(grafana.spec.extAuth.http.backendRefs, [{ group: '', kind: 'Service', name: 'oauth2-proxy', namespace: 'auth', port: 4180 }]);
  assert.deepEqual(grafana.spec.extAuth.http.headersToBackend, ['authorization', 'x-auth-request-email']);
  assert.equal(grafana.spec.extAuth.http.pathOverride, undefined, 'oauth2-proxy runs --upstream=static://202: the check keeps the path and its sign-in redirect reaches the client');
});

test('migrate --to traefik: forwardAuth with trustForwardHeader off, sign-in errors middleware', () => {
  const out = migrateIngressNginx(inventory(), { target: 'traefik' });
  assert.ok(out.ok);
  const mws = out.result.files.flatMap((f) => f.docs.map((d) => d.object)).filter((o) => o['kind'] === 'Middleware' && (o['metadata'] as { namespace: string }).namespace === 'monitoring');
  assert.deepEqual(mws.map((m) => Object.keys(m['spec'] as object)[0]), ['errors', 'forwardAuth', 'redirectScheme']);
  assert.deepEqual((mws[1]!['spec'] as { forwardAuth: unknown }).forwardAuth, { address: 'http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth', trustForwardHeader: false, authResponseHeaders: ['authorization', 'x-auth-request-email'] });
});

test('migrate: usage and input errors exit 2 with a clear message', async () => {
  const r1 = await runCli(['migrate', 'ingress-nginx', fixture]);
  assert.equal(r1.code, 2);
  assert.match(r1.err, /--to is required/);
  const r2 = await runCli(['migrate', 'ingress-nginx', fixture, '--to', 'istio']);
  assert.equal(r2.code, 2);
  assert.match(r2.err, /--to must be one of envoy-gateway, traefik/);
  const r3 = await runCli(['migrate', 'ingress-nginx', 'examples/shop/catalog.yaml', '--to', 'traefik']);
  assert.equal(r3.code, 2);
  assert.match(r3.err, /no Ingress served by ingress-nginx/);
});

test('migrate -o json carries the proof', async () => {
  const r = await runCli(['migrate', 'ingress-nginx', fixture, '--to', 'envoy-gateway', '-o', 'json']);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out) as { proof: { ok: boolean }; unsupported: unknown[] };
  assert.equal(j.proof.ok, true);
  assert.equal(j.unsupported.length, 1);
});
