/**
 * meshless generate, proven by meshless itself. The generator writes
 * NetworkPolicies but not the applications' Deployments (teams deploy those),
 * so the proof adds stand-ins: one Deployment per service with its pod labels
 * and ports, the edge's pods (Envoy proxy, controller and Helm hook Job, or
 * the ingress-nginx controller and its admission Job) and CoreDNS. Then:
 *
 * - `runAudit` of output + stand-ins has no open finding above low severity
 *   (ingress-nginx: exactly one, the retired controller, which is true and
 *   wanted);
 * - `reach` at workload level equals, exactly, the connectivity the spec
 *   declares: its flows, edge access (internet → proxy, proxy → exposed
 *   services and oauth2-proxy), DNS, the egress it lists, and the edge's and
 *   CoreDNS's own needs (xDS, kube-apiserver, webhooks). Nothing more: in
 *   particular no endpoint reaches itself unless the spec declares a flow to
 *   itself.
 *
 * For the demo spec and for random specs (fast-check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse as parseYaml, stringify } from 'yaml';
import { generate } from '../src/generate/index.js';
import { parseSpec, type Platform, type PlatformInput, type Service } from '../src/generate/spec.js';
import { edgeProfile, podLabelsOf, OAUTH2_PROXY_PORT } from '../src/generate/platform.js';
import { inventoryFromTexts } from '../src/load/text.js';
import { analyze } from '../src/netpol/analysis.js';
import { reach } from '../src/netpol/reach.js';
import { formatPorts, portRange, union, EMPTY_PORTS, type PortSet } from '../src/netpol/ports.js';
import { runAudit } from '../src/checks/run.js';
import { ALL_CHECKS } from '../src/checks/index.js';
import { DEFAULT_CONFIG, SEVERITY_RANK } from '../src/checks/types.js';
import { parseCidr, parseIp, type Cidr } from '../src/model/ip.js';
import { runGenerate } from '../src/cli/generate.js';
import { runInit } from '../src/cli/init.js';
import { runSchema } from '../src/cli/schema.js';
import type { Io } from '../src/cli/common.js';
import { Readable } from 'node:stream';
import { Ajv2020 } from 'ajv/dist/2020.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demoPath = join(root, 'examples/meshless.yaml');

function specOf(input: unknown): Platform {
  const r = parseSpec(input);
  if (!r.ok) throw new Error(`spec problems:\n${r.problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('\n')}`);
  return r.spec;
}

const demo = (): Platform => specOf(parseYaml(readFileSync(demoPath, 'utf8')));

// ---------------------------------------------------------------------------
// Stand-ins: what teams and installers deploy, which the generator does not write.

type Port = { port: number; protocol: 'TCP' | 'UDP' | 'SCTP'; name?: string };

function deployment(namespace: string, name: string, labels: Record<string, string>, ports: readonly Port[], image = 'example/app:1.0'): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'main', image, ports: ports.map((p) => ({ containerPort: p.port, protocol: p.protocol, ...(p.name ? { name: p.name } : {}) })) }] },
      },
    },
  };
}

function job(namespace: string, name: string, labels: Record<string, string>): object {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace }, spec: { template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'example/hook:1.0' }] } } } };
}

/** Container ports of a service's stand-in: declared ones, and every port flows or the edge use. */
function portsOf(spec: Platform, s: Service): Port[] {
  const out = new Map<string, Port>();
  const add = (p: Port): void => void out.set(`${p.port}/${p.protocol}`, p);
  for (const p of s.ports ?? []) add(typeof p === 'number' ? { port: p, protocol: 'TCP' } : { port: p.port, protocol: p.protocol });
  if (s.expose) add({ port: s.expose.port, protocol: 'TCP' });
  for (const src of spec.services) for (const f of src.flows) if (f.to === s.name) add({ port: f.port, protocol: f.protocol });
  return [...out.values()];
}

