/**
 * Issue 15, "Trust at the edges": what third-party manifest sets showed the audit
 * got wrong. Each test failed before its change; the fixtures are in test/fixtures/.
 */
import { runCli as run } from './support/cli.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

interface AuditJson {
  controls: Partial<Record<string, { status: string; note: string }>>;
  findings: { check: string; message: string; object: { kind: string; namespace?: string; name: string } }[];
  workloads: { id: string; exposed: boolean; authenticated: boolean | null; tls: boolean | null }[];
  entryPoints: { via: string; host: string; endpoints: string[]; tls: boolean; tlsBy?: string }[];
}

async function audit(...paths: string[]): Promise<{ code: number; json: AuditJson; err: string }> {
  const r = await run(['audit', ...paths, '-o', 'json']);
  return { code: r.code, json: JSON.parse(r.out) as AuditJson, err: r.err };
}

test('a LoadBalancer Service is an entry point: exposed, judged by authentication and edge TLS', async () => {
  const { code, json } = await audit('test/fixtures/exposure/service-loadbalancer.yaml');
  assert.equal(code, 1);
  assert.deepEqual(json.entryPoints.map((e) => [e.via, e.endpoints]), [['service-loadbalancer', ['shop/deployment/redis']]]);
  const row = json.workloads.find((w) => w.id === 'shop/deployment/redis');
  assert.equal(row?.exposed, true);
  assert.equal(json.controls['authentication']?.status, 'fail');
  assert.equal(json.controls['ingress-encryption']?.status, 'fail');
  assert.ok(json.findings.some((f) => f.check === 'auth-direct-exposure'));
  assert.ok(json.findings.some((f) => f.check === 'tls-direct-exposure-plain'));
});

test('reach names the internet reaching a LoadBalancer Service and a hostPort, with the policy verdict', async () => {
  // -o wide: one line per way in (the default table wraps lines at 100 columns).
  const lb = await run(['reach', 'test/fixtures/exposure/service-loadbalancer.yaml', '-o', 'wide']);
  assert.equal(lb.code, 0, lb.err);
  assert.match(lb.out, /internet → shop\/deployment\/redis 6379\/TCP through Service shop\/redis \(LoadBalancer 6379\): allowed/);
  const hp = await run(['reach', 'test/fixtures/exposure/daemonset-hostport.yaml', '-o', 'wide']);
  assert.match(hp.out, /internet → monitoring\/daemonset\/node-exporter 9100\/TCP through DaemonSet monitoring\/node-exporter \(host port 9100\): blocked by NetworkPolicy/);
});

test('an Ingress without a class and no default IngressClass: controller unknown, edge controls unknown, never pass', async () => {
  const { json } = await audit('test/fixtures/edge/ingress-no-class.yaml');
  assert.deepEqual(json.entryPoints.map((e) => e.via), ['unknown']);
  assert.equal(json.controls['authentication']?.status, 'unknown');
  assert.match(json.controls['authentication'].note, /Ingress shop\/web names no ingressClassName and the input has no default IngressClass/);
  assert.equal(json.controls['ingress-encryption']?.status, 'unknown');
});

test('an Ingress without a class uses the default IngressClass of the input', async () => {
  const { json } = await audit('test/fixtures/edge/ingress-no-class.yaml', 'test/fixtures/edge/default-ingressclass.yaml');
  assert.deepEqual(json.entryPoints.map((e) => e.via), ['ingress-nginx']);
  assert.ok(json.findings.some((f) => f.check === 'auth-ingress-nginx-no-auth-url'));
  assert.equal(json.controls['authentication']?.status, 'fail');
});

test('a TLS Secret that is not in the input is not credited as the certificate', async () => {
  const { json } = await audit('test/fixtures/edge/ingress-secret-missing.yaml');
  const ep = json.entryPoints.find((e) => e.host === 'docs.example.com');
  assert.match(ep?.tlsBy ?? '', /Secret shop\/docs-tls \(not in the input, nothing issues it\)/);
  assert.ok(json.findings.some((f) => f.check === 'tls-no-certificate-source'));
  assert.notEqual(json.controls['ingress-encryption']?.status, 'pass');
});

test('operator-made workloads: Prometheus, Alertmanager and ThanosRuler pods are endpoints that policies select', async () => {
  const { json } = await audit('test/fixtures/operators/prometheus-stack.yaml');
  const ids = json.workloads.map((w) => w.id);
  for (const id of ['monitoring/statefulset/prometheus-k8s', 'monitoring/statefulset/alertmanager-main', 'monitoring/statefulset/thanos-ruler-rules']) assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
  assert.deepEqual(json.findings.filter((f) => f.check === 'seg-policy-selects-nothing' || f.check === 'seg-selector-matches-nothing').map((f) => f.message), []);
  const r = await run(['reach', 'test/fixtures/operators/prometheus-stack.yaml', '--to', 'monitoring/statefulset/prometheus-k8s', '-o', 'json']);
  const reach = JSON.parse(r.out) as { allowed: { from: string; to: string; ports: string[] }[] };
  assert.deepEqual(reach.allowed.map((a) => `${a.from} ${a.ports.join(',')}`), ['monitoring/statefulset/alertmanager-main 9090/TCP']);
});

