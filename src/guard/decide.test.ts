/**
 * The guard's decision, table by table: AdmissionReview parsing, Pods and pod
 * templates against the policies of their namespace (policyTypes defaulting,
 * selectors, nearest policies, fixes), namespaces, Ingresses and routes, the modes
 * and the failure policy — and the proof that the guard and `meshless audit` give
 * the same verdict on the demo platform and variants of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseInputs, inventoryFromParsed } from '../load/text.js';
import { buildInventory, type Inventory } from '../model/inventory.js';
import type { KubeObject } from '../model/kube.js';
import { analyze } from '../netpol/analysis.js';
import { ALL_CHECKS } from '../checks/index.js';
import { runAudit } from '../checks/run.js';
import { DEFAULT_CONFIG, type AuditConfig } from '../checks/types.js';
import {
  admissionResponse,
  decide,
  DEFAULT_GUARD_CONFIG,
  DENYING_EDGE_CHECKS,
  NAMESPACE_CHECK,
  parseAdmissionReview,
  PolicyIndex,
  REVIEWED_KINDS,
  snapshotFromInventory,
  snapshotFromObjects,
  undecided,
  WORKLOAD_EGRESS_CHECK,
  WORKLOAD_INGRESS_CHECK,
  type AdmissionRequest,
  type GuardConfig,
  type GuardDecision,
  type GuardSnapshot,
} from './decide.js';

// ---- fixtures ----------------------------------------------------------------

type Obj = Record<string, unknown>;

const ns = (name: string, labels: Record<string, string> = {}): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

function np(namespace: string, name: string, podSelector: Obj, spec: Obj = {}): Obj {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec: { podSelector, ...spec } };
}

const labelsSel = (m: Record<string, string>): Obj => ({ matchLabels: m });

const podSpec = (extra: Obj = {}): Obj => ({ containers: [{ name: 'app', image: 'example/app:1', ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 9090, protocol: 'UDP' }] }], ...extra });

function pod(namespace: string, labels: Record<string, string>, meta: Obj = {}, spec: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace, labels, ...meta }, spec: podSpec(spec) };
}

/** A controller with a pod template: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job (CronJob below). */
function controller(kind: string, namespace: string, templateLabels: Record<string, string>, meta: Obj = {}): Obj {
  const apiVersion = kind === 'Job' ? 'batch/v1' : 'apps/v1';
  return { apiVersion, kind, metadata: { name: 'w', namespace, labels: { 'not-the-template': 'x' }, ...meta }, spec: { selector: labelsSel(templateLabels), template: { metadata: { labels: templateLabels }, spec: podSpec() } } };
}

function cronJob(namespace: string, templateLabels: Record<string, string>): Obj {
  return { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { metadata: { labels: templateLabels }, spec: podSpec({ restartPolicy: 'OnFailure' }) } } } } };
}

function request(object: Obj, operation: AdmissionRequest['operation'] = 'CREATE', extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  const kind = object['kind'] as string;
  const apiVersion = object['apiVersion'] as string;
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  const meta = object['metadata'] as { name?: string; namespace?: string };
  return { uid: 'u-1', kind: { group, version, kind }, operation, ...(meta.name !== undefined ? { name: meta.name } : {}), ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}), object, ...extra };
}

const config = (over: Partial<GuardConfig> = {}): GuardConfig => ({ ...DEFAULT_GUARD_CONFIG, ...over });

/** `deny:code,code warn:code` — a decision in one comparable line. */
function summary(d: GuardDecision): string {
  const codes = (effect: string): string => d.reasons.filter((r) => r.effect === effect).map((r) => r.code).join(',');
  return [d.verdict, codes('deny') && `deny:${codes('deny')}`, codes('warn') && `warn:${codes('warn')}`, codes('info') && `info:${codes('info')}`].filter(Boolean).join(' ');
}