export function standIns(spec: Platform): string {
  const edge = edgeProfile(spec);
  const docs: object[] = [];
  for (const s of spec.services) {
    docs.push(deployment(s.name, s.name, podLabelsOf(s), portsOf(spec, s)));
    if (s.expose) {
      docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: s.expose.serviceName ?? s.name, namespace: s.name }, spec: { selector: podLabelsOf(s), ports: [{ port: s.expose.port }] } });
    }
  }
  if (edge.type === 'gateway-api') {
    docs.push(deployment(edge.namespace, `envoy-${edge.gatewayName}`, edge.proxyLabels, edge.proxyPorts.map((p) => ({ ...p, protocol: 'TCP' as const })), 'docker.io/envoyproxy/envoy:distroless-v1.33.0'));
    const c = edge.controller!;
    docs.push(deployment(edge.namespace, c.name, c.labels, [{ port: 18000, protocol: 'TCP', name: 'grpc' }, { port: 18001, protocol: 'TCP' }, { port: 18002, protocol: 'TCP' }, { port: c.webhookPort, protocol: 'TCP', name: 'webhook' }], 'docker.io/envoyproxy/gateway:v1.5.0'));
  } else {
    docs.push(deployment(edge.namespace, 'ingress-nginx-controller', edge.proxyLabels, [...edge.proxyPorts.map((p) => ({ ...p, protocol: 'TCP' as const })), { port: edge.webhook.port, protocol: 'TCP', name: 'webhook' }], 'registry.k8s.io/ingress-nginx/controller:v1.12.1'));
  }
  docs.push(job(edge.namespace, edge.hookJob.name, edge.hookJob.labels));
  docs.push(deployment(spec.cluster.dns.namespace, 'coredns', spec.cluster.dns.podLabels, [{ port: 53, protocol: 'UDP', name: 'dns' }, { port: 53, protocol: 'TCP', name: 'dns-tcp' }], 'registry.k8s.io/coredns/coredns:v1.11.3'));
  return docs.map((d) => stringify(d)).join('---\n');
}

// ---------------------------------------------------------------------------
// The connectivity the spec declares, computed from the spec alone.

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

function cidr(s: string): Cidr {
  return parseCidr(s) as Cidr;
}

function inside(ip: { family: number; value: bigint }, c: Cidr): boolean {
  return ip.family === c.family && ip.value >= c.start && ip.value <= c.end;
}

/** A set of addresses as "in one of these, minus the pod network" (what the generator means by "outside the cluster"). */
type Block = { readonly in: readonly string[]; readonly except: readonly string[] };
const outside = (spec: Platform, cidrs: readonly string[]): Block => ({ in: cidrs, except: [spec.cluster.podCidr] });
const internet = (spec: Platform): Block => ({ in: ['0.0.0.0/0'], except: [...PRIVATE, spec.cluster.podCidr] });
const anywhere: Block = { in: ['0.0.0.0/0'], except: [] };

function blockHas(b: Block, ip: { family: number; value: bigint }): boolean {
  return b.in.some((c) => inside(ip, cidr(c))) && !b.except.some((c) => inside(ip, cidr(c)));
}

const tcp = (p: number, end = p): PortSet => portRange('TCP', p, end);
const DNS = union(portRange('UDP', 53), portRange('TCP', 53));

