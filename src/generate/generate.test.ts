/**
 * The generator's output: every object validates against its schema (the
 * kubernetes-models classes, or our own schemas where no model exists), the
 * same spec gives byte-identical files, and each concern carries the fields
 * that make it work (issuer annotation, extAuth, auth-url, secrets by
 * reference only, RBAC without NetworkPolicy write).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ClusterIssuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import { Gateway, HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import { ReferenceGrant } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1';
import { generate, GENERATED_MARKER } from './index.js';
import { parseSpec, type Platform, type PlatformInput } from './spec.js';
import { SecurityPolicySchema } from './schemas/envoy-gateway.js';
import { FelixConfigurationSchema } from './schemas/calico.js';
import { CiliumEncryptionSchema, FlannelNetConfSchema } from './schemas/cni-config.js';
import { KustomizationSchema } from './schemas/kustomize.js';
import { APP_DEPLOYER_RULES } from './rbac.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const demoInput = (): PlatformInput => parseYaml(readFileSync(join(root, 'examples/meshless.yaml'), 'utf8')) as PlatformInput;

function spec(input: unknown): Platform {
  const r = parseSpec(input);
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('\n'));
  return r.spec;
}

/** The demo, and variants that exercise every renderer branch. */
function variants(): [string, Platform][] {
  const d = demoInput();
  return [
    ['demo (gateway-api, calico)', spec(d)],
    ['ingress-nginx, calico', spec({ ...d, edge: { type: 'ingress-nginx' }, encryption: { cni: 'calico' } })],
    ['cilium ipsec, dns01 cloudflare, staging', spec({ ...d, encryption: { cni: 'cilium', mode: 'ipsec' }, tls: { email: 'ops@example.com', acme: 'staging', solver: 'dns01', dns01: { cloudflare: { apiTokenSecretRef: { name: 'cloudflare', key: 'token' } } } } })],
    ['cilium wireguard, dns01 route53, ingress-nginx', spec({ ...d, edge: { type: 'ingress-nginx' }, encryption: { cni: 'cilium' }, tls: { email: 'ops@example.com', solver: 'dns01', dns01: { route53: { region: 'eu-west-1' } } } })],
  ];
}

type Obj = Record<string, unknown> & { apiVersion: string; kind: string };

const MODELS: Record<string, (o: Obj) => void> = {
  'v1/Namespace': (o) => { new Namespace(o as never).validate(); },
  'v1/ServiceAccount': (o) => { new ServiceAccount(o as never).validate(); },
  'v1/Service': (o) => { new Service(o as never).validate(); },
  'v1/ConfigMap': (o) => {
    new ConfigMap(o as never).validate();
    const data = o['data'] as Record<string, string>;
    if (data['net-conf.json'] !== undefined) FlannelNetConfSchema.parse(JSON.parse(data['net-conf.json']));
    else CiliumEncryptionSchema.parse(data);
  },
  'apps/v1/Deployment': (o) => { new Deployment(o as never).validate(); },
  'networking.k8s.io/v1/NetworkPolicy': (o) => { new NetworkPolicy(o as never).validate(); },
  'networking.k8s.io/v1/Ingress': (o) => { new Ingress(o as never).validate(); },
  'rbac.authorization.k8s.io/v1/ClusterRole': (o) => { new ClusterRole(o as never).validate(); },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (o) => { new ClusterRoleBinding(o as never).validate(); },
  'rbac.authorization.k8s.io/v1/Role': (o) => { new Role(o as never).validate(); },
  'rbac.authorization.k8s.io/v1/RoleBinding': (o) => { new RoleBinding(o as never).validate(); },
  'cert-manager.io/v1/ClusterIssuer': (o) => { new ClusterIssuer(o as never).validate(); },
  'gateway.networking.k8s.io/v1/Gateway': (o) => { new Gateway(o as never).validate(); },
  'gateway.networking.k8s.io/v1/HTTPRoute': (o) => { new HTTPRoute(o as never).validate(); },
  'gateway.networking.k8s.io/v1beta1/ReferenceGrant': (o) => { new ReferenceGrant(o as never).validate(); },
  'gateway.envoyproxy.io/v1alpha1/SecurityPolicy': (o) => SecurityPolicySchema.parse(o),
  'crd.projectcalico.org/v1/FelixConfiguration': (o) => FelixConfigurationSchema.parse(o),
  'kustomize.config.k8s.io/v1beta1/Kustomization': (o) => KustomizationSchema.parse(o),
  // meshless's own settings for `meshless audit DIR` (src/model/audit-settings.ts).
  'meshless.dev/v1alpha1/AuditSettings': (o) =>
    z.object({ apiVersion: z.literal('meshless.dev/v1alpha1'), kind: z.literal('AuditSettings'), metadata: z.object({ name: z.string() }).strict(), networkTeam: z.array(z.string()).min(1), podCidrs: z.array(z.string()).min(1), accepted: z.array(z.object({ check: z.string(), kind: z.string(), namespace: z.string().optional(), name: z.string(), path: z.string().optional(), reason: z.string().min(1) }).strict()).optional() }).strict().parse(o),
};