// The cluster most cases run against.
const cluster = snapshotFromObjects([
  ns('shop'),
  ns('bare'),
  ns('team-blue'),
  // shop: ingress for app=web, ingress+egress for app=api, egress only for app=worker.
  np('shop', 'web-in', labelsSel({ app: 'web' }), { policyTypes: ['Ingress'] }),
  np('shop', 'api-both', labelsSel({ app: 'api' }), { policyTypes: ['Ingress', 'Egress'] }),
  np('shop', 'worker-out', labelsSel({ app: 'worker' }), { policyTypes: ['Egress'] }),
  // Defaulting: no policyTypes and egress rules → [Ingress, Egress]; `egress: []` → [Ingress] only.
  np('shop', 'batch-defaulted', labelsSel({ app: 'batch' }), { egress: [{ to: [{ podSelector: {} }] }] }),
  np('shop', 'cron-empty-egress', labelsSel({ app: 'cron' }), { egress: [] }),
  // Selectors with expressions: tier in (db, cache) and not legacy.
  np('shop', 'data', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db', 'cache'] }, { key: 'legacy', operator: 'DoesNotExist' }] }, { policyTypes: ['Ingress', 'Egress'] }),
  // A typo: one label off from app=report.
  np('shop', 'reprot', labelsSel({ app: 'reprot' }), { policyTypes: ['Ingress', 'Egress'] }),
  // Another namespace's policy never counts.
  np('bare-ish', 'elsewhere', {}, { policyTypes: ['Ingress', 'Egress'] }),
] as unknown as KubeObject[]);

// ---- AdmissionReview parsing -------------------------------------------------

test('parseAdmissionReview: what the API server sends is read; anything else says what is wrong', () => {
  const good = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'abc', kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, operation: 'CREATE', namespace: 'shop', name: 'w', object: { metadata: {} }, dryRun: true } };
  const r = parseAdmissionReview(good);
  assert.ok('request' in r);
  assert.deepEqual(r.request, { uid: 'abc', kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, operation: 'CREATE', name: 'w', namespace: 'shop', object: { metadata: {} }, dryRun: true });
  const del = parseAdmissionReview({ ...good, request: { ...good.request, operation: 'DELETE', object: null } });
  assert.ok('request' in del, 'DELETE carries no object');

  const table: [string, unknown, RegExp][] = [
    ['not an object', 'hello', /must be a JSON object/],
    ['v1beta1', { ...good, apiVersion: 'admission.k8s.io/v1beta1' }, /v1beta1 is not served: set admissionReviewVersions: \[v1\]/],
    ['other apiVersion', { ...good, apiVersion: 'v1' }, /apiVersion must be admission\.k8s\.io\/v1, got "v1"/],
    ['no apiVersion', { kind: 'AdmissionReview' }, /got null/],
    ['wrong kind', { ...good, kind: 'Review' }, /kind must be AdmissionReview/],
    ['no request', { ...good, request: undefined }, /request is missing/],
    ['no uid', { ...good, request: { ...good.request, uid: '' } }, /request\.uid is missing/],
    ['bad kind', { ...good, request: { ...good.request, kind: 'Pod' } }, /request\.kind must be \{group, version, kind\}/],
    ['bad operation', { ...good, request: { ...good.request, operation: 'PATCH' } }, /operation must be one of CREATE, UPDATE, DELETE, CONNECT, got "PATCH"/],
    ['no object', { ...good, request: { ...good.request, object: undefined } }, /request\.object is missing: a CREATE request/],
    ['object not an object', { ...good, request: { ...good.request, operation: 'UPDATE', object: [1] } }, /request\.object is missing: a UPDATE/],
    ['namespace not a string', { ...good, request: { ...good.request, namespace: 3 } }, /request\.namespace must be a string/],
  ];
  for (const [what, body, message] of table) {
    const x = parseAdmissionReview(body);
    assert.ok('error' in x, what);
    assert.match(x.error, message, what);
  }
});

test('admissionResponse echoes the uid and carries status, warnings and audit annotations only when set', () => {
  const allowed = decide(request(pod('shop', { app: 'web' })), cluster, config());
  assert.deepEqual(admissionResponse('xyz', allowed), { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'xyz', allowed: true } });
  const denied = decide(request(pod('bare', { app: 'web' })), cluster, config());
  const r = admissionResponse('xyz', denied)['response'] as Obj;
  assert.equal(r['allowed'], false);
  assert.equal((r['status'] as { code: number }).code, 403);
  assert.equal(r['warnings'], undefined);
});

// ---- Pods and pod templates ----------------------------------------------------

