/**
 * meshless audit end to end: the demo's controls and findings, every output
 * format against its schema or shape, the CI gate, suppression, baselines, and
 * the same findings from a live cluster (the fake API server) as from manifests.
 */
import { runCli } from './support/cli.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parseInputs } from '../src/load/text.js';
import { startFakeApiServer, writeKubeconfig } from './support/fake-apiserver.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shop = join(root, 'examples/shop');

const run = runCli;

interface AuditJson {
  controls: Record<string, { status: string; findings: number; suppressed: number }>;
  findings: { check: string; severity: string; object: { kind: string; namespace?: string; name: string; file?: string; line?: number }; suppressed?: { by: string; reason: string } }[];
  workloads: { id: string; exposed: boolean; authenticated: boolean | null }[];
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateAudit = ajv.compile(JSON.parse(readFileSync(join(root, 'docs/schemas/audit.schema.json'), 'utf8')) as object);
const validateReach = ajv.compile(JSON.parse(readFileSync(join(root, 'docs/schemas/reach.schema.json'), 'utf8')) as object);

const key = (f: AuditJson['findings'][number]): string => `${f.check} ${f.object.kind} ${f.object.namespace ?? ''}/${f.object.name}`;

test('audit of the demo: each control, and every deliberate gap found', async () => {
  const r = await run(['audit', 'examples/shop', '--network-team', 'network-team', '-o', 'json']);
  assert.equal(r.code, 1, 'findings at or above low fail by default');
  const json = JSON.parse(r.out) as AuditJson;
  assert.ok(validateAudit(json), JSON.stringify(validateAudit.errors));
  assert.deepEqual(Object.fromEntries(Object.entries(json.controls).map(([k, v]) => [k, v.status])), {
    authentication: 'fail',
    'ingress-encryption': 'fail',
    'in-cluster-encryption': 'pass',
    segregation: 'fail',
  });
  const keys = json.findings.map(key);
  for (const gap of [
    'seg-namespace-no-default-deny Namespace /catalog', // 1
    'seg-workload-not-isolated-ingress Deployment team-green/reporting', // 2
    'ns-team-name Namespace /team-green', // 2
    'seg-data-egress-internet Deployment team-green/reporting', // 3 (the data path team-green opens)
    'auth-ingress-nginx-no-auth-url Ingress backoffice/admin', // 4
    'tls-host-without-tls Ingress backoffice/admin', // 4
    'rbac-networkpolicy-write-outside-network-team RoleBinding checkout/app-team-checkout-edit', // 5
    'seg-policy-selects-nothing NetworkPolicy catalog/catalog-sync-egress', // 6
    'auth-gateway-route-unauthenticated HTTPRoute storefront/storefront-api', // 7
    'auth-ingress-nginx-retired Deployment ingress-nginx/ingress-nginx-controller',
  ]) {
    assert.ok(keys.includes(gap), `missing: ${gap}\nfound:\n${keys.join('\n')}`);
  }
  for (const f of json.findings) {
    assert.ok(f.object.file?.startsWith('examples/shop/'), key(f));
    assert.ok((f.object.line ?? 0) >= 1, key(f));
  }
  const storefront = json.workloads.find((w) => w.id === 'storefront/deployment/storefront')!;
  assert.deepEqual([storefront.exposed, storefront.authenticated], [true, false], 'the /api route bypasses oauth2-proxy');
});

test('--fail-on sets the exit code', async () => {
  assert.equal((await run(['audit', 'examples/shop', '--network-team', 'network-team', '--fail-on', 'critical', '-o', 'json'])).code, 0);
  assert.equal((await run(['audit', 'examples/shop', '--network-team', 'network-team', '--fail-on', 'high', '-o', 'json'])).code, 1);
  assert.equal((await run(['audit', 'examples/shop', '--fail-on', 'none', '-o', 'json'])).code, 0);
  assert.equal((await run(['audit', 'examples/shop', '--fail-on', 'severe'])).code, 2);
});

test('sarif: 2.1.0 with one rule per check and file:line locations', async () => {
  const r = await run(['audit', 'examples/shop', '-o', 'sarif']);
  const sarif = JSON.parse(r.out) as { version: string; runs: { tool: { driver: { rules: { id: string; properties: Record<string, unknown> }[] } }; results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[]; partialFingerprints: Record<string, string> }[] }[] };
  assert.equal(sarif.version, '2.1.0');
  const run0 = sarif.runs[0]!;
  const ruleIds = new Set(run0.tool.driver.rules.map((x) => x.id));
  assert.ok(run0.results.length > 0);
  for (const res of run0.results) {
    assert.ok(ruleIds.has(res.ruleId), res.ruleId);
    assert.ok(['error', 'warning', 'note'].includes(res.level));
    const loc = res.locations[0]!.physicalLocation;
    assert.match(loc.artifactLocation.uri, /^examples\/shop\/.+\.yaml$/);
    assert.ok(loc.region.startLine >= 1);
    assert.ok(res.partialFingerprints['meshless/v1']);
  }
  assert.ok(run0.tool.driver.rules.every((x) => typeof x.properties['security-severity'] === 'string'));
});

