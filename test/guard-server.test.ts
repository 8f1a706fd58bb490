/**
 * The guard's HTTPS server, for real: a self-signed certificate made with openssl,
 * AdmissionReviews sent over TLS (allowed, denied, warnings, malformed), /readyz
 * before and after the cache syncs, /metrics, the JSON log line per review,
 * certificate rotation seen by a new connection, and — end to end — the watch
 * cache fed by the fake API server.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import pino from 'pino';
import { DEFAULT_GUARD_CONFIG, snapshotFromObjects, type GuardConfig, type PolicyIndex } from '../src/guard/decide.js';
import { MAX_BODY_BYTES, startGuardServer, type GuardServer, type GuardSource } from '../src/guard/server.js';
import { GuardCache } from '../src/guard/cache.js';
import { startFakeApiServer, writeKubeconfig } from './support/fake-apiserver.js';

const dir = mkdtempSync(join(tmpdir(), 'meshless-guard-test-'));

/** A self-signed certificate for localhost and 127.0.0.1, written to `<name>.crt` and `<name>.key`. */
function makeCert(name: string, cn = 'meshless-guard'): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-days', '2', '-keyout', key, '-out', cert, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

interface Reply {
  readonly status: number;
  readonly text: string;
  readonly json: Record<string, unknown> | undefined;
}

/** One request on a fresh TLS connection that trusts `ca`. */
function request(server: GuardServer, ca: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: server.port, method, path, ca: readFileSync(ca), agent: false, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    // The server may answer an oversize body before the client has written it all.
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') reject(e);
    });
    req.end(body);
  });
}

/** The SHA-256 fingerprint of the certificate a new TLS connection is served. */
function servedFingerprint(server: GuardServer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.on('error', reject);
  });
}

const fingerprintOf = (file: string): string => new X509Certificate(readFileSync(file)).fingerprint256;

async function eventually(check: () => Promise<void> | void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

// ---- fixtures ----------------------------------------------------------------

const namespace = (name: string): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const defaultDeny = (ns: string): Record<string, unknown> => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'default-deny', namespace: ns },
  spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
});

function pod(ns: string, name: string, labels: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: { containers: [{ name: 'app', image: 'example/app:1', ports: [{ containerPort: 8080, name: 'http' }] }] },
  };
}

function review(uid: string, object: Record<string, unknown>, kind = { group: '', version: 'v1', kind: 'Pod' }, operation = 'CREATE'): Record<string, unknown> {
  const meta = object['metadata'] as { name?: string; namespace?: string };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid, kind, resource: { group: kind.group, version: kind.version, resource: `${kind.kind.toLowerCase()}s` }, name: meta.name, namespace: meta.namespace, operation, userInfo: { username: 'alice' }, object, dryRun: false },
  };
}

const ingress = (annotations: Record<string, string>): Record<string, unknown> => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'shop', annotations },
  spec: {
    ingressClassName: 'nginx',
    tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
    rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
  },
});

// ---- one server for most tests ---------------------------------------------------

let first: { cert: string; key: string };
let live: { cert: string; key: string };
let server: GuardServer;
let index: PolicyIndex;
let lastEventAt: number | undefined;
const logLines: Record<string, unknown>[] = [];
const config: GuardConfig = { ...DEFAULT_GUARD_CONFIG, exemptNamespaces: ['kube-system'] };

