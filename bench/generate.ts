/**
 * Synthetic clusters for the benchmarks: a deterministic (seeded) generator of a
 * multi-document YAML file that looks like `kubectl get ns,pods,netpol -A -o yaml`
 * split into documents, at three sizes.
 *
 *   S:    20 namespaces ×  20 pods × 3 policies
 *   M:   500 namespaces ×  40 pods × 5 policies
 *   L: 2,000 namespaces ×  50 pods × 3 policies  (100,000 pods, 6,000 policies, ~87 MB)
 *
 * plus two infrastructure namespaces, kube-system (CoreDNS) and ingress-nginx
 * (controller pods), without policies.
 *
 * CLI: `node --import tsx bench/generate.ts L bench/out/L.yaml` streams the file
 * (the text is written in 1 MiB chunks, never built whole in memory).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Size = 'S' | 'M' | 'L' | 'N1K' | 'N5K' | 'N10K' | 'N25K';
/** The sizes `npm run bench` measures by default. */
export const SIZE_NAMES: readonly Size[] = ['S', 'M', 'L'];
/**
 * The namespace-scaling shapes (issue 18): about 100,000 pods spread over more and more
 * namespaces (L is the 2,000-namespace point). Every namespace has 3 policies.
 */
export const SCALE_SIZES: readonly Size[] = ['N1K', 'L', 'N5K', 'N10K', 'N25K'];
export const ALL_SIZES: readonly Size[] = ['S', 'M', 'L', 'N1K', 'N5K', 'N10K', 'N25K'];
export const isSize = (s: string): s is Size => (ALL_SIZES as readonly string[]).includes(s);

export interface SizeSpec {
  readonly namespaces: number;
  readonly podsPerNamespace: number;
  readonly policiesPerNamespace: number;
  /** Apps (Deployments' pods) per namespace; pods are split evenly among them. */
  readonly appsPerNamespace: number;
  readonly seed: number;
}

export const SIZES: Readonly<Record<Size, SizeSpec>> = {
  S: { namespaces: 20, podsPerNamespace: 20, policiesPerNamespace: 3, appsPerNamespace: 4, seed: 0x5eed0001 },
  M: { namespaces: 500, podsPerNamespace: 40, policiesPerNamespace: 5, appsPerNamespace: 4, seed: 0x5eed0002 },
  L: { namespaces: 2000, podsPerNamespace: 50, policiesPerNamespace: 3, appsPerNamespace: 5, seed: 0x5eed0003 },
  N1K: { namespaces: 1000, podsPerNamespace: 100, policiesPerNamespace: 3, appsPerNamespace: 5, seed: 0x5eed0011 },
  N5K: { namespaces: 5000, podsPerNamespace: 20, policiesPerNamespace: 3, appsPerNamespace: 5, seed: 0x5eed0015 },
  N10K: { namespaces: 10000, podsPerNamespace: 10, policiesPerNamespace: 3, appsPerNamespace: 5, seed: 0x5eed0110 },
  N25K: { namespaces: 25000, podsPerNamespace: 4, policiesPerNamespace: 3, appsPerNamespace: 4, seed: 0x5eed0125 },
};

/** Pods in the infrastructure namespaces (no policies there). */
export const COREDNS_PODS = 2;
export const INGRESS_CONTROLLER_PODS = 3;
export const INFRA_NAMESPACES = 2;

export interface GeneratedSummary {
  readonly size: Size;
  /** Service namespaces plus the two infrastructure namespaces. */
  readonly namespaces: number;
  /** Every pod, infrastructure pods included. */
  readonly pods: number;
  readonly servicePods: number;
  readonly infraPods: number;
  readonly policies: number;
  /** Policies per pattern name. */
  readonly policyKinds: Readonly<Record<string, number>>;
  /** Bytes written (UTF-16 length equals byte length: the output is ASCII). */
  readonly bytes: number;
}