function objects(p: Platform): { file: string; object: Obj }[] {
  return generate(p).files.flatMap((f) =>
    parseAllDocuments(f.content).map((d) => {
      assert.deepEqual(d.errors, [], f.path);
      return { file: f.path, object: d.toJS() as Obj };
    }),
  );
}

test('every generated object validates against its schema', () => {
  const kinds = new Set<string>();
  for (const [name, p] of variants()) {
    for (const { file, object } of objects(p)) {
      const key = `${object.apiVersion}/${object.kind}`;
      const validate = MODELS[key];
      assert.ok(validate, `${name}: ${file}: no schema for ${key}; add one before generating it`);
      assert.doesNotThrow(() => { validate(object); }, (e: unknown) => assert.fail(`${name}: ${file}: ${key} ${(object["metadata"] as { name: string }).name}: ${String(e)}`));
      kinds.add(key);
    }
  }
  assert.equal(kinds.size, Object.keys(MODELS).length, `every schema is used: ${[...kinds].sort().join(', ')}`);
});

test('the schemas of our own reject what the real ones would', () => {
  const sp = objects(spec(demoInput())).find((o) => o.object.kind === 'SecurityPolicy')!.object;
  const ext = (sp['spec'] as { extAuth: Record<string, unknown> }).extAuth;
  assert.throws(() => SecurityPolicySchema.parse({ ...sp, spec: { ...(sp['spec'] as object), extAuth: { ...ext, grpc: { backendRefs: [{ name: 'x' }] } } } }), /exactly one of grpc or http/);
  assert.throws(() => SecurityPolicySchema.parse({ ...sp, spec: { ...(sp['spec'] as object), extAuth: { http: { headersToBackend: ['authorization'] } } } }), /backendRef or backendRefs/);
  assert.throws(() => SecurityPolicySchema.parse({ ...sp, spec: { extAuth: ext } }), /targetRef/);
  assert.throws(() => FelixConfigurationSchema.parse({ apiVersion: 'crd.projectcalico.org/v1', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { wireguardEnable: true } }), /wireguardEnable/);
  assert.throws(() => FlannelNetConfSchema.parse({ Network: '10.244.0.0/16', Backend: { Type: 'ipsec' } }));
});

test('the same spec gives byte-identical output, in a stable order', () => {
  for (const [, p] of variants()) {
    const a = generate(p, { source: 'meshless.yaml' });
    const b = generate(spec(JSON.parse(JSON.stringify(p)) as unknown), { source: 'meshless.yaml' });
    assert.deepEqual(b, a);
    const paths = a.files.map((f) => f.path);
    assert.deepEqual(paths, [...paths].sort());
  }
  const files = generate(spec(demoInput())).files.map((f) => f.path);
  assert.deepEqual(files, [
    'auth/oauth2-proxy.yaml',
    'cni/calico-felixconfiguration.yaml',
    'edge/gateway.yaml',
    'edge/routes.yaml',
    'edge/security-policies.yaml',
    'kustomization.yaml',
    'meshless-audit.yaml',
    'namespaces.yaml',
    'network-policies/auth.yaml',
    'network-policies/catalog.yaml',
    'network-policies/checkout.yaml',
    'network-policies/envoy-gateway-system.yaml',
    'network-policies/kube-system.yaml',
    'network-policies/orders-db.yaml',
    'network-policies/payments.yaml',
    'network-policies/storefront.yaml',
    'rbac/app-teams.yaml',
    'rbac/network-team.yaml',
    'tls/cluster-issuer.yaml',
  ]);
});

test('each file says it was generated, and from which spec', () => {
  for (const f of generate(spec(demoInput()), { source: 'examples/meshless.yaml' }).files) {
    assert.ok(f.content.startsWith(`# ${GENERATED_MARKER} from examples/meshless.yaml: do not edit`), f.path);
  }
});

