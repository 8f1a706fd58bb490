/**
 * The guard's load test (issue 7): reviews per second and latency for Pod
 * admissions with 2,000 NetworkPolicies in the cache, against a bare node:https
 * server that answers a fixed AdmissionReview (the ceiling), in the same run, on
 * loopback, with autocannon (64 connections, 20 s each).
 *
 * Each server runs in its own child process (plain node on the compiled dist/, as
 * in production), so that autocannon in this process and the server under test
 * each have a core of the two. The policies are generated the way bench/generate.ts
 * does (size M's namespaces and policies, the first 2,000 policies) and served from
 * the same PolicyIndex the watch cache fills; the guard logs at info (to
 * /dev/null) and counts every review in its metrics, as it does in production
 * (plain allows are logged at debug: GUARD_BENCH_LOG_LEVEL=debug measures that). Its RSS is
 * sampled at the start, the middle and the end of its run, and both servers' CPU
 * time per review is measured (a steadier figure than throughput on a busy machine).
 *
 *   GUARD_BENCH_SECONDS=5 node --import tsx bench/guard.ts   (a quick run; default 20)
 *
 * A second reference, the parse ceiling, is the same bare server that also runs
 * JSON.parse on each body — the least any webhook that reads the review must do —
 * so that the guard's own cost (decision, metrics, logs) is seen apart from the
 * cost of reading the request at all.
 *
 * Goals: ≥ 60% of the ceiling's throughput, p99 < 10 ms, memory flat. Reported,
 * never asserted.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import yaml from 'js-yaml';
import { generateCluster } from './generate.js';
import { admissionResponse, decide, DEFAULT_GUARD_CONFIG, snapshotFromObjects, type AdmissionRequest } from '../src/guard/decide.js';
import type { KubeObject } from '../src/model/kube.js';

export const GUARD_GOALS = { ratio: 0.6, p99Ms: 10, rssGrowthMiB: 16 } as const;
const POLICIES = 2000;

export interface LoadFigures {
  /** Reviews answered per second over the run (2xx responses / seconds). */
  readonly reviewsPerSecond: number;
  /** Server CPU time (user + system) per review, in microseconds: what the throughput costs, less sensitive to a busy machine. */
  readonly cpuMicrosPerReview: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
}

export interface GuardBenchResult {
  readonly seconds: number;
  readonly connections: number;
  readonly policies: number;
  readonly namespaces: number;
  /** Size of the Pod AdmissionReview sent. */
  readonly bodyBytes: number;
  /** What the guard answered for it (allowed, and the same answer the library gives). */
  readonly verdict: string;
  /** Where the guard's code came from (the compiled build, or the sources through tsx). */
  readonly code: string;
  readonly ceiling: LoadFigures;
  /** The bare server plus JSON.parse of each body. */
  readonly parseCeiling: LoadFigures;
  readonly guard: LoadFigures & { readonly rssStartMiB: number; readonly rssMiddleMiB: number; readonly rssEndMiB: number };
  /** The guard's throughput over the ceiling's. */
  readonly ratio: number;
  /** The guard's throughput over the parse ceiling's. */
  readonly parseRatio: number;
  /** The parse ceiling's throughput over the ceiling's: what reading the body alone leaves. */
  readonly parseCeilingRatio: number;
  readonly goals: { readonly ratio: boolean; readonly p99: boolean; readonly memoryFlat: boolean };
}

// ---------------------------------------------------------------------------
// The cluster and the request

/** Namespaces and NetworkPolicies of generated size M, cut after `count` policies. */
export function generatePolicies(count: number): KubeObject[] {
  const docs: string[] = [];
  generateCluster('M', (chunk) => {
    if (chunk.startsWith('---\napiVersion: v1\nkind: Namespace') || chunk.startsWith('---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy')) docs.push(chunk);
  });
  const out: KubeObject[] = [];
  let policies = 0;
  for (const d of docs) {
    const o = yaml.load(d) as KubeObject;
    if (o.kind === 'NetworkPolicy') {
      if (policies === count) continue;
      policies++;
    }
    out.push(o);
  }
  // Namespaces whose policies were cut stay: a Pod there is simply not selected.
  return out;
}

/** The namespace of the Pod: one in the middle of the generated ones. */
const POD_NAMESPACE = 'svc-0123-inventory';