/** What the generator will produce for a size, without generating it. */
export function expectedCounts(size: Size): { namespaces: number; pods: number; servicePods: number; infraPods: number; policies: number } {
  const s = SIZES[size];
  const servicePods = s.namespaces * s.podsPerNamespace;
  const infraPods = COREDNS_PODS + INGRESS_CONTROLLER_PODS;
  return { namespaces: s.namespaces + INFRA_NAMESPACES, pods: servicePods + infraPods, servicePods, infraPods, policies: s.namespaces * s.policiesPerNamespace };
}

// ---------------------------------------------------------------------------
// Seeded PRNG (mulberry32): deterministic across runs and platforms.

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  /** Kubernetes-style random suffix (the alphabet of rand.String: no vowels, no confusable digits). */
  chars(n: number): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)]!;
    return s;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(16)]!;
    return s;
  }
}

// ---------------------------------------------------------------------------
// Vocabulary.

const SERVICES = [
  'orders', 'payments', 'catalog', 'inventory', 'shipping', 'users', 'auth', 'search', 'cart', 'checkout',
  'reviews', 'pricing', 'billing', 'notifications', 'recommendations', 'analytics', 'ledger', 'fraud', 'media', 'profile',
  'accounts', 'invoices', 'promotions', 'loyalty', 'returns', 'warehouse', 'tracking', 'messaging', 'reporting', 'audit',
  'sessions', 'gateway', 'geo', 'tax', 'subscriptions', 'quotes', 'claims', 'documents', 'scheduler', 'telemetry',
];

/** `app.kubernetes.io/part-of`: the system a namespace belongs to. */
const SYSTEMS = ['commerce', 'identity', 'logistics', 'finance', 'engagement', 'platform', 'data-platform', 'customer-care'];

type Tier = 'frontend' | 'backend' | 'data';

interface AppRole {
  readonly suffix: string;
  readonly tier: Tier;
  readonly grpc: boolean;
}

/** App roles in the order they are given to a namespace. */
const ROLES: readonly AppRole[] = [
  { suffix: 'web', tier: 'frontend', grpc: false },
  { suffix: 'api', tier: 'backend', grpc: true },
  { suffix: 'worker', tier: 'backend', grpc: false },
  { suffix: 'db', tier: 'data', grpc: false },
  { suffix: 'cache', tier: 'data', grpc: false },
  { suffix: 'events', tier: 'backend', grpc: true },
];

const LOG_LEVELS = ['info', 'info', 'info', 'warn', 'debug'];
const CPU_REQUESTS = ['50m', '100m', '100m', '200m', '250m', '500m'];
const MEM_REQUESTS = ['64Mi', '128Mi', '128Mi', '256Mi', '512Mi'];

/** The policy patterns, cycled through so that every size has each kind. */
export const POLICY_PATTERNS = ['default-deny', 'same-namespace', 'ingress-controller', 'app-to-app', 'dns-egress', 'https-egress'] as const;
export type PolicyPattern = (typeof POLICY_PATTERNS)[number];

export interface NsInfo {
  readonly index: number;
  readonly name: string;
  readonly service: string;
  readonly system: string;
  readonly environment: string;
  readonly apps: readonly { name: string; role: AppRole }[];
}

const pad4 = (n: number): string => String(n).padStart(4, '0');

export function namespaceInfo(index: number, spec: SizeSpec): NsInfo {
  const service = SERVICES[index % SERVICES.length]!;
  const apps = [];
  for (let a = 0; a < spec.appsPerNamespace; a++) {
    const role = ROLES[a % ROLES.length]!;
    apps.push({ name: a < ROLES.length ? `${service}-${role.suffix}` : `${service}-${role.suffix}-${a}`, role });
  }
  return {
    index,
    name: `svc-${pad4(index)}-${service}`,
    service,
    system: SYSTEMS[Math.floor(index / 3) % SYSTEMS.length]!,
    environment: index % 5 === 4 ? 'staging' : 'production',
    apps,
  };
}

// ---------------------------------------------------------------------------
// Addresses. Pods: 10.64.0.0/10 onwards, one /24 per node with up to 110 pods
// (the kubelet default), so every podIP is unique and inside 10.0.0.0/8.

