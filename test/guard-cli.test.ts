/**
 * `meshless guard` as a command: the manifests validate against the Kubernetes and
 * cert-manager schemas (kubernetes-models) and say what the issue asks for;
 * `--check` answers offline for the demo with the right exit codes; usage errors
 * exit 2; and `serve` runs as a real process against the fake API server.
 */
import { runCli, type CliRun } from './support/cli.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ValidatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { Certificate, Issuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import { inventoryFromText } from '../src/load/text.js';
import { startFakeApiServer, writeKubeconfig } from './support/fake-apiserver.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const run = (args: string[]): Promise<CliRun> => runCli(['guard', ...args]);

type Obj = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> } };

type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': ValidatingWebhookConfiguration,
  'cert-manager.io/v1/Certificate': Certificate,
  'cert-manager.io/v1/Issuer': Issuer,
};

test('manifests: every object validates against its schema and says what the issue asks for', async () => {
  const r = await run(['manifests', '--image', 'registry.example.com/meshless:1.2.3', '--failure-policy', 'ignore', '--control-plane-cidr', '10.0.1.0/28', '--exempt-namespace', 'legacy']);
  assert.equal(r.code, 0, r.err);
  const docs = yaml.loadAll(r.out) as Obj[];
  const kinds = docs.map((d) => `${d.apiVersion}/${d.kind}`);
  for (const d of docs) {
    const M = MODELS[`${d.apiVersion}/${d.kind}`];
    assert.ok(M, `a model for ${d.apiVersion} ${d.kind}`);
    assert.doesNotThrow(() => {
      new M(d as never).validate();
    }, `${d.kind} ${d.metadata.name} validates`);
  }
  assert.deepEqual(new Set(kinds), new Set(Object.keys(MODELS)));
  const one = (kind: string, name?: string): Obj => docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name))!;

  // Minimal RBAC: get/list/watch of networkpolicies, namespaces and the edge checks' context, nothing else (never Secrets).
  const read = ['get', 'list', 'watch'];
  assert.deepEqual(one('ClusterRole')['rules'], [
    { apiGroups: [''], resources: ['namespaces'], verbs: read },
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies', 'ingressclasses'], verbs: read },
    { apiGroups: ['gateway.networking.k8s.io'], resources: ['gateways', 'gatewayclasses', 'referencegrants'], verbs: read },
    { apiGroups: ['gateway.envoyproxy.io'], resources: ['securitypolicies', 'envoyproxies'], verbs: read },
    { apiGroups: ['cert-manager.io'], resources: ['issuers', 'clusterissuers'], verbs: read },
    { apiGroups: ['traefik.io'], resources: ['middlewares'], verbs: read },
    { apiGroups: ['policy.networking.k8s.io'], resources: ['clusternetworkpolicies', 'adminnetworkpolicies', 'baselineadminnetworkpolicies'], verbs: read },
    { apiGroups: ['projectcalico.org'], resources: ['globalnetworkpolicies', 'networkpolicies', 'tiers'], verbs: read },
    { apiGroups: ['cilium.io'], resources: ['ciliumnetworkpolicies', 'ciliumclusterwidenetworkpolicies'], verbs: read },
  ]);

  const dep = one('Deployment') as Obj & { spec: { replicas: number; template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } } };
  assert.equal(dep.metadata.namespace, 'meshless-system');
  assert.equal(dep.spec.replicas, 2);
  const pod = dep.spec.template.spec;
  const c = pod.containers[0]!;
  assert.equal(c['image'], 'registry.example.com/meshless:1.2.3');
  // A first install warns (--mode warn is the manifests' default).
  assert.deepEqual(c['args'], ['serve', '--cert', '/etc/meshless-guard/tls/tls.crt', '--key', '/etc/meshless-guard/tls/tls.key', '--port', '8443', '--mode', 'warn', '--failure-policy', 'ignore', '--exempt-namespace', 'legacy']);
  assert.equal((pod['securityContext'] as Record<string, unknown>)['runAsNonRoot'], true);
  assert.deepEqual(c['securityContext'], { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
  assert.equal((pod['topologySpreadConstraints'] as Record<string, unknown>[])[0]!['topologyKey'], 'kubernetes.io/hostname');
  assert.deepEqual((c['livenessProbe'] as { httpGet: unknown }).httpGet, { path: '/healthz', port: 'https', scheme: 'HTTPS' });
  assert.deepEqual((c['readinessProbe'] as { httpGet: unknown }).httpGet, { path: '/readyz', port: 'https', scheme: 'HTTPS' });
  assert.ok((c['resources'] as { requests?: unknown }).requests);
  assert.deepEqual((pod['volumes'] as Record<string, unknown>[])[0], { name: 'tls', secret: { secretName: 'meshless-guard-tls' } });
  assert.deepEqual((one('PodDisruptionBudget')['spec'] as Record<string, unknown>)['minAvailable'], 1);

  const webhook = (one('ValidatingWebhookConfiguration')['webhooks'] as Record<string, unknown>[])[0]!;
  assert.equal(one('ValidatingWebhookConfiguration').metadata.annotations?.['cert-manager.io/inject-ca-from'], 'meshless-system/meshless-guard');
  assert.equal(webhook['timeoutSeconds'], 5);
  assert.equal(webhook['failurePolicy'], 'Ignore');
  assert.equal(webhook['sideEffects'], 'None');
  assert.deepEqual(webhook['admissionReviewVersions'], ['v1']);
  assert.deepEqual(webhook['namespaceSelector'], { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'meshless-system', 'legacy'] }] });
  const resources = (webhook['rules'] as { resources: string[] }[]).flatMap((x) => x.resources).sort();
  assert.deepEqual(resources, ['cronjobs', 'daemonsets', 'deployments', 'grpcroutes', 'httproutes', 'ingresses', 'jobs', 'namespaces', 'pods', 'replicasets', 'statefulsets']);
  assert.deepEqual(webhook['clientConfig'], { service: { namespace: 'meshless-system', name: 'meshless-guard', path: '/validate', port: 443 } });

  // cert-manager: a self-signed CA, a CA Issuer, and the serving certificate for the Service's DNS names.
  const serving = one('Certificate', 'meshless-guard')['spec'] as { secretName: string; dnsNames: string[]; issuerRef: { name: string } };
  assert.equal(serving.secretName, 'meshless-guard-tls');
  assert.deepEqual(serving.dnsNames, ['meshless-guard.meshless-system.svc', 'meshless-guard.meshless-system.svc.cluster.local']);
  assert.equal(serving.issuerRef.name, 'meshless-guard-ca');
  assert.deepEqual((one('Issuer', 'meshless-guard-selfsigned')['spec']), { selfSigned: {} });
  assert.equal((one('Certificate', 'meshless-guard-ca')['spec'] as { isCA: boolean }).isCA, true);

  // The guard's own NetworkPolicy: 8443 from the control plane; egress to the API server only.
  const np = one('NetworkPolicy')['spec'] as { ingress: { from: unknown[]; ports: unknown[] }[]; egress: { to: unknown[]; ports: { port: number }[] }[] };
  assert.deepEqual(np.ingress[0], { from: [{ ipBlock: { cidr: '10.0.1.0/28' } }], ports: [{ protocol: 'TCP', port: 8443 }] });
  assert.deepEqual(np.egress, [{ to: [{ ipBlock: { cidr: '10.0.1.0/28' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] }]);

  // meshless itself reads the stream without a complaint, and the guard's pods are isolated both ways.
  const inv = inventoryFromText(r.out, 'manifests.yaml');
  assert.deepEqual(inv.diagnostics.filter((d) => d.severity !== 'info'), []);
  assert.equal(inv.policies.length, 1);
  assert.equal(inv.endpoints.length, 1);
  assert.ok(inv.policies[0]!.ingressType && inv.policies[0]!.egressType);

  const fail = yaml.loadAll((await run(['manifests'])).out) as Obj[];
  const wh = fail.find((d) => d.kind === 'ValidatingWebhookConfiguration')!['webhooks'] as Record<string, unknown>[];
  assert.equal(wh[0]!['failurePolicy'], 'Fail');
});