/**
 * A Pod as the API server sends it for review when a ReplicaSet creates it: no name
 * yet (generateName), owner reference, managed fields, the projected service
 * account volume, probes, resources, tolerations.
 */
export function podReview(uid: string): Record<string, unknown> {
  const labels = { app: 'inventory-api', tier: 'backend', version: 'v1', 'pod-template-hash': '7c9d5b8f4d' };
  const object = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'inventory-api-7c9d5b8f4d-',
      namespace: POD_NAMESPACE,
      labels,
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-03-01T10:00:00Z', 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'inventory-api-7c9d5b8f4d', uid: '4b1d0c6e-5a57-4f55-9d0e-0a8e2f6b7c11', controller: true, blockOwnerDeletion: true }],
      managedFields: [
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2026-03-01T10:00:01Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {}, 'f:tier': {}, 'f:version': {}, 'f:pod-template-hash': {} }, 'f:ownerReferences': { '.': {}, 'k:{"uid":"4b1d0c6e-5a57-4f55-9d0e-0a8e2f6b7c11"}': {} } },
            'f:spec': { 'f:containers': { 'k:{"name":"inventory-api"}': { '.': {}, 'f:env': {}, 'f:image': {}, 'f:livenessProbe': {}, 'f:ports': {}, 'f:readinessProbe': {}, 'f:resources': {} } }, 'f:serviceAccountName': {} },
          },
        },
      ],
    },
    spec: {
      serviceAccountName: 'inventory-api',
      enableServiceLinks: true,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'inventory-api',
          image: 'registry.example.com/inventory/inventory-api:2.14.3',
          imagePullPolicy: 'IfNotPresent',
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
            { name: 'grpc', containerPort: 50051, protocol: 'TCP' },
          ],
          env: [
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'DB_HOST', value: 'inventory-db.svc-0123-inventory.svc.cluster.local' },
            { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'inventory-db', key: 'password' } } },
          ],
          resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
          livenessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          volumeMounts: [{ name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
        },
      ],
      volumes: [
        {
          name: 'kube-api-access-x7k2p',
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace: POD_NAMESPACE,
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', uid: '9a0c5f0e-2b7b-4d7e-9f43-3c1c6f0b8a21', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

// ---------------------------------------------------------------------------
// The children: one server each

interface Ready {
  readonly port: number;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where the guard's code comes from: the compiled dist/ as production runs it with
 * plain node (`npm run bench` builds it first; GUARD_BENCH_BUILD names another
 * build), else the sources through tsx, whose transform adds a helper call to every
 * function and costs several percent.
 */
function guardCode(): { dir: string; ext: string; execArgv: string[]; label: string } {
  const build = process.env['GUARD_BENCH_BUILD'] ?? join(ROOT, 'dist');
  if (existsSync(join(build, 'guard', 'server.js')) && existsSync(join(build, 'guard', 'decide.js'))) return { dir: build, ext: 'js', execArgv: [], label: build };
  return { dir: join(ROOT, 'src'), ext: 'ts', execArgv: ['--import', 'tsx'], label: 'src (tsx)' };
}

/** The IPC part both children share: report the port, answer `rss` and `cpu`, exit on `exit`. */
const IPC = `
process.on('message', (m) => {
  if (m === 'rss') process.send({ rss: process.memoryUsage().rss });
  if (m === 'cpu') { const u = process.cpuUsage(); process.send({ cpu: u.user + u.system }); }
  if (m === 'exit') process.exit(0);
});
process.send({ port: server.address().port });
`;

/**
 * The ceiling: TLS, read the body, answer a fixed review. No decision, no logging,
 * no metrics; with `parse`, JSON.parse of each body (the parse ceiling).
 */
function ceilingScript(cert: string, key: string, parse = false): string {
  const fixed = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: '00000000-0000-0000-0000-000000000000', allowed: true } });
  const read = parse
    ? `const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const review = JSON.parse((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8'));
    if (typeof review !== 'object') throw new Error('not a review');`
    : `req.on('data', () => undefined);
  req.on('end', () => {`;
  return `
import https from 'node:https';
import { readFileSync } from 'node:fs';
const fixed = ${JSON.stringify(fixed)};
const server = https.createServer({ cert: readFileSync(${JSON.stringify(cert)}), key: readFileSync(${JSON.stringify(key)}) }, (req, res) => {
  ${read}
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(fixed) });
    res.end(fixed);
  });
});
server.keepAliveTimeout = 120000;
await new Promise((r) => server.listen(0, '127.0.0.1', r));
${IPC}`;
}