const PODS_PER_NODE = 110;

function podAddress(globalIndex: number): { podIP: string } {
  const node = Math.floor(globalIndex / PODS_PER_NODE);
  const host = (globalIndex % PODS_PER_NODE) + 2;
  return {
    podIP: `10.${64 + (node >> 8)}.${node & 255}.${host}`,
  };
}

// ---------------------------------------------------------------------------
// Documents.

function namespaceDoc(name: string, labels: Readonly<Record<string, string>>, rng: Rng): string {
  let s = `---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  uid: ${uid(rng)}\n  labels:\n    kubernetes.io/metadata.name: ${name}\n`;
  for (const [k, v] of Object.entries(labels)) s += `    ${k}: ${v}\n`;
  s += 'spec:\n  finalizers:\n    - kubernetes\nstatus:\n  phase: Active\n';
  return s;
}

function uid(rng: Rng): string {
  return `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-${'89ab'[rng.int(4)]!}${rng.hex(3)}-${rng.hex(12)}`;
}

interface PodParams {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly containerName: string;
  readonly image: string;
  readonly ports: readonly { name: string; port: number; protocol: 'TCP' | 'UDP' }[];
  readonly env: readonly [string, string][];
  readonly cpu: string;
  readonly memory: string;
  readonly probe: { kind: 'http'; path: string; port: string } | { kind: 'tcp'; port: string };
  readonly globalIndex: number;
}

function probeYaml(p: PodParams['probe'], indent: string): string {
  return p.kind === 'http'
    ? `${indent}  httpGet:\n${indent}    path: ${p.path}\n${indent}    port: ${p.port}\n`
    : `${indent}  tcpSocket:\n${indent}    port: ${p.port}\n`;
}

function podDoc(p: PodParams): string {
  const addr = podAddress(p.globalIndex);
  let s = `---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: ${p.name}\n  namespace: ${p.namespace}\n  labels:\n`;
  for (const [k, v] of Object.entries(p.labels)) s += `    ${k}: ${k === 'pod-template-hash' || k === 'version' ? `"${v}"` : v}\n`;
  s += `spec:\n  serviceAccountName: ${p.serviceAccount}\n  containers:\n    - name: ${p.containerName}\n      image: ${p.image}\n      ports:\n`;
  for (const port of p.ports) s += `        - name: ${port.name}\n          containerPort: ${port.port}\n${port.protocol === 'TCP' ? '' : `          protocol: ${port.protocol}\n`}`;
  if (p.env.length > 0) s += '      env:\n';
  for (const [k, v] of p.env) s += `        - name: ${k}\n          value: "${v}"\n`;
  s += `      resources:\n        requests:\n          cpu: ${p.cpu}\n          memory: ${p.memory}\n`;
  s += '      readinessProbe:\n' + probeYaml(p.probe, '      ');
  s += `      livenessProbe:\n        tcpSocket:\n          port: ${p.probe.port}\n`;
  s += `status:\n  phase: Running\n  podIP: ${addr.podIP}\n  podIPs:\n    - ip: ${addr.podIP}\n`;
  return s;
}

function policyHeader(name: string, namespace: string, rng: Rng): string {
  return `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  uid: ${uid(rng)}\n  labels:\n    app.kubernetes.io/managed-by: platform-policies\n`;
}