test('Pods and pod templates: selected for ingress (and egress when required) by a policy of their namespace', () => {
  const egress = config({ requireEgress: true });
  const table: [string, Obj, GuardConfig, string][] = [
    ['Pod selected for ingress', pod('shop', { app: 'web' }), config(), 'allowed'],
    ['Pod selected for ingress, egress required', pod('shop', { app: 'web' }), egress, `denied deny:${WORKLOAD_EGRESS_CHECK}`],
    ['Pod selected both ways, egress required', pod('shop', { app: 'api', extra: 'x' }), egress, 'allowed'],
    ['Pod selected for egress only', pod('shop', { app: 'worker' }), config(), `denied deny:${WORKLOAD_INGRESS_CHECK}`],
    ['Pod selected by nothing, egress required', pod('shop', { app: 'nothing' }), egress, `denied deny:${WORKLOAD_INGRESS_CHECK},${WORKLOAD_EGRESS_CHECK}`],
    ['namespace without policies', pod('bare', { app: 'web' }), config(), `denied deny:${WORKLOAD_INGRESS_CHECK}`],
    ['a policy in another namespace does not count', pod('bare-ish-not', { app: 'x' }), config(), `denied deny:${WORKLOAD_INGRESS_CHECK}`],
    ['defaulted policyTypes with egress rules: both', pod('shop', { app: 'batch' }), egress, 'allowed'],
    ['defaulted policyTypes with egress: [] — ingress only', pod('shop', { app: 'cron' }), egress, `denied deny:${WORKLOAD_EGRESS_CHECK}`],
    ['matchExpressions In', pod('shop', { tier: 'cache' }), egress, 'allowed'],
    ['matchExpressions DoesNotExist fails', pod('shop', { tier: 'db', legacy: 'yes' }), config(), `denied deny:${WORKLOAD_INGRESS_CHECK}`],
    ['Deployment: its template labels, not its own', controller('Deployment', 'shop', { app: 'web' }), config(), 'allowed'],
    ['Deployment not selected', controller('Deployment', 'shop', { app: 'none' }), config(), `denied deny:${WORKLOAD_INGRESS_CHECK}`],
    ['StatefulSet', controller('StatefulSet', 'shop', { tier: 'db' }), egress, 'allowed'],
    ['DaemonSet', controller('DaemonSet', 'bare', { app: 'agent' }), config(), `denied deny:${WORKLOAD_INGRESS_CHECK}`],
    ['ReplicaSet', controller('ReplicaSet', 'shop', { app: 'api' }), egress, 'allowed'],
    ['Job', controller('Job', 'shop', { app: 'worker' }), config(), `denied deny:${WORKLOAD_INGRESS_CHECK}`],
    ['CronJob: the job template', cronJob('shop', { app: 'batch' }), egress, 'allowed'],
    ['CronJob not selected', cronJob('bare', { app: 'batch' }), config(), `denied deny:${WORKLOAD_INGRESS_CHECK}`],
    ['hostNetwork: NetworkPolicy does not apply', pod('bare', { app: 'x' }, {}, { hostNetwork: true }), config(), 'allowed warn:host-network'],
    ['exempt namespace', pod('kube-system', { app: 'x' }), config(), 'allowed info:exempt'],
    ['exempt by configuration', pod('bare', { app: 'x' }), config({ exemptNamespaces: ['bare'] }), 'allowed info:exempt'],
    ['being deleted (finalizer removal)', pod('bare', { app: 'x' }, { deletionTimestamp: '2026-01-01T00:00:00Z' }), config(), 'allowed info:deleting'],
    [
      'suppressed by annotation, with a reason',
      pod('bare', { app: 'x' }, { annotations: { 'meshless.dev/ignore': WORKLOAD_INGRESS_CHECK, 'meshless.dev/ignore-reason': 'legacy, isolated by the node firewall' } }),
      config(),
      `allowed info:${WORKLOAD_INGRESS_CHECK}`,
    ],
    ['suppression without a reason does not count', pod('bare', { app: 'x' }, { annotations: { 'meshless.dev/ignore': '*' } }), config(), `denied deny:${WORKLOAD_INGRESS_CHECK}`],
  ];
  for (const [what, object, cfg, expected] of table) {
    assert.equal(summary(decide(request(object), cluster, cfg)), expected, what);
  }
});

test('an unknown check id in meshless.dev/ignore is a warning with the nearest id, as in meshless audit', () => {
  const typo = pod('shop', { app: 'web' }, { annotations: { 'meshless.dev/ignore': 'seg-workload-not-isolated-ingres, *', 'meshless.dev/ignore-reason': 'x' } });
  const d = decide(request(typo), cluster, config());
  assert.equal(d.allowed, true);
  assert.deepEqual(d.reasons.filter((r) => r.code === 'unknown-check').map((r) => r.effect), ['warn']);
  assert.match(d.warnings.join('\n'), /Pod shop\/p: meshless\.dev\/ignore names an unknown check "seg-workload-not-isolated-ingres"; did you mean seg-workload-not-isolated-ingress\?/);
  // On a controller's pod template too, and on a Namespace.
  const tpl = controller('Deployment', 'shop', { app: 'web' });
  ((tpl['spec'] as Obj)['template'] as { metadata: Obj }).metadata['annotations'] = { 'meshless.dev/ignore': 'ns-team-nam' };
  assert.match(decide(request(tpl), cluster, config()).warnings.join('\n'), /did you mean ns-team-name\?/);
  const namespace = { ...ns('orders'), metadata: { name: 'orders', annotations: { 'meshless.dev/ignore': 'nope' } } };
  assert.match(decide(request(namespace), cluster, config()).warnings.join('\n'), /unknown check "nope"/);
  // Known ids are not warned about.
  const known = pod('shop', { app: 'web' }, { annotations: { 'meshless.dev/ignore': WORKLOAD_INGRESS_CHECK } });
  assert.deepEqual(decide(request(known), cluster, config()).reasons.filter((r) => r.code === 'unknown-check'), []);
});