test('kustomization.yaml lists every other file', () => {
  const g = generate(spec(demoInput()));
  const k = parseYaml(g.files.find((f) => f.path === 'kustomization.yaml')!.content) as { resources: string[] };
  // meshless-audit.yaml is for meshless audit, not for the cluster.
  assert.deepEqual(k.resources, g.files.map((f) => f.path).filter((p) => p !== 'kustomization.yaml' && p !== 'meshless-audit.yaml'));
});

test('gateway-api edge: HTTPS listener per host with the issuer annotation, redirect-only HTTP, SecurityPolicy to oauth2-proxy', () => {
  const objs = objects(spec(demoInput())).map((o) => o.object);
  const gw = objs.find((o) => o.kind === 'Gateway')!;
  assert.equal((gw['metadata'] as { annotations: Record<string, string> }).annotations['cert-manager.io/cluster-issuer'], 'letsencrypt-prod');
  const listeners = (gw['spec'] as { listeners: { name: string; protocol: string; hostname?: string; tls?: { certificateRefs: { name: string }[] } }[] }).listeners;
  assert.deepEqual(
    listeners.map((l) => [l.name, l.protocol, l.hostname ?? '', l.tls?.certificateRefs[0]?.name ?? '']),
    [
      ['http', 'HTTP', '', ''],
      ['https-shop-example-com', 'HTTPS', 'shop.example.com', 'shop-example-com-tls'],
      ['https-auth-shop-example-com', 'HTTPS', 'auth.shop.example.com', 'auth-shop-example-com-tls'],
    ],
  );
  const redirect = objs.find((o) => o.kind === 'HTTPRoute' && (o['metadata'] as { name: string }).name === 'https-redirect')!;
  assert.deepEqual((redirect['spec'] as { rules: unknown[] }).rules, [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }]);
  const sp = objs.find((o) => o.kind === 'SecurityPolicy')!;
  assert.deepEqual(sp['spec'], {
    targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'storefront' }],
    extAuth: {
      headersToExtAuth: ['cookie', 'x-forwarded-proto'],
      http: { backendRefs: [{ group: '', kind: 'Service', name: 'oauth2-proxy', namespace: 'auth', port: 4180 }], headersToBackend: ['authorization'] },
    },
  });
  const grant = objs.find((o) => o.kind === 'ReferenceGrant')!;
  assert.deepEqual(grant['spec'], { from: [{ group: 'gateway.envoyproxy.io', kind: 'SecurityPolicy', namespace: 'storefront' }], to: [{ group: '', kind: 'Service', name: 'oauth2-proxy' }] });
  const issuer = objs.find((o) => o.kind === 'ClusterIssuer')!;
  assert.deepEqual((issuer['spec'] as { acme: { solvers: unknown[] } }).acme.solvers, [
    { http01: { gatewayHTTPRoute: { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'shop', namespace: 'envoy-gateway-system', sectionName: 'http' }] } } },
  ]);
});

test('ingress-nginx edge: auth-url, auth-signin, auth-response-headers, TLS, issuer, and flagged as retired', () => {
  const p = spec({ ...demoInput(), edge: { type: 'ingress-nginx' } });
  const g = generate(p);
  const file = g.files.find((f) => f.path === 'edge/ingresses.yaml')!;
  assert.match(file.content, /retired in March 2026/);
  assert.ok(g.notes.some((n) => n.includes('retired in March 2026')));
  const ing = parseAllDocuments(file.content).map((d) => d.toJS() as Obj).find((o) => (o['metadata'] as { name: string }).name === 'storefront')!;
  assert.deepEqual((ing['metadata'] as { annotations: unknown }).annotations, {
    'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
    'nginx.ingress.kubernetes.io/auth-url': 'http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth',
    'nginx.ingress.kubernetes.io/auth-signin': 'https://auth.shop.example.com/oauth2/start?rd=https://$host$escaped_request_uri',
    'nginx.ingress.kubernetes.io/auth-response-headers': 'authorization',
  });
  assert.deepEqual((ing['spec'] as { tls: unknown }).tls, [{ hosts: ['shop.example.com'], secretName: 'shop-example-com-tls' }]);
});