function policyDoc(pattern: PolicyPattern, ns: NsInfo, all: readonly NsInfo[], rng: Rng): string {
  const web = ns.apps.find((a) => a.role.tier === 'frontend') ?? ns.apps[0]!;
  const api = ns.apps.find((a) => a.role.suffix === 'api') ?? ns.apps[0]!;
  switch (pattern) {
    case 'default-deny':
      return policyHeader('default-deny-all', ns.name, rng) + 'spec:\n  podSelector: {}\n  policyTypes:\n    - Ingress\n    - Egress\n';
    case 'same-namespace':
      return (
        policyHeader('allow-same-namespace', ns.name, rng) +
        'spec:\n  podSelector: {}\n  policyTypes:\n    - Ingress\n    - Egress\n  ingress:\n    - from:\n        - podSelector: {}\n  egress:\n    - to:\n        - podSelector: {}\n'
      );
    case 'ingress-controller': {
      let s = policyHeader('allow-from-ingress-nginx', ns.name, rng);
      s += `spec:\n  podSelector:\n    matchLabels:\n      app: ${web.name}\n  policyTypes:\n    - Ingress\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: ingress-nginx\n`;
      // Half of them also narrow to the controller pods.
      if (ns.index % 2 === 1) s += '          podSelector:\n            matchLabels:\n              app.kubernetes.io/name: ingress-nginx\n              app.kubernetes.io/component: controller\n';
      s += '      ports:\n        - protocol: TCP\n          port: http\n';
      return s;
    }
    case 'app-to-app': {
      // Another namespace's frontend (by name) and the backends of the same system
      // (by namespace label and a matchExpressions pod selector) may call our API.
      let peerIndex = rng.int(all.length - 1);
      if (peerIndex >= ns.index) peerIndex++;
      const peer = all[peerIndex] ?? ns;
      const peerApp = peer.apps.find((a) => a.role.tier === 'frontend') ?? peer.apps[0]!;
      let s = policyHeader(`allow-${peer.service}-to-${api.name}`, ns.name, rng);
      s += `spec:\n  podSelector:\n    matchLabels:\n      app: ${api.name}\n  policyTypes:\n    - Ingress\n  ingress:\n    - from:\n`;
      s += `        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: ${peer.name}\n          podSelector:\n            matchLabels:\n              app: ${peerApp.name}\n`;
      s += `        - namespaceSelector:\n            matchLabels:\n              app.kubernetes.io/part-of: ${ns.system}\n              environment: ${ns.environment}\n          podSelector:\n            matchExpressions:\n              - key: tier\n                operator: In\n                values:\n                  - frontend\n                  - backend\n`;
      s += '      ports:\n        - protocol: TCP\n          port: http\n        - protocol: TCP\n          port: grpc\n';
      return s;
    }
    case 'dns-egress':
      return (
        policyHeader('allow-dns-egress', ns.name, rng) +
        'spec:\n  podSelector: {}\n  policyTypes:\n    - Egress\n  egress:\n    - to:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: kube-system\n          podSelector:\n            matchLabels:\n              k8s-app: kube-dns\n      ports:\n        - protocol: UDP\n          port: 53\n        - protocol: TCP\n          port: 53\n'
      );
    case 'https-egress':
      return (
        policyHeader('allow-https-egress', ns.name, rng) +
        'spec:\n  podSelector:\n    matchLabels:\n      tier: backend\n  policyTypes:\n    - Egress\n  egress:\n    - to:\n        - ipBlock:\n            cidr: 0.0.0.0/0\n            except:\n              - 10.0.0.0/8\n      ports:\n        - protocol: TCP\n          port: 443\n'
      );
  }
}

/** Bumped whenever the output changes, so that the runner regenerates stale files. */
export const GENERATOR_VERSION = 1;

/** The comment that starts every generated file (the runner compares it to decide whether to regenerate). */
export function headerFor(size: Size): string {
  const spec = SIZES[size];
  const expected = expectedCounts(size);
  return (
    `# Generated by bench/generate.ts v${GENERATOR_VERSION} (meshless benchmarks) -- do not edit.\n` +
    `# Size ${size}: ${spec.namespaces} service namespaces x ${spec.podsPerNamespace} pods x ${spec.policiesPerNamespace} NetworkPolicies` +
    ` (+ kube-system, ingress-nginx): ${expected.namespaces} namespaces, ${expected.pods} pods, ${expected.policies} policies. Seed 0x${spec.seed.toString(16)}.\n`
  );
}

/** The patterns namespace `index` gets: consecutive in the cycle, shifted so the combinations vary. */
export function patternsFor(index: number, count: number): PolicyPattern[] {
  const n = POLICY_PATTERNS.length;
  const start = index * count + Math.floor((index * count) / n);
  const out: PolicyPattern[] = [];
  for (let j = 0; j < Math.min(count, n); j++) out.push(POLICY_PATTERNS[(start + j) % n]!);
  return out;
}