test('requests that are not reviewed are allowed and say why', () => {
  const table: [string, AdmissionRequest, string][] = [
    ['DELETE', { uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'DELETE', namespace: 'bare', name: 'p' }, 'allowed info:not-reviewed'],
    ['CONNECT', { uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CONNECT', namespace: 'bare', name: 'p' }, 'allowed info:not-reviewed'],
    ['a subresource', request(pod('bare', {}), 'UPDATE', { subResource: 'status' }), 'allowed info:not-reviewed'],
    ['another kind', request({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'bare' } }), 'allowed info:not-reviewed'],
  ];
  for (const [what, r, expected] of table) assert.equal(summary(decide(r, cluster, config())), expected, what);
});

test('the denial names the labels, the nearest policies and the fix', () => {
  const d = decide(request(controller('Deployment', 'shop', { app: 'report', tier: 'web' }, { name: 'reporting' })), cluster, config({ requireEgress: true }));
  assert.equal(d.allowed, false);
  const m = d.status!.message;
  assert.match(m, /^Deployment shop\/reporting: no NetworkPolicy in namespace shop selects its pods \{app: report, tier: web\} for ingress or egress\./);
  assert.match(m, /Nearest policies:\n {2}- NetworkPolicy reprot \(Ingress, Egress\) is one label off: podSelector \{app: reprot\} needs app=reprot, has app=report/);
  // The fix: one policy per missing direction, selecting these pods by their app label, with their container ports.
  assert.match(m, /kind: NetworkPolicy\nmetadata:\n {2}name: report-ingress\n {2}namespace: shop\nspec:\n {2}podSelector:\n {4}matchLabels:\n {6}app: report\n {2}policyTypes:\n {4}- Ingress/);
  assert.match(m, /ports:\n {8}- protocol: TCP\n {10}port: 8080\n {8}- protocol: UDP\n {10}port: 9090/);
  assert.match(m, /---\napiVersion: networking\.k8s\.io\/v1\nkind: NetworkPolicy\nmetadata:\n {2}name: report-egress/);
  assert.match(m, /k8s-app: kube-dns/);
  assert.match(m, /meshless\.dev\/ignore: seg-workload-not-isolated-ingress,seg-workload-not-isolated-egress/);

  // A policy that selects the pods for the other direction only is named too.
  const worker = decide(request(pod('shop', { app: 'worker' })), cluster, config()).status!.message;
  assert.match(worker, /NetworkPolicy worker-out selects these pods, but not for ingress: its policyTypes are \[Egress\]/);
  const cron = decide(request(pod('shop', { app: 'cron' })), cluster, config({ requireEgress: true })).status!.message;
  assert.match(cron, /cron-empty-egress selects these pods, but not for egress: its policyTypes are \[Ingress\] \(defaulted: policyTypes is not set and spec\.egress is empty\)/);

  // Nothing near: the namespace's policies are listed, or their absence said.
  const bare = decide(request(pod('bare', { app: 'web' })), cluster, config()).status!.message;
  assert.match(bare, /Namespace bare has no NetworkPolicy at all/);
  const far = decide(request(pod('shop', { app: 'x', team: 'y' })), cluster, config()).status!.message;
  assert.match(far, /The policies of shop select other pods: api-both \{app: api\}; batch-defaulted \{app: batch\}/);

  // A Pod a ReplicaSet creates has no name yet.
  const gen = decide(request(pod('bare', { app: 'web' }, { name: undefined, generateName: 'web-7c9d-' })), cluster, config());
  assert.match(gen.status!.message, /^Pod bare\/web-7c9d-<generated>: /);
  assert.match(gen.status!.message, /name: web-ingress/);
});

test('modes: enforce denies, warn allows with a warning, audit-only allows and records', () => {
  const r = request(pod('bare', { app: 'web' }));
  const enforce = decide(r, cluster, config({ mode: 'enforce' }));
  assert.deepEqual([enforce.allowed, enforce.verdict, enforce.warnings.length], [false, 'denied', 0]);
  const warn = decide(r, cluster, config({ mode: 'warn' }));
  assert.deepEqual([warn.allowed, warn.verdict, warn.status], [true, 'would-deny', undefined]);
  assert.equal(warn.warnings.length, 1);
  assert.match(warn.warnings[0]!, /^meshless guard \(warn mode\) would deny this: Pod bare\/p: no NetworkPolicy in namespace bare selects its pods \{app: web\} for ingress/);
  assert.ok(warn.warnings.every((w) => w.length <= 256 && !w.includes('\n')));
  const audit = decide(r, cluster, config({ mode: 'audit-only' }));
  assert.deepEqual([audit.allowed, audit.verdict, audit.warnings], [true, 'would-deny', []]);
  assert.match(audit.auditAnnotations!['would-deny']!, /no NetworkPolicy in namespace bare/);
});

test('the failure policy answers what cannot be decided', () => {
  const unsynced = new PolicyIndex();
  const r = request(pod('shop', { app: 'web' }));
  const fail = decide(r, unsynced, config({ failurePolicy: 'fail' }));
  assert.deepEqual([fail.allowed, fail.verdict, fail.status?.code], [false, 'undecided', 500]);
  assert.match(fail.status!.message, /could not decide on Pod shop\/p: its NetworkPolicy cache has not synced.*failure policy is fail/);
  const ignore = decide(r, unsynced, config({ failurePolicy: 'ignore' }));
  assert.deepEqual([ignore.allowed, ignore.verdict], [true, 'undecided']);
  assert.match(ignore.warnings[0]!, /allowed unchecked \(failure policy ignore\)/);
  // No pod template to judge.
  const broken = decide(request({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'shop' }, spec: {} }), cluster, config());
  assert.match(broken.status!.message, /the Deployment has no pod template at spec\.template\.spec/);
  // What the server does when the decision throws.
  assert.equal(undecided(r, 'internal error: boom', { failurePolicy: 'ignore' }).allowed, true);
  // Namespaces and edge objects do not need the cache.
  assert.equal(decide(request(ns('orders')), unsynced, config()).verdict, 'allowed');
});

// ---- Namespaces ------------------------------------------------------------------