export function expectedReach(spec: Platform, external: readonly { id: string; cidrs: readonly string[] }[]): Map<string, PortSet> {
  const edge = edgeProfile(spec);
  const out = new Map<string, PortSet>();
  const allow = (from: string, to: string, ports: PortSet): void => void out.set(`${from} -> ${to}`, union(out.get(`${from} -> ${to}`) ?? EMPTY_PORTS, ports));
  // One address per external peer stands for it: peers are cut so that every ipBlock holds all of one or none of it.
  const peers = external.map((x) => ({ id: x.id, ip: parseIp(cidr(x.cidrs[0]!).text.split('/')[0]!)! }));
  const toBlock = (from: string, b: Block, ports: PortSet): void => {
    for (const p of peers) if (blockHas(b, p.ip)) allow(from, p.id, ports);
  };
  const fromBlock = (b: Block, to: string, ports: PortSet): void => {
    for (const p of peers) if (blockHas(b, p.ip)) allow(p.id, to, ports);
  };
  const wl = (ns: string, name: string, kind = 'deployment'): string => `${ns}/${kind}/${name}`;
  const svc = (s: Service): string => wl(s.name, s.name);
  const proxy = edge.type === 'gateway-api' ? wl(edge.namespace, `envoy-${edge.gatewayName}`) : wl(edge.namespace, 'ingress-nginx-controller');
  const oauth2 = wl(spec.auth.namespace, 'oauth2-proxy');
  const dns = wl(spec.cluster.dns.namespace, 'coredns');
  const hook = wl(edge.namespace, edge.hookJob.name, 'job');
  const api = outside(spec, spec.cluster.apiServer);
  const apiPort = tcp(spec.cluster.apiServerPort);

  const everyone = [...spec.services.map(svc), proxy, oauth2, hook, ...(edge.controller ? [wl(edge.namespace, edge.controller.name)] : [])];
  for (const e of everyone) allow(e, dns, DNS);
  toBlock(dns, spec.cluster.dns.upstream ? outside(spec, spec.cluster.dns.upstream) : outside(spec, ['0.0.0.0/0']), DNS);
  toBlock(dns, api, apiPort);

  fromBlock(anywhere, proxy, union(tcp(edge.proxyPorts[0]!.port), tcp(edge.proxyPorts[1]!.port)));
  for (const s of spec.services) if (s.expose) allow(proxy, svc(s), tcp(s.expose.port));
  allow(proxy, oauth2, tcp(OAUTH2_PROXY_PORT));
  toBlock(hook, api, apiPort);
  if (edge.controller) {
    const c = wl(edge.namespace, edge.controller.name);
    allow(proxy, c, tcp(18000, 18002));
    fromBlock(api, c, tcp(edge.controller.webhookPort));
    toBlock(c, api, apiPort);
  } else {
    fromBlock(api, proxy, tcp(edge.webhook.port));
    toBlock(proxy, api, apiPort);
  }
  toBlock(oauth2, spec.auth.providerCidrs ? outside(spec, spec.auth.providerCidrs) : internet(spec), tcp(443));
  for (const s of spec.services) {
    for (const f of s.flows) allow(svc(s), svc(spec.services.find((t) => t.name === f.to)!), portRange(f.protocol, f.port));
    for (const e of s.egress) {
      let ports = EMPTY_PORTS;
      for (const p of e.ports) ports = union(ports, portRange(e.protocol, p));
      toBlock(svc(s), e.to === 'internet' ? internet(spec) : outside(spec, e.to), ports);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// The proof

interface Proof {
  readonly open: { check: string; severity: string; object: string; message: string }[];
  readonly actual: Map<string, string>;
  readonly expected: Map<string, string>;
}

type Files = readonly { path: string; content: string }[];

export function prove(spec: Platform, change: (files: Files) => Files = (f) => f): Proof {
  const files = change(generate(spec).files);
  const inv = inventoryFromTexts([...files.map((f) => ({ file: f.path, text: f.content })), { file: 'stand-ins.yaml', text: standIns(spec) }]);
  const errors = inv.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors, [], 'the output loads without errors');
  const a = analyze(inv, { podCidrs: [spec.cluster.podCidr] });
  const audit = runAudit(inv, a, { config: { ...DEFAULT_CONFIG, networkTeam: [spec.teams.network] }, checks: ALL_CHECKS });
  assert.deepEqual(audit.errors, []);
  const open = audit.findings
    .filter((f) => !f.suppressed && SEVERITY_RANK[f.severity] > SEVERITY_RANK.low)
    .map((f) => ({ check: f.check, severity: f.severity, object: `${f.object.kind} ${f.object.namespace ?? ''}/${f.object.name}`, message: f.message }));
  const r = reach(a, { level: 'workload' });
  const fmt = (p: PortSet): string => formatPorts(p).join(',');
  const actual = new Map(r.allowed.map((x) => [`${x.from} -> ${x.to}`, fmt(x.ports)]));
  const expected = new Map([...expectedReach(spec, r.external)].map(([k, v]) => [k, fmt(v)]));
  return { open, actual, expected };
}

function assertExact(p: Proof): void {
  const extra = [...p.actual].filter(([k, v]) => p.expected.get(k) !== v).map(([k, v]) => `${k}: ${v} (expected ${p.expected.get(k) ?? 'nothing'})`);
  const missing = [...p.expected].filter(([k]) => !p.actual.has(k)).map(([k, v]) => `${k}: ${v}`);
  assert.deepEqual({ extra, missing }, { extra: [], missing: [] }, 'reach equals the declared connectivity exactly');
}

const retiredOnly = (spec: Platform) => (spec.edge.type === 'ingress-nginx' ? ['auth-ingress-nginx-retired'] : []);

test('demo spec: the output passes its own audit and reach equals the declared flows exactly', () => {
  const spec = demo();
  const p = prove(spec);
  assert.deepEqual(p.open, []);
  assertExact(p);
  // Spot checks that the expectation is not vacuous.
  assert.equal(p.actual.get('checkout/deployment/checkout -> orders-db/deployment/orders-db'), '5432/TCP');
  assert.equal(p.actual.get('storefront/deployment/storefront -> payments/deployment/payments'), undefined, 'no undeclared path');
  assert.equal(p.actual.get('storefront/deployment/storefront -> storefront/deployment/storefront'), undefined, 'no self traffic without a flow');
});

test('demo spec on ingress-nginx: clean but for the retired controller, exact reach', () => {
  const input = parseYaml(readFileSync(demoPath, 'utf8')) as PlatformInput;
  const spec = specOf({ ...input, edge: { type: 'ingress-nginx' } });
  const p = prove(spec);
  assert.deepEqual(p.open.map((f) => f.check), retiredOnly(spec));
  assertExact(p);
});

// ---------------------------------------------------------------------------
// Random specs

const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];

const arbSpec = (): fc.Arbitrary<PlatformInput> =>
  fc
    .record({
      count: fc.integer({ min: 1, max: 5 }),
      edge: fc.constantFrom('gateway-api' as const, 'ingress-nginx' as const),
      enc: fc.constantFrom(['calico', 'wireguard'] as const, ['cilium', 'wireguard'] as const, ['cilium', 'ipsec'] as const),
      dns01: fc.boolean(),
      podCidr: fc.constantFrom('10.244.0.0/16', '10.42.0.0/16', '100.64.0.0/16'),
      apiServer: fc.constantFrom(['10.0.1.0/28'], ['192.168.10.0/24', '172.16.0.10/32']),
      upstream: fc.option(fc.constantFrom(['10.0.0.2/32'], ['8.8.8.8/32', '1.1.1.1/32']), { nil: undefined }),
      provider: fc.option(fc.constantFrom(['34.0.0.0/16']), { nil: undefined }),
      services: fc.array(
        fc.record({
          labels: fc.boolean(),
          data: fc.boolean(),
          expose: fc.option(fc.record({ host: fc.constantFrom('', 'app.', 'api.'), path: fc.constantFrom('/', '/api', '/x'), port: fc.constantFrom(80, 8080, 8443), pub: fc.boolean() }), { nil: undefined }),
          flows: fc.array(fc.record({ to: fc.nat(5), port: fc.constantFrom(80, 5432, 8080, 9090), protocol: fc.constantFrom('TCP' as const, 'UDP' as const) }), { maxLength: 4 }),
          egress: fc.array(fc.record({ to: fc.constantFrom<'internet' | string[]>('internet', ['52.0.0.0/8'], ['203.0.113.0/24', '8.8.4.0/24'], ['0.0.0.0/0']), port: fc.constantFrom(443, 25) }), { maxLength: 2 }),
        }),
        { minLength: 5, maxLength: 5 },
      ),
      owners: fc.array(fc.nat(2), { minLength: 5, maxLength: 5 }),
    })
    .map((r) => {
      const names = NAMES.slice(0, r.count);
      const routes = new Set<string>();
      const services = names.map((name, i) => {
        const s = r.services[i]!;
        const out: Record<string, unknown> = { name };
        if (s.labels) out['podLabels'] = { app: name, tier: 'backend' };
        // The audit rightly flags data namespaces that reach the internet (seg-data-egress-internet); that case has its own test.
        if (s.data && s.egress.length === 0) out['data'] = true;
        if (s.expose) {
          const host = `${s.expose.host}example.com`;
          if (!routes.has(`${host}${s.expose.path}`)) {
            routes.add(`${host}${s.expose.path}`);
            out['expose'] = { host, path: s.expose.path, port: s.expose.port, ...(s.expose.pub ? { public: true, publicReason: 'a public page' } : {}) };
          }
        }
        const seen = new Set<string>();
        out['flows'] = s.flows
          .map((f) => ({ to: names[f.to % names.length]!, port: f.port, protocol: f.protocol }))
          .filter((f) => !seen.has(JSON.stringify(f)) && seen.add(JSON.stringify(f)));
        out['egress'] = s.egress.map((e) => ({ to: e.to, ports: [e.port] }));
        return out;
      });
      const teams = [0, 1, 2]
        .map((t) => ({ name: `team${t}`, group: `group-${t}`, services: names.filter((_, i) => r.owners[i] === t) }))
        .filter((t) => t.services.length > 0);
      return {
        apiVersion: 'meshless.dev/v1alpha1',
        kind: 'Platform',
        name: 'shop',
        domain: 'example.com',
        edge: { type: r.edge },
        tls: { email: 'ops@example.com', ...(r.dns01 ? { solver: 'dns01', dns01: { cloudflare: { apiTokenSecretRef: { name: 'cloudflare', key: 'token' } } } } : {}) },
        auth: {
          oidc: { issuerUrl: 'https://login.example.com', clientId: 'shop', clientSecretRef: { name: 'o', key: 'c' }, cookieSecretRef: { name: 'o', key: 'k' } },
          emailDomains: ['example.com'],
          ...(r.provider ? { providerCidrs: r.provider } : {}),
        },
        encryption: { cni: r.enc[0], mode: r.enc[1] },
        cluster: { podCidr: r.podCidr, apiServer: r.apiServer, ...(r.upstream ? { dns: { upstream: r.upstream } } : {}) },
        teams: { network: 'network-team', apps: teams },
        services,
      } as unknown as PlatformInput;
    });

test('random specs: the output passes its own audit and reach equals the declared connectivity exactly', () => {
  fc.assert(
    fc.property(arbSpec(), (input) => {
      const spec = specOf(input);
      const p = prove(spec);
      assert.deepEqual(p.open.map((f) => f.check), retiredOnly(spec), JSON.stringify(p.open, null, 1));
      assertExact(p);
    }),
    { numRuns: 60, seed: 20260501 },
  );
});

test('the proof can fail: a loosened flow, a missing default deny', () => {
  const spec = demo();
  const widen = (files: Files): Files =>
    files.map((f) =>
      f.path === 'network-policies/catalog.yaml' || f.path === 'network-policies/storefront.yaml'
        ? { ...f, content: f.content.replace(/port: 8080\n(?!\s*endPort)/g, 'port: 8080\n          endPort: 8090\n') }
        : f,
    );
  const wide = prove(spec, widen);
  assert.equal(wide.actual.get('storefront/deployment/storefront -> catalog/deployment/catalog'), '8080-8090/TCP');
  assert.throws(() => { assertExact(wide); }, /reach equals the declared connectivity exactly/);
  const open = prove(spec, (files) => files.filter((f) => f.path !== 'network-policies/catalog.yaml'));
  assert.deepEqual(open.open.map((f) => f.check).sort(), ['seg-namespace-no-default-deny', 'seg-workload-not-isolated-egress', 'seg-workload-not-isolated-ingress']);
  assert.throws(() => { assertExact(open); });
});

test('a data service that reaches the internet is reported by the audit (seg-data-egress-internet)', () => {
  const input = parseYaml(readFileSync(demoPath, 'utf8')) as PlatformInput;
  const services = (input.services as Record<string, unknown>[]).map((s) => (s['name'] === 'payments' ? { ...s, egress: [{ to: 'internet', ports: [443] }] } : s));
  const spec = specOf({ ...input, services });
  const p = prove(spec);
  assert.deepEqual(p.open.map((f) => `${f.check} ${f.object} ${f.severity}`), ['seg-data-egress-internet Deployment payments/payments medium']);
  assertExact(p);
});

// ---------------------------------------------------------------------------
// The commands

async function cli(run: (args: readonly string[], io: Io) => Promise<number>, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`), isTTY: false, prog: 'meshless' });
  return { code, out, err };
}

const listTree = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();

test('generate -o writes the files; the same spec writes the same bytes; --check passes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-gen-'));
  const first = await cli(runGenerate, ['-c', demoPath, '-o', dir]);
  assert.equal(first.code, 0, first.err);
  const files = listTree(dir);
  assert.equal(files.length, 19);
  const snapshot = new Map(files.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  assert.equal((await cli(runGenerate, ['-c', demoPath, '-o', dir, '-q'])).code, 0);
  for (const f of listTree(dir)) assert.equal(readFileSync(join(dir, f), 'utf8'), snapshot.get(f), f);
  const check = await cli(runGenerate, ['-c', demoPath, '--check', dir]);
  assert.equal(check.code, 0, check.out + check.err);
  assert.match(check.err, /is up to date/);
});

test('generate --check: a changed, a missing and an extra file each fail with a diff', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-check-'));
  assert.equal((await cli(runGenerate, ['-c', demoPath, '-o', dir, '-q'])).code, 0);
  const policy = join(dir, 'network-policies/catalog.yaml');
  const original = readFileSync(policy, 'utf8');

  writeFileSync(policy, original.replace('port: 8080', 'port: 8081'));
  let r = await cli(runGenerate, ['-c', demoPath, '--check', dir]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^--- a\/network-policies\/catalog\.yaml\n\+\+\+ b\/network-policies\/catalog\.yaml\n@@ -\d+,\d+ \+\d+,\d+ @@/m);
  assert.match(r.out, /^-\s+port: 8081$/m);
  assert.match(r.out, /^\+\s+port: 8080$/m);
  assert.match(r.err, /1 changed/);
  writeFileSync(policy, original);

  rmSync(join(dir, 'rbac/network-team.yaml'));
  r = await cli(runGenerate, ['-c', demoPath, '--check', dir]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^--- \/dev\/null\n\+\+\+ b\/rbac\/network-team\.yaml$/m);
  assert.match(r.err, /1 missing/);
  assert.equal((await cli(runGenerate, ['-c', demoPath, '-o', dir, '-q'])).code, 0);

  mkdirSync(join(dir, 'network-policies'), { recursive: true });
  writeFileSync(join(dir, 'network-policies/old-service.yaml'), original.replaceAll('catalog', 'old-service'));
  writeFileSync(join(dir, 'README.md'), 'my notes\n');
  r = await cli(runGenerate, ['-c', demoPath, '--check', dir]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^--- a\/network-policies\/old-service\.yaml\n\+\+\+ \/dev\/null$/m);
  assert.match(r.err, /1 no longer generated/);
  // Writing again removes what meshless wrote before and no longer writes; other files stay.
  const w = await cli(runGenerate, ['-c', demoPath, '-o', dir]);
  assert.match(w.out, /removed .*old-service\.yaml/);
  assert.ok(listTree(dir).includes('README.md'));
  assert.equal((await cli(runGenerate, ['-c', demoPath, '--check', dir])).code, 0);
});

test('a bad spec writes nothing and exits 2, naming file, line, field and what to write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-bad-'));
  const text = readFileSync(demoPath, 'utf8')
    .replace('- { to: payments, port: 8443 }', '- { to: paymnets, port: 8443 }')
    .replace('- { to: orders-db, port: 5432 }\n\n  - name: payments', '- { to: orders-db, port: 70000 }\n\n  - name: payments')
    .replace('  - name: catalog\n', '  - name: storefront\n')
    .replace('      host: shop.example.com\n      port: 8080\n', '      host: shop.example.com\n      port: 8080\n      public: true\n')
    .replace('services: [orders-db]', 'services: [orders-dbs]');
  const spec = join(dir, 'meshless.yaml');
  writeFileSync(spec, text);
  const out = join(dir, 'out');
  let r = await cli(runGenerate, ['-c', spec, '-o', out]);
  assert.equal(r.code, 2);
  const lineOf = (needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  assert.ok(r.err.includes(`${spec}:${lineOf('port: 70000')}: error: services[2].flows[1].port: ports are 1 to 65535`), r.err);
  assert.equal(readdirSync(dir).includes('out'), false, 'nothing written');
  // Field errors first; once they are fixed, the checks across fields.
  writeFileSync(spec, text.replace('port: 70000', 'port: 5432'));
  r = await cli(runGenerate, ['-c', spec, '-o', out]);
  assert.equal(r.code, 2);
  assert.ok(r.err.includes(`${spec}:${lineOf('to: paymnets')}: error: services[2].flows[0].to: unknown service "paymnets"\n    did you mean payments?`), r.err);
  assert.ok(r.err.includes(`${spec}:${lineOf('  - name: storefront\n') || text.split('\n').findIndex((l, i) => i > lineOf('name: storefront') && l.includes('name: storefront')) + 1}: error: services[1].name: duplicate service name "storefront"`), r.err);
  assert.match(r.err, /services\[0\]\.expose\.publicReason: service storefront is public but gives no reason\n {4}add publicReason/);
  assert.match(r.err, /teams\.apps\[2\]\.services\[0\]: team data owns unknown service "orders-dbs"\n {4}did you mean orders-db\?/);
  assert.equal(readdirSync(dir).includes('out'), false, 'nothing written');
  writeFileSync(spec, 'apiVersion: meshless.dev/v1alpha1\nkind: Platform\nname: x\n  bad: [\n');
  r = await cli(runGenerate, ['-c', spec, '-o', out]);
  assert.equal(r.code, 2);
  assert.match(r.err, /meshless\.yaml:3: error: YAML: /);
  // A usage error: main prints it with the usage hint and exits 2.
  await assert.rejects(cli(runGenerate, ['-c', join(dir, 'nope.yaml'), '-o', out]), /nope\.yaml: no such file; write one with meshless init/);
  await assert.rejects(cli(runGenerate, ['-c', demoPath]), /give -o DIR/);
});

test('init: flags for scripts, questions on a terminal, never overwrites without --force', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-init-'));
  const file = join(dir, 'meshless.yaml');
  let r = await cli((a, io) => runInit(a, io), ['-o', file, '--domain', 'acme.test', '--edge', 'ingress-nginx', '--cni', 'cilium', '--email', 'ops@acme.test', '--oidc-issuer', 'https://id.acme.test', '--api-server', '192.168.0.0/28']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /retired in March 2026/);
  const written = readFileSync(file, 'utf8');
  assert.match(written, /^# meshless Platform spec/);
  const s = specOf(parseYaml(written));
  assert.deepEqual([s.domain, s.edge.type, s.encryption.cni, s.tls.email, s.auth.oidc.issuerUrl, s.cluster.apiServer], ['acme.test', 'ingress-nginx', 'cilium', 'ops@acme.test', 'https://id.acme.test', ['192.168.0.0/28']]);
  // The starter generates a clean platform.
  const p = prove(s);
  assert.deepEqual(p.open.map((f) => f.check), ['auth-ingress-nginx-retired']);
  assertExact(p);

  r = await cli((a, io) => runInit(a, io), ['-o', file, '--yes']);
  assert.equal(r.code, 2);
  assert.match(r.err, /exists; not overwriting/);
  assert.equal(readFileSync(file, 'utf8'), written);
  r = await cli((a, io) => runInit(a, io), ['-o', file, '--yes', '--force']);
  assert.equal(r.code, 0);
  assert.equal(specOf(parseYaml(readFileSync(file, 'utf8'))).domain, 'example.com');

  await assert.rejects(cli((a, io) => runInit(a, io), ['-o', join(dir, 'other.yaml'), '--domain', 'x.test']), /not a terminal.*--email/);
  await assert.rejects(cli((a, io) => runInit(a, io), ['-o', join(dir, 'other.yaml'), '--yes', '--cni', 'weave']), /--cni must be one of calico, flannel, cilium/);

  // On a terminal: the answers, with Enter taking the default.
  const tty = Object.assign(Readable.from(['shop.test\n', '\n', 'cilium\n', '\n', 'https://sso.shop.test\n', '10.1.0.0/28\n']), { isTTY: true });
  let err = '';
  const code = await runInit(['-o', join(dir, 'asked.yaml')], { out: () => undefined, err: (x) => (err += `${x}\n`), isTTY: true, prog: 'meshless' }, tty);
  assert.equal(code, 0, err);
  assert.match(err, /Public DNS domain \[example\.com\]:/);
  const asked = specOf(parseYaml(readFileSync(join(dir, 'asked.yaml'), 'utf8')));
  assert.deepEqual([asked.domain, asked.edge.type, asked.encryption.cni, asked.tls.email, asked.auth.oidc.issuerUrl, asked.cluster.apiServer], ['shop.test', 'gateway-api', 'cilium', 'platform-team@shop.test', 'https://sso.shop.test', ['10.1.0.0/28']]);
});

test('schema: the JSON Schema validates the demo and rejects a bad spec; docs/spec.md is current', async () => {
  const r = await cli(runSchema, []);
  assert.equal(r.code, 0);
  const schema = JSON.parse(r.out) as Record<string, unknown>;
  // Formats (email, uri) are checked by the spec's own validator; here the structure.
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(schema);
  assert.ok(validate(parseYaml(readFileSync(demoPath, 'utf8'))), JSON.stringify(validate.errors));
  assert.equal(validate({ ...(parseYaml(readFileSync(demoPath, 'utf8')) as object), edge: { type: 'traefik' } }), false);
  const md = await cli(runSchema, ['--markdown']);
  assert.equal(readFileSync(join(root, 'docs/spec.md'), 'utf8'), md.out.replace(/\n$/, ''), 'docs/spec.md is out of date: meshless schema --markdown > docs/spec.md');
});