test('--check on the demo: what the webhook would answer, exit 1 when something would be denied', async () => {
  const r = await run(['--check', join(root, 'examples/shop')]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^DENIED {5}Deployment team-green\/reporting {2}.*team-green\.yaml:11$/m);
  assert.match(r.out, /^DENIED {5}Namespace team-green {2}/m);
  assert.match(r.out, /^DENIED {5}Ingress backoffice\/admin {2}/m);
  assert.match(r.out, /^DENIED {5}HTTPRoute storefront\/storefront-api {2}/m);
  assert.match(r.out, /^ALLOWED {4}Deployment kube-system\/coredns \(exempt\)/m);
  assert.match(r.out, /^ {4}Deployment team-green\/reporting: no NetworkPolicy in namespace team-green selects its pods/m);
  assert.match(r.out, /^32 objects reviewed \(mode enforce\): 28 allowed, 4 denied$/m);

  const strict = await run(['--check', '--require-egress', join(root, 'examples/shop')]);
  assert.match(strict.out, /^DENIED {5}CronJob catalog\/catalog-sync/m);
  // The fix does not reuse the typo'd policy's name: applying it must not overwrite that policy.
  assert.match(strict.out, /name: catalog-sync-egress-2\n/);
  assert.match(strict.out, /NetworkPolicy catalog-sync-egress \(Egress, .*catalog\.yaml:40\) is one label off: podSelector \{app\.kubernetes\.io\/name: catalog-synk\} needs app\.kubernetes\.io\/name=catalog-synk, has app\.kubernetes\.io\/name=catalog-sync/);

  const warn = await run(['--check', '--mode', 'warn', join(root, 'examples/shop')]);
  assert.equal(warn.code, 0, 'warn mode denies nothing');
  assert.match(warn.out, /^WOULD DENY Deployment team-green\/reporting/m);
  assert.match(warn.out, /warning: meshless guard \(warn mode\) would deny this: Deployment team-green\/reporting/);

  const json = await run(['--check', '-o', 'json', '--exempt-namespace', 'team-green', join(root, 'examples/shop')]);
  const answers = JSON.parse(json.out) as { object: { kind: string; name: string }; verdict: string; review: { response: { uid: string; allowed: boolean } } }[];
  assert.equal(answers.length, 32);
  assert.equal(answers.find((a) => a.object.kind === 'Deployment' && a.object.name === 'reporting')!.verdict, 'allowed', 'exempted');
  assert.ok(answers.every((a) => a.review.response.uid.startsWith('check-')));

  const dir = mkdtempSync(join(tmpdir(), 'meshless-guard-check-'));
  try {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: orders\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: orders\nspec:\n  podSelector: {}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: orders\nspec:\n  containers: [{name: c, image: x}]\n');
    const ok = await run(['--check', file]);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /2 objects reviewed \(mode enforce\): 2 allowed, 0 denied/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2 and say what to do', async () => {
  const table: [string[], RegExp][] = [
    [[], /say what to do: serve, --check FILE\.\.\., or manifests/],
    [['frobnicate'], /unknown form "frobnicate"/],
    [['serve'], /serve needs --cert FILE and --key FILE/],
    [['serve', '--cert', 'a', '--key', 'b', '--port', 'http'], /--port takes a number/],
    [['--check', join(root, 'examples/shop'), '--image', 'x'], /--image goes with manifests, not --check/],
    [['manifests', '--cert', 'x'], /--cert goes with serve, not manifests/],
    [['manifests', '--control-plane-cidr', '10.0.0.300/8'], /--control-plane-cidr 10\.0\.0\.300\/8/],
    [['manifests', '--replicas', '0'], /--replicas takes a whole number of at least 1/],
    [['manifests', '--mode', 'strict'], /--mode must be one of enforce, warn, audit-only/],
    [['serve', '--cert', 'a', '--key', 'b', '--log-level', 'trace'], /--log-level must be one of debug, info, warn, error/],
    [['manifests', '--log-level', 'debug'], /--log-level goes with serve, not manifests/],
    [['--check'], /no input/],
    [['serve', '--cert', '/nonexistent.crt', '--key', '/nonexistent.key', '--port', '0'], /cannot read \/nonexistent\.crt: no such file/],
  ];
  for (const [args, message] of table) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, message, args.join(' '));
  }
  assert.match((await run(['--help'])).out, /meshless guard serve --cert FILE --key FILE/);
});