test('Namespaces named after a team are denied at creation (the ns-team-name rule)', () => {
  const teams: AuditConfig = { ...DEFAULT_CONFIG, teams: ['Falcons'] };
  const table: [string, AdmissionRequest, GuardConfig, string][] = [
    ['a service name', request(ns('orders-db')), config(), 'allowed'],
    ['team- prefix', request(ns('team-green')), config(), `denied deny:${NAMESPACE_CHECK}`],
    ['a colour', request(ns('blue')), config(), `denied deny:${NAMESPACE_CHECK}`],
    ['-team suffix', request(ns('payments-team')), config(), `denied deny:${NAMESPACE_CHECK}`],
    ['a configured team name', request(ns('falcons-api')), config({ audit: teams }), `denied deny:${NAMESPACE_CHECK}`],
    ['without the configured team', request(ns('falcons-api')), config(), 'allowed'],
    ['an existing one, updated', request(ns('team-green'), 'UPDATE'), config(), `allowed warn:${NAMESPACE_CHECK}`],
    ['exempt by name', request(ns('team-green')), config({ exemptNamespaces: ['team-green'] }), 'allowed info:exempt'],
    [
      'suppressed',
      request({ ...ns('team-green'), metadata: { name: 'team-green', annotations: { 'meshless.dev/ignore': NAMESPACE_CHECK, 'meshless.dev/ignore-reason': 'renamed next quarter' } } }),
      config(),
      `allowed info:${NAMESPACE_CHECK}`,
    ],
  ];
  for (const [what, r, cfg, expected] of table) assert.equal(summary(decide(r, cluster, cfg)), expected, what);
  const m = decide(request(ns('team-green')), cluster, config()).status!.message;
  assert.match(m, /^namespace team-green matches the team-name pattern \/\^team-\/: it is named after a team, not the service it provides\./);
  assert.match(m, /Fix: name it after the service it provides/);
});

// ---- Ingresses and routes --------------------------------------------------------------

const AUTH = {
  'nginx.ingress.kubernetes.io/auth-url': 'http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth',
  'nginx.ingress.kubernetes.io/auth-signin': 'https://auth.example.com/oauth2/start?rd=https://$host$escaped_request_uri',
  'nginx.ingress.kubernetes.io/auth-response-headers': 'authorization',
};

function ingress(annotations: Record<string, string>, tls: boolean, extra: Obj = {}): Obj {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'shop', annotations },
    spec: {
      ingressClassName: 'nginx',
      ...(tls ? { tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }] } : {}),
      rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
      ...extra,
    },
  };
}

const gateway: Obj = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'public', namespace: 'edge' },
  spec: {
    gatewayClassName: 'eg',
    listeners: [{ name: 'https', protocol: 'HTTPS', port: 443, hostname: '*.example.com', tls: { certificateRefs: [{ name: 'wildcard-tls' }] }, allowedRoutes: { namespaces: { from: 'All' } } }],
  },
};

const route = (name: string): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'shop' },
  spec: { parentRefs: [{ name: 'public', namespace: 'edge' }], hostnames: ['shop.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
});

const securityPolicy = (target: string): Obj => ({
  apiVersion: 'gateway.envoyproxy.io/v1alpha1',
  kind: 'SecurityPolicy',
  metadata: { name: 'auth', namespace: 'shop' },
  spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: target }], extAuth: { http: { backendRefs: [{ name: 'oauth2-proxy', namespace: 'auth', port: 4180 }] } } },
});

test('Ingresses and HTTPRoutes: denied without TLS or authentication, softer findings as warnings', () => {
  const withGateway = snapshotFromObjects([ns('shop'), ns('edge'), gateway, securityPolicy('web')] as unknown as KubeObject[]);
  const pub = { 'meshless.dev/public': 'true', 'meshless.dev/public-reason': 'the public status page' };
  const table: [string, Obj, GuardSnapshot, string][] = [
    // Class nginx and no controller in the snapshot: the Ingress itself shows the retired controller (a warning).
    ['TLS and auth-url', ingress(AUTH, true), cluster, 'allowed warn:auth-ingress-nginx-retired'],
    ['neither', ingress({}, false), cluster, 'denied deny:auth-ingress-nginx-no-auth-url,tls-host-without-tls warn:auth-ingress-nginx-retired'],
    ['no TLS', ingress(AUTH, false), cluster, 'denied deny:tls-host-without-tls warn:auth-ingress-nginx-retired'],
    ['no authentication', ingress({}, true), cluster, 'denied deny:auth-ingress-nginx-no-auth-url warn:auth-ingress-nginx-retired'],
    ['public with a reason, with TLS', ingress(pub, true), cluster, 'allowed warn:auth-ingress-nginx-retired'],
    ['public without a reason', ingress({ 'meshless.dev/public': 'true' }, true), cluster, 'denied deny:auth-ingress-nginx-no-auth-url warn:auth-ingress-nginx-retired,auth-public-without-reason'],
    ['auth-url without auth-signin: a warning', ingress({ 'nginx.ingress.kubernetes.io/auth-url': AUTH['nginx.ingress.kubernetes.io/auth-url'], 'nginx.ingress.kubernetes.io/auth-response-headers': 'authorization' }, true), cluster, 'allowed warn:auth-ingress-nginx-retired,auth-signin-missing'],
    ['no class, no known annotations', { ...ingress({}, false), spec: { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } }, cluster, 'allowed warn:not-checked'],
    ['HTTPRoute on a known HTTPS Gateway with a SecurityPolicy', route('web'), withGateway, 'allowed'],
    ['HTTPRoute outside every SecurityPolicy', route('api'), withGateway, 'denied deny:auth-gateway-route-unauthenticated'],
    ['HTTPRoute public with a reason', { ...route('status'), metadata: { name: 'status', namespace: 'shop', annotations: pub } }, withGateway, 'allowed'],
    ['HTTPRoute whose Gateway the guard does not know', route('api'), cluster, 'allowed warn:not-checked'],
  ];
  for (const [what, object, snap, expected] of table) assert.equal(summary(decide(request(object), snap, config())), expected, what);

  const d = decide(request(ingress({}, false)), cluster, config());
  assert.match(d.status!.message, /Ingress shop\/web exposes shop\.example\.com through ingress-nginx without nginx\.ingress\.kubernetes\.io\/auth-url/);
  assert.match(d.status!.message, /Fix: Let cert-manager issue a certificate/);
  const w = decide(request(route('api')), cluster, config());
  assert.match(w.warnings[0]!, /attaches to Gateway edge\/public, which meshless guard does not know/);
  assert.ok(DENYING_EDGE_CHECKS.has('tls-host-without-tls'));
});