/** Writes the cluster for `size` as multi-document YAML, one document (or a few) per `write` call. */
export function generateCluster(size: Size, write: (chunk: string) => void): GeneratedSummary {
  const spec = SIZES[size];
  const rng = new Rng(spec.seed);
  let bytes = 0;
  const out = (s: string): void => {
    bytes += s.length;
    write(s);
  };
  out(headerFor(size));

  let globalPod = 0;
  let servicePods = 0;
  let infraPods = 0;
  let policies = 0;
  const policyKinds: Record<string, number> = {};

  // kube-system with CoreDNS.
  out(namespaceDoc('kube-system', {}, rng));
  const dnsHash = rng.chars(10);
  for (let i = 0; i < COREDNS_PODS; i++) {
    out(
      podDoc(
        {
          name: `coredns-${dnsHash}-${rng.chars(5)}`,
          namespace: 'kube-system',
          labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': dnsHash },
          serviceAccount: 'coredns',
          containerName: 'coredns',
          image: 'registry.k8s.io/coredns/coredns:v1.11.3',
          ports: [
            { name: 'dns', port: 53, protocol: 'UDP' },
            { name: 'dns-tcp', port: 53, protocol: 'TCP' },
            { name: 'metrics', port: 9153, protocol: 'TCP' },
          ],
          env: [],
          cpu: '100m',
          memory: '170Mi',
          probe: { kind: 'http', path: '/health', port: '8080' },
          globalIndex: globalPod++,
        },
      ),
    );
    infraPods++;
  }

  // ingress-nginx with the controller.
  out(namespaceDoc('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/part-of': 'platform' }, rng));
  const ingHash = rng.chars(10);
  for (let i = 0; i < INGRESS_CONTROLLER_PODS; i++) {
    out(
      podDoc(
        {
          name: `ingress-nginx-controller-${ingHash}-${rng.chars(5)}`,
          namespace: 'ingress-nginx',
          labels: {
            'app.kubernetes.io/name': 'ingress-nginx',
            'app.kubernetes.io/instance': 'ingress-nginx',
            'app.kubernetes.io/component': 'controller',
            'pod-template-hash': ingHash,
          },
          serviceAccount: 'ingress-nginx',
          containerName: 'controller',
          image: 'registry.k8s.io/ingress-nginx/controller:v1.11.2',
          ports: [
            { name: 'http', port: 80, protocol: 'TCP' },
            { name: 'https', port: 443, protocol: 'TCP' },
            { name: 'metrics', port: 10254, protocol: 'TCP' },
            { name: 'webhook', port: 8443, protocol: 'TCP' },
          ],
          env: [
            ['POD_NAME', `ingress-nginx-controller-${i}`],
            ['POD_NAMESPACE', 'ingress-nginx'],
            ['LD_PRELOAD', '/usr/local/lib/libmimalloc.so'],
          ],
          cpu: '100m',
          memory: '90Mi',
          probe: { kind: 'http', path: '/healthz', port: '10254' },
          globalIndex: globalPod++,
        },
      ),
    );
    infraPods++;
  }

  const all: NsInfo[] = [];
  for (let i = 0; i < spec.namespaces; i++) all.push(namespaceInfo(i, spec));

  for (const ns of all) {
    const nsTier: Tier = ns.index % 3 === 0 ? 'frontend' : ns.index % 3 === 1 ? 'backend' : 'data';
    out(
      namespaceDoc(
        ns.name,
        {
          'app.kubernetes.io/part-of': ns.system,
          tier: nsTier,
          environment: ns.environment,
          team: `team-${ns.service}`,
        },
        rng,
      ),
    );

    // Pods: split evenly among the apps; every fourth namespace runs a v2 canary of its API.
    const per = Math.floor(spec.podsPerNamespace / ns.apps.length);
    const extra = spec.podsPerNamespace % ns.apps.length;
    ns.apps.forEach((app, ai) => {
      const n = per + (ai < extra ? 1 : 0);
      const major = 1 + rng.int(3);
      const minor = rng.int(20);
      const hashV1 = rng.chars(10);
      const hashV2 = rng.chars(10);
      const canary = app.role.suffix === 'api' && ns.index % 4 === 0 && n >= 4;
      for (let k = 0; k < n; k++) {
        const v2 = canary && k >= n - 2;
        const hash = v2 ? hashV2 : hashV1;
        const version = v2 ? `${major}.${minor + 1}.0` : `${major}.${minor}.${rng.int(10)}`;
        const ports: { name: string; port: number; protocol: 'TCP' }[] = [];
        let probe: PodParams['probe'];
        if (app.role.suffix === 'db') {
          ports.push({ name: 'postgres', port: 5432, protocol: 'TCP' });
          probe = { kind: 'tcp', port: 'postgres' };
        } else if (app.role.suffix === 'cache') {
          ports.push({ name: 'redis', port: 6379, protocol: 'TCP' });
          probe = { kind: 'tcp', port: 'redis' };
        } else {
          ports.push({ name: 'http', port: 8080, protocol: 'TCP' });
          probe = { kind: 'http', path: '/healthz', port: 'http' };
        }
        ports.push({ name: 'metrics', port: 9090, protocol: 'TCP' });
        if (app.role.grpc) ports.push({ name: 'grpc', port: 50051, protocol: 'TCP' });
        out(
          podDoc(
            {
              name: `${app.name}-${hash}-${rng.chars(5)}`,
              namespace: ns.name,
              labels: { app: app.name, tier: app.role.tier, version: v2 ? 'v2' : 'v1', 'pod-template-hash': hash },
              serviceAccount: app.name,
              containerName: app.name,
              image: `registry.example.com/${ns.service}/${app.name}:${version}`,
              ports,
              env: [['LOG_LEVEL', rng.pick(LOG_LEVELS)]],
              cpu: rng.pick(CPU_REQUESTS),
              memory: rng.pick(MEM_REQUESTS),
              probe,
              globalIndex: globalPod++,
            },
          ),
        );
        servicePods++;
      }
    });

    for (const pattern of patternsFor(ns.index, spec.policiesPerNamespace)) {
      out(policyDoc(pattern, ns, all, rng));
      policies++;
      policyKinds[pattern] = (policyKinds[pattern] ?? 0) + 1;
    }
  }

  return { size, namespaces: all.length + INFRA_NAMESPACES, pods: servicePods + infraPods, servicePods, infraPods, policies, policyKinds, bytes };
}