before(async () => {
  first = makeCert('first');
  live = { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
  writeFileSync(live.cert, readFileSync(first.cert));
  writeFileSync(live.key, readFileSync(first.key));
  index = snapshotFromObjects([namespace('shop'), namespace('open'), defaultDeny('shop')] as never[]);
  index.synced = false;
  const source: GuardSource = {
    snapshot: index,
    get synced() {
      return index.synced;
    },
    get lastEventAt() {
      return lastEventAt;
    },
    objectCounts: () => index.counts(),
    describeStatus: () => 'NetworkPolicy: not listed yet',
  };
  const logger = pino({ base: null, level: 'debug' }, { write: (s: string) => logLines.push(JSON.parse(s) as Record<string, unknown>) });
  server = await startGuardServer({ certFile: live.cert, keyFile: live.key, port: 0, host: '127.0.0.1', config, source, logger, certPollIntervalMs: 200 });
});

after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('/healthz is 200 at once; /readyz is 503 until the cache has synced, and Pods follow the failure policy meanwhile', async () => {
  assert.equal((await request(server, live.cert, 'GET', '/healthz')).status, 200);
  const notReady = await request(server, live.cert, 'GET', '/readyz');
  assert.equal(notReady.status, 503);
  assert.match(notReady.text, /not ready: the cache has not synced.*NetworkPolicy: not listed yet/);

  const early = await request(server, live.cert, 'POST', '/validate', JSON.stringify(review('uid-early', pod('shop', 'web-1', { app: 'web' }))));
  assert.equal(early.status, 200);
  const response = early.json!['response'] as Record<string, unknown>;
  assert.equal(response['uid'], 'uid-early');
  assert.equal(response['allowed'], false, 'failure policy fail: refused');
  assert.match((response['status'] as { message: string }).message, /could not decide on Pod shop\/web-1: its NetworkPolicy cache has not synced.*failure policy is fail/);

  index.synced = true;
  lastEventAt = Date.now() - 3000;
  assert.equal((await request(server, live.cert, 'GET', '/readyz')).status, 200);
});

test('a Pod selected by a policy is allowed; one in a namespace without policies is denied with labels and fix', async () => {
  index.synced = true;
  const ok = await request(server, live.cert, 'POST', '/validate', JSON.stringify(review('uid-allowed', pod('shop', 'web-1', { app: 'web' }))));
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'uid-allowed', allowed: true } });

  const no = await request(server, live.cert, 'POST', '/validate', JSON.stringify(review('uid-denied', pod('open', 'api-1', { app: 'api', tier: 'backend' }))));
  const response = no.json!['response'] as { uid: string; allowed: boolean; status: { code: number; message: string } };
  assert.equal(response.uid, 'uid-denied');
  assert.equal(response.allowed, false);
  assert.equal(response.status.code, 403);
  assert.match(response.status.message, /^Pod open\/api-1: no NetworkPolicy in namespace open selects its pods \{app: api, tier: backend\} for ingress/);
  assert.match(response.status.message, /kind: NetworkPolicy\n.*\n {2}name: api-ingress\n {2}namespace: open\n/);

  const exempt = await request(server, live.cert, 'POST', '/validate', JSON.stringify(review('uid-exempt', pod('kube-system', 'dns', { app: 'dns' }))));
  assert.equal((exempt.json!['response'] as { allowed: boolean }).allowed, true);
});

test('a denied Pod\'s fix lists its container ports; a UTF-8 body reads; a hostNetwork Pod is allowed with a warning', async () => {
  const api = pod('open', 'api-2', { app: 'api' });
  (api['spec'] as Record<string, unknown>)['containers'] = [{ name: 'api', image: 'example/api:1', ports: [{ containerPort: 9443, name: 'https' }] }];
  const no = await request(server, live.cert, 'POST', '/validate', JSON.stringify(review('uid-denied-ports', api)));
  const denied = no.json!['response'] as { allowed: boolean; status: { message: string } };
  assert.equal(denied.allowed, false);
  assert.match(denied.status.message, /port: 9443/);
  const utf8 = pod('shop', 'web-3', { app: 'web' });
  (utf8['metadata'] as Record<string, unknown>)['annotations'] = { description: 'Bestellübersicht — café' };
  const ok = await request(server, live.cert, 'POST', '/validate', JSON.stringify(review('uid-utf8', utf8)));
  assert.deepEqual(ok.json, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'uid-utf8', allowed: true } });
  const hostNet = pod('open', 'node-agent', { app: 'agent' });
  (hostNet['spec'] as Record<string, unknown>)['hostNetwork'] = true;
  const warned = await request(server, live.cert, 'POST', '/validate', JSON.stringify(review('uid-hostnet', hostNet)));
  const w = warned.json!['response'] as { allowed: boolean; warnings?: string[] };
  assert.equal(w.allowed, true);
  assert.ok(w.warnings?.some((x) => x.includes('hostNetwork')), JSON.stringify(w));
});