test('the index follows changes: a policy added, changed, made invalid, deleted; a kind replaced', () => {
  const idx = snapshotFromObjects([ns('a')] as unknown as KubeObject[]);
  const r = request(pod('a', { app: 'web' }));
  assert.equal(decide(r, idx, config()).verdict, 'denied');
  idx.set(np('a', 'p', labelsSel({ app: 'web' })) as unknown as KubeObject);
  assert.equal(decide(r, idx, config()).verdict, 'allowed');
  idx.set(np('a', 'p', labelsSel({ app: 'api' })) as unknown as KubeObject);
  assert.equal(decide(r, idx, config()).verdict, 'denied');
  const problems = idx.set(np('a', 'p', labelsSel({ app: 'web' }), { policyTypes: ['ingress'] }) as unknown as KubeObject);
  assert.match(problems[0]!.message, /unsupported value "ingress"/);
  assert.equal(decide(r, idx, config()).verdict, 'denied', 'an invalid policy is left out');
  assert.equal(idx.invalidPolicies().size, 1);
  idx.set(np('a', 'q', {}) as unknown as KubeObject);
  assert.equal(decide(r, idx, config()).verdict, 'allowed');
  idx.delete('NetworkPolicy', 'a', 'q');
  assert.equal(decide(r, idx, config()).verdict, 'denied');
  idx.replaceKind('NetworkPolicy', [np('a', 'all', {}) as unknown as KubeObject]);
  assert.equal(decide(r, idx, config()).verdict, 'allowed');
  assert.deepEqual(idx.counts(), { NetworkPolicy: 1, Namespace: 1 });
});

test('never throws, whatever the object looks like', () => {
  const kinds = [...REVIEWED_KINDS, 'ConfigMap'];
  fc.assert(
    fc.property(fc.constantFrom(...kinds), fc.constantFrom('CREATE', 'UPDATE', 'DELETE'), fc.anything(), fc.option(fc.string(), { nil: undefined }), (kind, operation, junk, namespace) => {
      const object: Obj = { apiVersion: 'v1', kind, metadata: { name: 'x', ...(namespace !== undefined ? { namespace } : {}) }, spec: junk };
      for (const o of [object, { kind, metadata: junk }, { kind, spec: { template: junk } }]) {
        const r: AdmissionRequest = { uid: 'u', kind: { group: '', version: 'v1', kind }, operation: operation, object: o, ...(namespace !== undefined ? { namespace } : {}) };
        const d = decide(r, cluster, config());
        assert.equal(typeof d.allowed, 'boolean');
        JSON.stringify(admissionResponse('u', d));
      }
      parseAdmissionReview(junk);
      parseAdmissionReview({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: junk });
    }),
    { numRuns: 300 },
  );
});

// ---- The guard and the audit agree ----------------------------------------------

const root = join(dirname(), '..', '..');

function dirname(): string {
  return join(fileURLToPath(import.meta.url), '..');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? filesUnder(p) : /\.ya?ml$/.test(f) ? [p] : [];
    });
}

/** The demo platform, optionally with some documents left out (a policy file, a SecurityPolicy...). */
function shop(keep: (file: string, value: unknown) => boolean = () => true): Inventory {
  const inputs = filesUnder(join(root, 'examples/shop')).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  const parsed = parseInputs(inputs);
  const docs = parsed.docs.filter((d) => keep(d.source.file, d.value));
  return inventoryFromParsed({ ...parsed, docs });
}

const keyOf = (kind: string, namespace: string | undefined, name: string): string => `${kind} ${namespace ?? ''}/${name}`;