test('oauth2-proxy: the authorization header, non-root, read-only root filesystem, secrets only by reference', () => {
  const objs = objects(spec(demoInput())).map((o) => o.object);
  const dep = objs.find((o) => o.kind === 'Deployment') as { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: { args: string[]; env: unknown[]; securityContext: Record<string, unknown> }[] } } } } & Obj;
  const pod = dep.spec.template.spec;
  const c = pod.containers[0]!;
  for (const flag of ['--set-authorization-header=true', '--reverse-proxy=true', '--upstream=static://202', '--allowed-group=shop-staff', '--email-domain=*', '--redirect-url=https://auth.shop.example.com/oauth2/callback']) {
    assert.ok(c.args.includes(flag), flag);
  }
  assert.equal(pod.securityContext['runAsNonRoot'], true);
  assert.equal(c.securityContext['readOnlyRootFilesystem'], true);
  assert.deepEqual(c.env, [
    { name: 'OAUTH2_PROXY_CLIENT_SECRET', valueFrom: { secretKeyRef: { name: 'oauth2-proxy', key: 'client-secret' } } },
    { name: 'OAUTH2_PROXY_COOKIE_SECRET', valueFrom: { secretKeyRef: { name: 'oauth2-proxy', key: 'cookie-secret' } } },
  ]);
  for (const [, p] of variants()) assert.ok(!objects(p).some((o) => o.object.kind === 'Secret'), 'no Secret objects are written');
});

test('RBAC: NetworkPolicy write for the network team only; app teams deploy without it', () => {
  const objs = objects(spec(demoInput())).map((o) => o.object);
  const crb = objs.filter((o) => o.kind === 'ClusterRoleBinding');
  assert.deepEqual(crb.map((b) => b['subjects']), [[{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'network-team' }]]);
  const writes = (rules: readonly Record<string, unknown>[]): boolean =>
    rules.some((r) => (r['resources'] as string[]).some((x) => x === 'networkpolicies' || x === '*') && (r['verbs'] as string[]).some((v) => !['get', 'list', 'watch'].includes(v)));
  assert.equal(writes(APP_DEPLOYER_RULES), false);
  const roles = objs.filter((o) => o.kind === 'Role');
  assert.deepEqual(roles.map((r) => (r['metadata'] as { namespace: string }).namespace), ['storefront', 'catalog', 'checkout', 'payments', 'orders-db']);
  for (const r of roles) assert.equal(writes(r['rules'] as Record<string, unknown>[]), false);
  assert.ok(!objs.some((o) => o.kind === 'RoleBinding' && ['edit', 'admin'].includes((o['roleRef'] as { name: string }).name)));
});

test('CNI encryption: Calico FelixConfiguration with the Kubespray variable, Cilium config; Flannel (no NetworkPolicy) refused', () => {
  const d = demoInput();
  const calico = generate(spec(d)).files.find((f) => f.path.startsWith('cni/'))!;
  assert.match(calico.content, /calico_wireguard_enabled: true/);
  assert.match(calico.content, /wireguardEnabled: true/);
  const flannel = parseSpec({ ...d, encryption: { cni: 'flannel' } });
  assert.ok(!flannel.ok);
  assert.ok(flannel.problems.some((p) => p.path.join('.') === 'encryption.cni' && /Flannel does not enforce NetworkPolicy/.test(p.message)), JSON.stringify(flannel));
  const cilium = generate(spec({ ...d, encryption: { cni: 'cilium', mode: 'ipsec' } })).files.find((f) => f.path.startsWith('cni/'))!;
  assert.deepEqual((parseYaml(cilium.content) as { data: unknown }).data, { 'enable-ipsec': 'true', 'ipsec-key-file': '/etc/ipsec/keys' });
  assert.match(cilium.content, /cilium-ipsec-keys/);
});

test('public services get the public marking and no authentication', () => {
  const d = demoInput();
  const services = (d.services as Record<string, unknown>[]).map((s) => (s['name'] === 'catalog' ? { ...s, expose: { host: 'catalog.shop.example.com', port: 8080, public: true, publicReason: 'the product catalogue is public' } } : s));
  const objs = objects(spec({ ...d, services })).map((o) => o.object);
  const route = objs.find((o) => o.kind === 'HTTPRoute' && (o['metadata'] as { name: string }).name === 'catalog')!;
  assert.deepEqual((route['metadata'] as { annotations: unknown }).annotations, { 'meshless.dev/public': 'true', 'meshless.dev/public-reason': 'the product catalogue is public' });
  assert.ok(!objs.some((o) => o.kind === 'SecurityPolicy' && (o['metadata'] as { namespace: string }).namespace === 'catalog'));
});

test('a flow of a service to itself is allowed only because it is declared', () => {
  const d = demoInput();
  const services = (d.services as Record<string, unknown>[]).map((s) => (s['name'] === 'orders-db' ? { ...s, flows: [{ to: 'orders-db', port: 5432 }] } : s));
  const files = generate(spec({ ...d, services })).files;
  const db = files.find((f) => f.path === 'network-policies/orders-db.yaml')!.content;
  assert.match(db, /name: ingress-from-orders-db-5432-tcp/);
  assert.match(db, /name: egress-to-orders-db-5432-tcp/);
});