test('softer findings come back as AdmissionReview warnings on an allowed object', async () => {
  const auth = { 'nginx.ingress.kubernetes.io/auth-url': 'http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth' };
  const r = await request(server, live.cert, 'POST', '/validate', JSON.stringify(review('uid-warn', ingress(auth), { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' })));
  const response = r.json!['response'] as { allowed: boolean; warnings?: string[] };
  assert.equal(response.allowed, true);
  assert.ok(response.warnings && response.warnings.length > 0, 'warnings are present');
  assert.ok(response.warnings.some((w) => w.includes('auth-signin')), `a warning names the missing auth-signin: ${JSON.stringify(response.warnings)}`);

  const bare = await request(server, live.cert, 'POST', '/validate', JSON.stringify(review('uid-edge-deny', ingress({}), { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' })));
  const denied = bare.json!['response'] as { allowed: boolean; status: { message: string } };
  assert.equal(denied.allowed, false);
  assert.match(denied.status.message, /without nginx\.ingress\.kubernetes\.io\/auth-url/);
});

test('bad requests get a 400 that says what is wrong, and the server keeps serving', async () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['malformed JSON', '{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionRev', /the body is not valid JSON/],
    ['wrong apiVersion', JSON.stringify({ ...review('u1', pod('shop', 'a', {})), apiVersion: 'admission.k8s.io/v1beta1' }), /admission\.k8s\.io\/v1beta1 is not served: set admissionReviewVersions: \[v1\]/],
    ['wrong kind', JSON.stringify({ ...review('u2', pod('shop', 'a', {})), kind: 'TokenReview' }), /kind must be AdmissionReview, got "TokenReview"/],
    ['missing request', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), /request is missing/],
    ['missing object', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u3', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE' } }), /request\.object is missing: a CREATE request carries the object/],
    ['missing uid', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', object: {} } }), /request\.uid is missing/],
    ['not an object', '[1, 2, 3]', /must be a JSON object/],
    ['oversize body', Buffer.alloc(MAX_BODY_BYTES + 1, 0x20), /larger than 3145728 bytes \(3 MiB\)/],
  ];
  for (const [what, body, message] of cases) {
    const r = await request(server, live.cert, 'POST', '/validate', body);
    assert.equal(r.status, 400, what);
    assert.equal(r.json!['kind'], 'Status', what);
    assert.match(String(r.json!['message']), message, what);
  }
  assert.equal((await request(server, live.cert, 'GET', '/validate')).status, 405);
  assert.equal((await request(server, live.cert, 'GET', '/nope')).status, 404);
  const still = await request(server, live.cert, 'POST', '/validate', JSON.stringify(review('uid-after', pod('shop', 'web-2', { app: 'web' }))));
  assert.equal((still.json!['response'] as { allowed: boolean }).allowed, true);
});

test('a JSON log line per review with uid, kind, namespace, name, verdict and latency: info, plain allows at debug', () => {
  const line = logLines.find((l) => l['uid'] === 'uid-denied');
  assert.ok(line, 'the denied review was logged');
  assert.equal(line['msg'], 'review');
  assert.equal(line['kind'], 'Pod');
  assert.equal(line['namespace'], 'open');
  assert.equal(line['name'], 'api-1');
  assert.equal(line['verdict'], 'denied');
  assert.equal(typeof line['latencyMs'], 'number');
  assert.deepEqual(line['reasons'], ['seg-workload-not-isolated-ingress']);
  assert.equal(line['level'], 30);
  const allowed = logLines.filter((l) => l['uid'] === 'uid-allowed');
  assert.equal(allowed.length, 1);
  assert.equal(allowed[0]!['level'], 20, 'a plain allow is logged at debug');
  assert.equal(allowed[0]!['reasons'], undefined);
  assert.ok(logLines.some((l) => l['verdict'] === 'invalid' && String(l['err']).includes('not valid JSON')));
});

test('/metrics: requests by kind and verdict, latency histogram, cache age and object counts', async () => {
  const r = await request(server, live.cert, 'GET', '/metrics');
  assert.equal(r.status, 200);
  const m = r.text;
  assert.match(m, /meshless_guard_admission_requests_total\{kind="Pod",verdict="denied"\} 2\b/);
  assert.match(m, /meshless_guard_admission_requests_total\{kind="Pod",verdict="allowed"\} [3-9]\b/);
  assert.match(m, /meshless_guard_admission_requests_total\{kind="invalid",verdict="invalid"\} 8\b/);
  assert.match(m, /meshless_guard_admission_requests_total\{kind="Pod",verdict="undecided"\} 1\b/);
  assert.match(m, /meshless_guard_admission_duration_seconds_bucket\{le="0\.01",kind="Pod"\} \d+/);
  assert.match(m, /meshless_guard_admission_duration_seconds_count\{kind="Ingress"\} 2\b/);
  const age = /^meshless_guard_cache_age_seconds (\S+)$/m.exec(m);
  assert.ok(age && Number(age[1]) >= 3, `cache age reflects the last event 3 s ago: ${age?.[1] ?? 'missing'}`);
  assert.match(m, /meshless_guard_cache_objects\{kind="NetworkPolicy"\} 1\b/);
  assert.match(m, /meshless_guard_cache_objects\{kind="Namespace"\} 2\b/);
  assert.match(m, /meshless_guard_cache_synced 1\b/);
  assert.match(m, /meshless_guard_certificate_expiry_timestamp_seconds \d{10}/);
  assert.match(m, /process_resident_memory_bytes \d+/);
});

test('a rotated certificate is served to new connections; a mismatched pair is skipped until the key follows', async () => {
  assert.equal(await servedFingerprint(server), fingerprintOf(first.cert));
  const second = makeCert('second', 'meshless-guard-rotated');
  // cert-manager's Secret volume: the certificate may land before its key.
  writeFileSync(`${live.cert}.tmp`, readFileSync(second.cert));
  renameSync(`${live.cert}.tmp`, live.cert);
  assert.equal(await server.reloadCertificate(), false, 'the new certificate with the old key is not a pair');
  assert.equal(await servedFingerprint(server), fingerprintOf(first.cert), 'the old certificate stays in service');
  writeFileSync(`${live.key}.tmp`, readFileSync(second.key));
  renameSync(`${live.key}.tmp`, live.key);
  // No explicit reload: the directory watch (or the poll) picks it up.
  await eventually(async () => {
    assert.equal(await servedFingerprint(server), fingerprintOf(second.cert));
  });
  const r = await request(server, live.cert, 'GET', '/healthz');
  assert.equal(r.status, 200, 'a client that trusts only the new certificate connects');
  const m = (await request(server, live.cert, 'GET', '/metrics')).text;
  assert.match(m, /meshless_guard_certificate_reloads_total\{result="ok"\} 1\b/);
  assert.match(m, /meshless_guard_certificate_reloads_total\{result="error"\} [1-9]/);
});

test('end to end: the watch cache behind the server, fed by the fake API server', async () => {
  const api = await startFakeApiServer({ objects: [namespace('team-a'), namespace('team-b'), defaultDeny('team-a')] });
  const kc = await writeKubeconfig(api);
  const cache = new GuardCache({ kubeconfig: kc.path, backoff: { initialMs: 20, maxMs: 200 } });
  const certs = makeCert('e2e');
  const s = await startGuardServer({ certFile: certs.cert, keyFile: certs.key, port: 0, host: '127.0.0.1', config, source: { snapshot: cache.index, get synced() { return cache.synced; }, get lastEventAt() { return cache.lastEventAt; }, objectCounts: () => cache.objectCounts(), describeStatus: () => cache.describeStatus() } });
  try {
    assert.equal((await request(s, certs.cert, 'GET', '/readyz')).status, 503);
    await cache.start();
    await cache.waitForSync();
    assert.equal((await request(s, certs.cert, 'GET', '/readyz')).status, 200);
    const send = async (uid: string, ns: string): Promise<boolean> => {
      const r = await request(s, certs.cert, 'POST', '/validate', JSON.stringify(review(uid, pod(ns, 'p', { app: 'x' }))));
      return (r.json!['response'] as { allowed: boolean }).allowed;
    };
    assert.equal(await send('e1', 'team-a'), true);
    assert.equal(await send('e2', 'team-b'), false);
    api.apply(defaultDeny('team-b'));
    await eventually(async () => {
      assert.equal(await send('e3', 'team-b'), true, 'the new policy arrived through the watch');
    });
  } finally {
    await s.close();
    await cache.stop();
    await api.close();
    await kc.cleanup();
  }
});