/** For every object the guard reviews: which of its verdict-making rules the audit and the guard find broken. */
function compare(inv: Inventory, requireEgress: boolean, audit: AuditConfig = DEFAULT_CONFIG): { reviewed: number; denied: string[] } {
  const auditConfig = { ...audit, requireEgressIsolation: requireEgress };
  const result = runAudit(inv, analyze(inv), { config: auditConfig, checks: ALL_CHECKS });
  const denying = new Set([...DENYING_EDGE_CHECKS, WORKLOAD_INGRESS_CHECK, NAMESPACE_CHECK, ...(requireEgress ? [WORKLOAD_EGRESS_CHECK] : [])]);
  const edgeIds = new Set<string>(ALL_CHECKS.filter((c) => c.control === 'authentication' || c.control === 'ingress-encryption').map((c) => c.id));
  const byObject = new Map<string, { deny: Set<string>; warn: Set<string> }>();
  for (const f of result.findings) {
    if (f.suppressed) continue;
    const k = keyOf(f.object.kind, f.object.namespace, f.object.name);
    const e = byObject.get(k) ?? { deny: new Set<string>(), warn: new Set<string>() };
    if (denying.has(f.check)) e.deny.add(f.check);
    else if (edgeIds.has(f.check)) e.warn.add(f.check);
    byObject.set(k, e);
  }
  const snapshot = snapshotFromInventory(inv);
  const cfg = config({ requireEgress, exemptNamespaces: [], audit: auditConfig });
  let reviewed = 0;
  const denied: string[] = [];
  for (const o of inv.objects) {
    if (!REVIEWED_KINDS.includes(o.object.kind)) continue;
    const d = decide(request(o.object), snapshot, cfg);
    const k = keyOf(o.object.kind, o.object.metadata.namespace, o.object.metadata.name);
    const expected = byObject.get(k) ?? { deny: new Set<string>(), warn: new Set<string>() };
    const deny = new Set(d.reasons.filter((r) => r.effect === 'deny').map((r) => r.code));
    const warn = new Set(d.reasons.filter((r) => r.effect === 'warn' && edgeIds.has(r.code)).map((r) => r.code));
    assert.deepEqual([...deny].sort(), [...expected.deny].sort(), `${k}: the guard denies for exactly what the audit reports`);
    assert.equal(d.allowed, expected.deny.size === 0, `${k}: same verdict`);
    if (o.object.kind === 'Ingress' || o.object.kind === 'HTTPRoute') {
      assert.deepEqual([...warn].sort(), [...expected.warn].sort(), `${k}: the other edge findings are the warnings`);
    }
    reviewed++;
    if (!d.allowed) denied.push(k);
  }
  return { reviewed, denied: denied.sort() };
}

test('guard and audit agree on the demo platform: same objects, same verdict', () => {
  const inv = shop();
  const strict = compare(inv, true);
  assert.equal(strict.reviewed, 32);
  assert.deepEqual(strict.denied, [
    'CronJob catalog/catalog-sync',
    'Deployment catalog/catalog',
    'Deployment team-green/reporting',
    'HTTPRoute storefront/storefront-api',
    'Ingress backoffice/admin',
    'Namespace /team-green',
  ]);
  const lenient = compare(inv, false);
  assert.deepEqual(lenient.denied, ['Deployment team-green/reporting', 'HTTPRoute storefront/storefront-api', 'Ingress backoffice/admin', 'Namespace /team-green']);
});

test('guard and audit agree on variants of the demo: policies, SecurityPolicy or TLS taken away, teams configured', () => {
  const noPolicies = compare(shop((file) => !file.includes('/networkpolicies/')), false);
  assert.ok(noPolicies.denied.filter((k) => k.startsWith('Deployment') || k.startsWith('StatefulSet') || k.startsWith('CronJob')).length >= 14, 'every workload is denied without policies');
  const someGone = compare(shop((file) => !/networkpolicies\/(catalog|storefront|orders-db)\.yaml$/.test(file)), true);
  assert.ok(someGone.denied.includes('StatefulSet orders-db/orders-db'));
  const isKind = (v: unknown, kind: string): boolean => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === kind;
  const noSecurityPolicy = compare(shop((_f, v) => !isKind(v, 'SecurityPolicy')), false);
  assert.ok(noSecurityPolicy.denied.includes('HTTPRoute storefront/shop'), 'without its SecurityPolicy the shop route is denied by both');
  const noIssuer = compare(shop((_f, v) => !isKind(v, 'ClusterIssuer')), false);
  assert.ok(noIssuer.reviewed > 0);
  const teams = compare(shop(), false, { ...DEFAULT_CONFIG, teams: ['payments'] });
  assert.ok(teams.denied.includes('Namespace /payments'));
  // And an inventory of objects assembled by hand goes the same way.
  const hand = buildInventory([ns('a'), ns('team-x'), pod('a', { app: 'w' }), np('a', 'p', labelsSel({ app: 'v' }))].map((value, i) => ({ value, source: { file: 'hand.yaml', doc: i, line: 1 } })));
  assert.deepEqual(compare(hand, false).denied, ['Namespace /team-x', 'Pod a/p']);
});