test('junit and markdown carry the same findings', async () => {
  const json = JSON.parse((await run(['audit', 'examples/shop', '-o', 'json'])).out) as AuditJson;
  const open = json.findings.filter((f) => !f.suppressed).length;
  const junit = (await run(['audit', 'examples/shop', '-o', 'junit'])).out;
  assert.match(junit, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
  assert.equal((junit.match(/<failure /g) ?? []).length, open);
  assert.match(junit, new RegExp(`<testsuites name="meshless audit" tests="\\d+" failures="${open}">`));
  const md = (await run(['audit', 'examples/shop', '-o', 'markdown'])).out;
  assert.match(md, new RegExp(`### Findings \\(${open} open, 0 suppressed\\)`));
  assert.match(md, /\| authentication \| ❌ fail \|/);
});

test('suppression by annotation needs a reason; suppressed findings are still counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-audit-'));
  const ns = (extra: string): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-red\n${extra}`;
  writeFileSync(join(dir, 'ns.yaml'), ns('  annotations:\n    meshless.dev/ignore: ns-team-name\n    meshless.dev/ignore-reason: "legacy name, renaming in Q3"\n'));
  const r = JSON.parse((await run(['audit', dir, '-o', 'json'])).out) as AuditJson;
  const f = r.findings.find((x) => x.check === 'ns-team-name')!;
  assert.deepEqual(f.suppressed, { by: 'annotation', reason: 'legacy name, renaming in Q3' });
  assert.equal(r.controls['segregation']!.suppressed, 1);
  writeFileSync(join(dir, 'ns.yaml'), ns('  annotations:\n    meshless.dev/ignore: ns-team-name\n'));
  const r2 = JSON.parse((await run(['audit', dir, '-o', 'json'])).out) as AuditJson;
  assert.equal(r2.findings.find((x) => x.check === 'ns-team-name')!.suppressed, undefined, 'no reason, no suppression');
});

test('a baseline accepts today\'s findings; a new one still fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-baseline-'));
  const baseline = join(dir, 'baseline.json');
  assert.equal((await run(['audit', 'examples/shop', '--write-baseline', baseline])).code, 0);
  const clean = await run(['audit', 'examples/shop', '--baseline', baseline, '-o', 'json']);
  assert.equal(clean.code, 0);
  const json = JSON.parse(clean.out) as AuditJson;
  assert.ok(json.findings.length > 0 && json.findings.every((f) => f.suppressed?.by === 'baseline'));
  writeFileSync(join(dir, 'extra.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: squad-blue}\n');
  const again = await run(['audit', 'examples/shop', dir + '/extra.yaml', '--baseline', baseline, '-o', 'json']);
  assert.equal(again.code, 1);
  const open = (JSON.parse(again.out) as AuditJson).findings.filter((f) => !f.suppressed);
  assert.deepEqual(open.map(key), ['ns-team-name Namespace /squad-blue']);
});

test('a bad config file names the field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-config-'));
  writeFileSync(join(dir, 'c.yaml'), 'networkTeam: network-team\nteamNamespacePatterns: ["(unclosed"]\n');
  const r = await run(['audit', 'examples/shop', '--config', join(dir, 'c.yaml')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /networkTeam: /);
  assert.match(r.err, /teamNamespacePatterns\.0: must be a valid regular expression/);
});

test('reach JSON validates against its schema', async () => {
  for (const args of [['--level', 'namespace'], ['--port', '53/UDP'], ['--level', 'pod']]) {
    const out = JSON.parse((await run(['reach', 'examples/shop', '-o', 'json', ...args])).out) as unknown;
    assert.ok(validateReach(out), JSON.stringify(validateReach.errors));
  }
});

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : f.endsWith('.yaml') ? [p] : [];
  });
}

test('--cluster gives the same findings as the same objects in manifests', async () => {
  const parsed = parseInputs(yamlFiles(shop).map((f) => ({ file: f, text: readFileSync(f, 'utf8') })));
  const server = await startFakeApiServer({ objects: parsed.docs.map((d) => d.value as never), maxPageSize: 7 });
  try {
    const kubeconfig = await writeKubeconfig(server, { context: 'shop' });
    const live = await run(['audit', '--cluster', '--kubeconfig', kubeconfig.path, '-A', '--network-team', 'network-team', '-o', 'json']);
    const files = await run(['audit', 'examples/shop', '--network-team', 'network-team', '-o', 'json']);
    const a = JSON.parse(live.out) as AuditJson;
    const b = JSON.parse(files.out) as AuditJson;
    assert.deepEqual(a.findings.map(key).sort(), b.findings.map(key).sort());
    assert.deepEqual(a.controls, b.controls);
    assert.equal(live.code, files.code);
    assert.match(live.err, /read \d+ objects from the cluster/);
    await kubeconfig.cleanup();
  } finally {
    await server.close();
  }
});