/** The guard: its server and decision modules, the policies in a PolicyIndex, a log line per review (to /dev/null). */
function guardScript(cert: string, key: string, objectsFile: string, code: { dir: string; ext: string }): string {
  const mod = (name: string): string => JSON.stringify(pathToFileURL(join(code.dir, 'guard', `${name}.${code.ext}`)).href);
  return `
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { snapshotFromObjects, DEFAULT_GUARD_CONFIG } from ${mod('decide')};
import { startGuardServer } from ${mod('server')};
const index = snapshotFromObjects(JSON.parse(readFileSync(${JSON.stringify(objectsFile)}, 'utf8')));
const logger = pino({ level: ${JSON.stringify(process.env['GUARD_BENCH_LOG_LEVEL'] ?? 'info')}, base: { component: 'meshless-guard' }, formatters: { level: (label) => ({ level: label }) } }, pino.destination({ dest: '/dev/null', sync: false }));
const guard = await startGuardServer({
  certFile: ${JSON.stringify(cert)},
  keyFile: ${JSON.stringify(key)},
  port: 0,
  host: '127.0.0.1',
  config: DEFAULT_GUARD_CONFIG,
  source: { snapshot: index, synced: true, lastEventAt: Date.now(), objectCounts: () => index.counts() },
  logger,
});
const server = { address: () => ({ port: guard.port }) };
${IPC}`;
}

// ---------------------------------------------------------------------------
// The driver

interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
  '2xx': number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

/** autocannon ships no types; this is the part of its API used here. Loaded by the driver only, not by the server children. */
function autocannon(opts: Record<string, unknown>): Promise<AutocannonResult> {
  const run = createRequire(import.meta.url)('autocannon') as Autocannon;
  return run(opts);
}

function startChild(name: string, script: string, execArgv: string[]): Promise<{ child: ChildProcess; port: number }> {
  // An inline ES module run from the repository root, so that bare imports (pino) resolve from its node_modules.
  const child = spawn(process.execPath, [...execArgv, '--input-type=module', '--eval', script], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolvePort, reject) => {
    child.once('message', (m: Ready) => {
      resolvePort({ child, port: m.port });
    });
    child.once('exit', (code) => {
      reject(new Error(`the ${name} server exited (${code ?? 'signal'}) before it listened`));
    });
  });
}

/** Asks a server child for one figure (`rss` in bytes, `cpu` in microseconds) and waits for that answer only. */
function ask(child: ChildProcess, what: 'rss' | 'cpu'): Promise<number> {
  return new Promise((resolveFigure) => {
    const on = (m: Record<string, number>): void => {
      const v = m[what];
      if (v === undefined) return;
      child.off('message', on);
      resolveFigure(v);
    };
    child.on('message', on);
    child.send(what);
  });
}

const cpuOf = (child: ChildProcess): Promise<number> => ask(child, 'cpu');
const rssOf = async (child: ChildProcess): Promise<number> => (await ask(child, 'rss')) / (1024 * 1024);