test('a context kind the snapshot cannot hold turns the verdicts that depend on it into a warning naming it', () => {
  const idx = snapshotFromObjects([ns('shop'), ns('edge'), gateway] as unknown as KubeObject[]);
  assert.equal(summary(decide(request(route('api')), idx, config())), 'denied deny:auth-gateway-route-unauthenticated');
  idx.setUnavailable('SecurityPolicy', 'gateway.envoyproxy.io/v1alpha1 SecurityPolicy is not served by the API server');
  const d = decide(request(route('api')), idx, config());
  assert.equal(summary(d), 'allowed warn:not-checked');
  assert.match(d.warnings[0]!, /not checked, because gateway\.envoyproxy\.io\/v1alpha1 SecurityPolicy is not served/);
  // Traefik Middlewares matter to a Traefik Ingress only.
  idx.setUnavailable('Middleware', 'traefik.io/v1alpha1 Middleware is not served by the API server');
  assert.equal(summary(decide(request(ingress({}, false)), idx, config())), 'denied deny:auth-ingress-nginx-no-auth-url,tls-host-without-tls warn:auth-ingress-nginx-retired');
  const traefik = { ...ingress({}, true), spec: { ...(ingress({}, true)['spec'] as Obj), ingressClassName: 'traefik' } };
  assert.match(decide(request(traefik), idx, config()).warnings[0]!, /Middleware is not served/);
  idx.setUnavailable('SecurityPolicy', undefined);
  assert.equal(decide(request(route('api')), idx, config()).verdict, 'denied', 'listed again, it is judged again');
});

test('cluster-wide and CNI policies cover pods: a layer that isolates them counts, one that does not, does not', () => {
  const layered = snapshotFromObjects([
    ns('shop', { env: 'prod' }),
    ns('lab'),
    // Calico: a global default deny for prod namespaces (the default tier denies by default).
    { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'prod-deny' }, spec: { namespaceSelector: "env == 'prod'", types: ['Ingress', 'Egress'] } },
    // A Tier whose default is Pass: selecting a pod there isolates nothing.
    { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'observe' }, spec: { order: 50, defaultAction: 'Pass' } },
    { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'observe.all' }, spec: { tier: 'observe', selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Log' }] } },
    // Cilium: lab's pods labelled app=db are default-deny for ingress.
    { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'db', namespace: 'lab' }, spec: { endpointSelector: { matchLabels: { app: 'db' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'api' } }] }] } },
    // An admin ClusterNetworkPolicy passes by default: it isolates nothing by itself.
    { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: 'admin' }, spec: { tier: 'Admin', priority: 10, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { env: 'prod' } } }] }] } },
    // Staged: not enforced.
    { apiVersion: 'projectcalico.org/v3', kind: 'StagedNetworkPolicy', metadata: { name: 'staged', namespace: 'lab' }, spec: { selector: "app == 'web'", types: ['Ingress'] } },
  ] as unknown as KubeObject[]);
  const egress = config({ requireEgress: true });
  const table: [string, Obj, GuardConfig, string][] = [
    ['Calico GNP isolates prod both ways', pod('shop', { app: 'web' }), egress, 'allowed'],
    ['Cilium policy isolates lab/db for ingress', pod('lab', { app: 'db' }), config(), 'allowed'],
    ['lab/db is not isolated for egress', pod('lab', { app: 'db' }), egress, `denied deny:${WORKLOAD_EGRESS_CHECK}`],
    ['a Pass-default tier and an admin policy isolate nothing; a staged policy is not enforced', pod('lab', { app: 'web' }), config(), `denied deny:${WORKLOAD_INGRESS_CHECK}`],
  ];
  for (const [what, object, cfg, expected] of table) {
    assert.equal(summary(decide(request(object), layered, cfg)), expected, what);
  }
  // Deleting the Cilium policy uncovers the pods; deleting a Kubernetes NetworkPolicy of the same name would not touch it.
  layered.delete('NetworkPolicy', 'lab', 'db');
  assert.equal(summary(decide(request(pod('lab', { app: 'db' })), layered, config())), 'allowed', 'a v1 delete leaves the Cilium policy');
  layered.delete('CiliumNetworkPolicy', 'lab', 'db', 'cilium.io/v2');
  assert.equal(summary(decide(request(pod('lab', { app: 'db' })), layered, config())), `denied deny:${WORKLOAD_INGRESS_CHECK}`);
});

test('guard and audit agree on coverage when policy layers isolate the workloads', () => {
  const text = [
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    env: prod',
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lab',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: example/web:1',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: tool\n  namespace: lab\nspec:\n  selector:\n    matchLabels:\n      app: tool\n  template:\n    metadata:\n      labels:\n        app: tool\n    spec:\n      containers:\n        - name: tool\n          image: example/tool:1',
    "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: prod-deny\nspec:\n  namespaceSelector: env == 'prod'\n  types:\n    - Ingress\n    - Egress",
  ].join('\n---\n');
  const inv = inventoryFromParsed(parseInputs([{ file: 'layers.yaml', text }]));
  const audit = runAudit(inv, analyze(inv), { config: DEFAULT_CONFIG, checks: ALL_CHECKS });
  const auditOpen = new Set(audit.findings.filter((f) => f.check === WORKLOAD_INGRESS_CHECK).map((f) => `${f.object.namespace ?? ''}/${f.object.name}`));
  assert.deepEqual([...auditOpen], ['lab/tool']);
  const snap = snapshotFromInventory(inv);
  for (const o of inv.objects.filter((x) => x.object.kind === 'Deployment')) {
    const d = decide(request(o.object), snap, config());
    const denied = d.reasons.some((r) => r.code === WORKLOAD_INGRESS_CHECK && r.effect === 'deny');
    assert.equal(denied, auditOpen.has(`${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`), `${o.object.metadata.name}: guard and audit agree`);
  }
});