test('namespaces every cluster has are assumed without a warning; the DNS egress rule to kube-system matches', async () => {
  const r = await run(['audit', 'test/fixtures/namespaces/dns-egress.yaml', '-o', 'json', '-v']);
  assert.doesNotMatch(r.err, /namespace-assumed/);
  const json = JSON.parse(r.out) as AuditJson;
  assert.deepEqual(json.findings.filter((f) => f.check === 'seg-selector-matches-nothing').map((f) => f.message), []);
});

test('Flannel alone enforces no NetworkPolicy: segregation fails with that reason; kube-router beside it enforces', async () => {
  const { json } = await audit('test/fixtures/cni/flannel-alone.yaml');
  const f = json.findings.filter((x) => x.check === 'seg-policy-kind-not-enforced');
  assert.deepEqual(f.map((x) => `${x.object.kind} ${x.object.namespace ?? ''}/${x.object.name}`), ['NetworkPolicy shop/default-deny']);
  assert.match(f[0]!.message, /not enforced: the cluster runs Flannel .* no policy controller beside it/);
  assert.equal(json.controls['segregation']?.status, 'fail');
  const withRouter = await audit('test/fixtures/cni/flannel-alone.yaml', 'test/fixtures/cni/kube-router-policy-only.yaml');
  assert.deepEqual(withRouter.json.findings.filter((x) => x.check === 'seg-policy-kind-not-enforced'), []);
});

test('a platform generated with the ingress-nginx edge audits with the retired-controller finding, from its Ingresses alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-nginx-'));
  const spec = parse(readFileSync('examples/meshless.yaml', 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'meshless.yaml'), stringify({ ...spec, edge: { type: 'ingress-nginx' } }));
  const g = await run(['generate', '-c', join(dir, 'meshless.yaml'), '-o', join(dir, 'out')]);
  assert.equal(g.code, 0, g.err);
  const { json } = await audit(join(dir, 'out'));
  assert.ok(json.findings.some((f) => f.check === 'auth-ingress-nginx-retired'), json.findings.map((f) => f.check).join(', '));
});

test('input that yields no objects is exit 2 "no objects read from …", for every command', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'meshless-empty-'));
  for (const args of [['audit', empty], ['reach', empty], ['explain', 'a/b', 'c/d', empty], ['audit', join(empty, 'missing.yaml')], ['audit', '-o', 'json', empty]]) {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, /no objects read from /, args.join(' '));
    assert.equal(r.out, '', `${args.join(' ')}: nothing on stdout`);
  }
  const piped = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', '-', '-o', 'sarif'], { input: '', encoding: 'utf8' });
  assert.equal(piped.status, 2);
  assert.match(piped.stderr, /no objects read from standard input[\s\S]*helm template/);
  assert.equal(piped.stdout, '');
});

test('--from/--to: a bare workload name matches its workload; a selector that matches nothing is exit 2 with the nearest id', async () => {
  const ok = await run(['reach', 'test/fixtures/exposure/service-loadbalancer.yaml', '--to', 'redis', '-o', 'json']);
  assert.equal(ok.code, 0, ok.err);
  assert.ok((JSON.parse(ok.out) as { allowed: { to: string }[] }).allowed.every((a) => a.to === 'shop/deployment/redis'));
  const typo = await run(['reach', 'test/fixtures/exposure/service-loadbalancer.yaml', '--to', 'rediss']);
  assert.equal(typo.code, 2);
  assert.equal(typo.out, '');
  assert.match(typo.err, /--to rediss matches no endpoint in the input; did you mean shop\/deployment\/redis/);
  const from = await run(['reach', 'test/fixtures/exposure/service-loadbalancer.yaml', '--from', 'app=nothing']);
  assert.equal(from.code, 2);
  assert.match(from.err, /--from app=nothing matches no endpoint/);
  const explain = await run(['explain', 'redis', 'redis', 'test/fixtures/exposure/service-loadbalancer.yaml', '--port', '6379']);
  assert.equal(explain.code, 0, explain.err);
});

test('a closed pipe (| head) ends quietly with the command\'s own exit code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-pipe-'));
  const pods = Array.from({ length: 300 }, (_, i) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: a}\nspec: {containers: [{name: c, image: x}]}\n`).join('---\n');
  writeFileSync(join(dir, 'pods.yaml'), pods);
  const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" --import tsx src/cli/main.ts reach "${join(dir, 'pods.yaml')}" --level pod -q | head -1`], { encoding: 'utf8' });
  assert.match(r.stdout, /^300 endpoints/);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|internal error/);
  assert.equal(r.status, 0, r.stderr);
});

test('generate → audit is clean with no flags: the output carries the network team and the pod network', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-gen-'));
  const g = await run(['generate', '-c', 'examples/meshless.yaml', '-o', dir]);
  assert.equal(g.code, 0, g.err);
  assert.doesNotMatch(g.err, /pass --pod-cidr/);
  const a = await run(['audit', dir, '-o', 'json']);
  assert.equal(a.code, 0, a.err);
  assert.deepEqual((JSON.parse(a.out) as AuditJson).findings.filter((f) => f.check === 'rbac-networkpolicy-write-outside-network-team'), []);
  assert.doesNotMatch(a.err, /ipblock-partial-pod-network/);
  assert.doesNotMatch(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'), /meshless-audit\.yaml/);
});