async function load(child: ChildProcess, port: number, body: string, seconds: number, connections: number): Promise<LoadFigures> {
  const cpu0 = await cpuOf(child);
  const r = await autocannon({
    url: `https://127.0.0.1:${port}/validate`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
    pipelining: 1,
  });
  const cpu = (await cpuOf(child)) - cpu0;
  return {
    reviewsPerSecond: Math.round(r['2xx'] / r.duration),
    cpuMicrosPerReview: r['2xx'] > 0 ? Math.round((cpu / r['2xx']) * 10) / 10 : 0,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

function post(port: number, body: string): Promise<string> {
  return new Promise((resolveText, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/validate', method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        resolveText(text);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs the load test; `GUARD_BENCH_SECONDS` shortens it (default 20 s per server). */
export async function benchGuard(options: { seconds?: number; connections?: number; log?: (s: string) => void } = {}): Promise<GuardBenchResult> {
  const seconds = options.seconds ?? Number(process.env['GUARD_BENCH_SECONDS'] ?? 20);
  const connections = options.connections ?? 64;
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'meshless-guard-bench-'));
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=meshless-guard', '-days', '1', '-keyout', key, '-out', cert, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const body = JSON.stringify(podReview('705ab4f5-6393-11e8-b7cc-42010a800002'));
  const objects = generatePolicies(POLICIES);
  const expected = decide(podReview('x')['request'] as AdmissionRequest, snapshotFromObjects(objects), DEFAULT_GUARD_CONFIG);
  const children: ChildProcess[] = [];
  try {
    const warm = Math.min(3, Math.max(1, Math.round(seconds / 5)));
    log(`ceiling: bare node:https, ${connections} connections, ${warm} s warm-up + ${seconds} s`);
    const ceiling = await startChild('ceiling', ceilingScript(cert, key), []);
    children.push(ceiling.child);
    await load(ceiling.child, ceiling.port, body, warm, connections);
    const ceilingFigures = await load(ceiling.child, ceiling.port, body, seconds, connections);
    ceiling.child.send('exit');

    log(`parse ceiling: bare node:https + JSON.parse of each body, ${connections} connections, ${warm} s warm-up + ${seconds} s`);
    const parsing = await startChild('parse ceiling', ceilingScript(cert, key, true), []);
    children.push(parsing.child);
    await load(parsing.child, parsing.port, body, warm, connections);
    const parseFigures = await load(parsing.child, parsing.port, body, seconds, connections);
    parsing.child.send('exit');

    log(`guard: ${POLICIES} NetworkPolicies in the cache, ${connections} connections, ${warm} s warm-up + ${seconds} s`);
    const objectsFile = join(dir, 'cluster.json');
    writeFileSync(objectsFile, JSON.stringify(objects));
    const code = guardCode();
    const guard = await startChild('guard', guardScript(cert, key, objectsFile, code), code.execArgv);
    children.push(guard.child);
    const answer = JSON.parse(await post(guard.port, body)) as { response: Record<string, unknown> };
    const want = admissionResponse('705ab4f5-6393-11e8-b7cc-42010a800002', expected)['response'];
    if (JSON.stringify(answer.response) !== JSON.stringify(want)) throw new Error(`the guard answered ${JSON.stringify(answer.response)}, the library ${JSON.stringify(want)}`);
    await load(guard.child, guard.port, body, warm, connections);
    const rssStart = await rssOf(guard.child);
    const running = load(guard.child, guard.port, body, seconds, connections);
    await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
    const rssMiddle = await rssOf(guard.child);
    const guardFigures = await running;
    const rssEnd = await rssOf(guard.child);
    guard.child.send('exit');

    const ratio = ceilingFigures.reviewsPerSecond > 0 ? guardFigures.reviewsPerSecond / ceilingFigures.reviewsPerSecond : 0;
    const round = (x: number): number => Math.round(x * 10) / 10;
    const result: GuardBenchResult = {
      seconds,
      connections,
      policies: objects.filter((o) => o.kind === 'NetworkPolicy').length,
      namespaces: objects.filter((o) => o.kind === 'Namespace').length,
      bodyBytes: Buffer.byteLength(body),
      verdict: expected.verdict,
      code: code.label,
      ceiling: ceilingFigures,
      parseCeiling: parseFigures,
      guard: { ...guardFigures, rssStartMiB: round(rssStart), rssMiddleMiB: round(rssMiddle), rssEndMiB: round(rssEnd) },
      ratio: Math.round(ratio * 1000) / 1000,
      parseRatio: parseFigures.reviewsPerSecond > 0 ? Math.round((guardFigures.reviewsPerSecond / parseFigures.reviewsPerSecond) * 1000) / 1000 : 0,
      parseCeilingRatio: ceilingFigures.reviewsPerSecond > 0 ? Math.round((parseFigures.reviewsPerSecond / ceilingFigures.reviewsPerSecond) * 1000) / 1000 : 0,
      goals: {
        ratio: ratio >= GUARD_GOALS.ratio,
        p99: guardFigures.p99Ms < GUARD_GOALS.p99Ms,
        memoryFlat: rssEnd - rssStart <= GUARD_GOALS.rssGrowthMiB,
      },
    };
    return result;
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const self = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (self) {
  benchGuard({ log: (line) => process.stderr.write(`${line}\n`) }).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    },
    (e: unknown) => {
      process.stderr.write(`guard bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