test('serve: a real process answers over HTTPS once synced, logs JSON lines, and stops on SIGINT', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-guard-serve-'));
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=meshless-guard', '-days', '1', '-keyout', key, '-out', cert, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const api = await startFakeApiServer({ objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }] });
  const kc = await writeKubeconfig(api);
  const script = `import { runGuard } from ${JSON.stringify(join(root, 'src/cli/guard.ts'))};
const io = { out: (s) => process.stdout.write(s + '\\n'), err: (s) => process.stderr.write(s + '\\n'), isTTY: false, prog: 'meshless' };
process.exitCode = await runGuard(process.argv.slice(1), io);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'serve', '--cert', cert, '--key', key, '--port', '0', '--log-level', 'debug', '--kubeconfig', kc.path], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { resolve(code); }));
  try {
    const deadline = Date.now() + 20_000;
    let port: number | undefined;
    while (port === undefined) {
      const m = /serving https on port (\d+)/.exec(stderr);
      if (m) port = Number(m[1]);
      else if (Date.now() > deadline) throw new Error(`the guard did not start: ${stderr}`);
      else await new Promise((r) => setTimeout(r, 50));
    }
    const get = (path: string, body?: string): Promise<{ status: number; text: string }> =>
      new Promise((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, path, method: body === undefined ? 'GET' : 'POST', rejectUnauthorized: false, agent: false }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => { resolve({ status: res.statusCode ?? 0, text }); });
        });
        req.on('error', reject);
        req.end(body);
      });
    for (;;) {
      if ((await get('/readyz')).status === 200) break;
      if (Date.now() > deadline) throw new Error('never ready');
      await new Promise((r) => setTimeout(r, 50));
    }
    const review = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'proc-1', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'shop', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } };
    const answer = JSON.parse((await get('/validate', JSON.stringify(review))).text) as { response: { uid: string; allowed: boolean } };
    assert.deepEqual([answer.response.uid, answer.response.allowed], ['proc-1', false]);
    const exempt = { ...review, request: { ...review.request, uid: 'proc-2', namespace: 'kube-system', object: { ...review.request.object, metadata: { name: 'dns', namespace: 'kube-system' } } } };
    assert.equal((JSON.parse((await get('/validate', JSON.stringify(exempt))).text) as { response: { allowed: boolean } }).response.allowed, true);
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l['uid'] === 'proc-1')!;
    assert.equal(line['verdict'], 'denied');
    assert.equal(line['level'], 'info');
    // A plain allow: logged because of --log-level debug, at debug.
    assert.equal(lines.find((l) => l['uid'] === 'proc-2')?.['level'], 'debug');
    assert.ok(lines.some((l) => l['msg'] === 'cache synced'));
    assert.ok(lines.some((l) => l['msg'] === 'stopped'));
  } finally {
    child.kill('SIGKILL');
    await api.close();
    await kc.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