/** Generates `size` into `file`, streaming through a 1 MiB buffer. */
export function generateToFile(size: Size, file: string): GeneratedSummary {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  const fd = openSync(file, 'w');
  try {
    let buf: string[] = [];
    let pending = 0;
    const flush = (): void => {
      if (pending === 0) return;
      writeSync(fd, buf.join(''));
      buf = [];
      pending = 0;
    };
    const summary = generateCluster(size, (chunk) => {
      buf.push(chunk);
      pending += chunk.length;
      if (pending >= 1 << 20) flush();
    });
    flush();
    return summary;
  } finally {
    closeSync(fd);
  }
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const [size, file] = process.argv.slice(2);
  if (size === undefined || !isSize(size) || file === undefined) {
    process.stderr.write(`usage: node --import tsx bench/generate.ts ${ALL_SIZES.join('|')} OUTPUT.yaml\n`);
    process.exit(2);
  }
  const t0 = performance.now();
  const summary = generateToFile(size, file);
  const ms = performance.now() - t0;
  process.stdout.write(
    `${file}: ${summary.namespaces} namespaces, ${summary.pods} pods (${summary.servicePods} + ${summary.infraPods} infrastructure), ${summary.policies} policies, ` +
      `${(summary.bytes / 1e6).toFixed(1)} MB in ${(ms / 1000).toFixed(1)} s\n`,
  );
}
