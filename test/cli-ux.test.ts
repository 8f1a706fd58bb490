/**
 * Issue 15, "the terminal and the install, as kubectl users expect", and the
 * input-diagnostics items of "nothing passes silently": what the command line
 * prints, in which format, with which colours and links. Each test failed before
 * its change.
 */
import { runCli as run } from './support/cli.js';
import { main } from '../src/cli/main.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { startFakeApiServer, writeKubeconfig } from './support/fake-apiserver.js';
import { join } from 'node:path';

const tmp = (name: string): string => mkdtempSync(join(tmpdir(), `meshless-${name}-`));

test('serve with an input that yields no objects is exit 2 "no objects read from …"', async () => {
  const empty = tmp('serve-empty');
  const r = await run(['serve', empty, '--port', '0']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /no objects read from /);
});

test('diff: a side that reads no objects is exit 2 naming the side', async () => {
  const empty = tmp('diff-empty');
  const before = await run(['diff', empty, 'examples/shop']);
  assert.equal(before.code, 2, before.err);
  assert.match(before.err, /no objects read from the old side \(.*meshless-diff-empty/);
  assert.equal(before.out, '');
  const after = await run(['diff', 'examples/shop', empty]);
  assert.equal(after.code, 2, after.err);
  assert.match(after.err, /no objects read from the new side/);
});

test('--cluster that lists no objects is exit 2 "no objects read from the cluster"', async () => {
  const server = await startFakeApiServer({ objects: [] });
  const kc = await writeKubeconfig(server, {});
  try {
    const r = await run(['audit', '--cluster', '--kubeconfig', kc.path, '-A', '-o', 'json']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /no objects read from the cluster/);
    assert.equal(r.out, '');
  } finally {
    await kc.cleanup();
    await server.close();
  }
});

/** main() as on a terminal (or not), with NO_COLOR as given: output captured. */
async function runAs(args: readonly string[], isTTY: boolean, noColor?: string): Promise<{ code: number; out: string; err: string }> {
  const saved = process.env['NO_COLOR'];
  if (noColor === undefined) delete process.env['NO_COLOR'];
  else process.env['NO_COLOR'] = noColor;
  let out = '';
  let err = '';
  try {
    const code = await main(args, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`), isTTY, prog: 'meshless' });
    return { code, out, err };
  } finally {
    if (saved === undefined) delete process.env['NO_COLOR'];
    else process.env['NO_COLOR'] = saved;
  }
}

const ESC = '\u001b[';
const AUDIT = ['audit', 'examples/shop', '--network-team', 'network-team', '--brief', '--fail-on', 'none', '-q'];

test('colour only on a terminal; NO_COLOR and --color auto|always|never are honoured', async () => {
  assert.ok((await runAs(AUDIT, true)).out.includes(ESC), 'a terminal gets colour');
  assert.ok(!(await runAs(AUDIT, false)).out.includes(ESC), 'a pipe gets none');
  assert.ok(!(await runAs(AUDIT, true, '1')).out.includes(ESC), 'NO_COLOR turns it off');
  assert.ok((await runAs(AUDIT, true, '')).out.includes(ESC), 'an empty NO_COLOR does not');
  assert.ok(!(await runAs([...AUDIT, '--color', 'never'], true)).out.includes(ESC), '--color never');
  assert.ok((await runAs(['--color=always', ...AUDIT], false, '1')).out.includes(ESC), '--color=always, anywhere, wins over NO_COLOR and a pipe');
  assert.ok(!(await runAs([...AUDIT, '--color', 'auto'], false)).out.includes(ESC), '--color auto');
  const bad = await runAs([...AUDIT, '--color', 'sometimes'], true);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--color must be one of auto, always, never/);
});

test('table columns are measured without colour codes: coloured and plain tables line up the same', async () => {
  const plain = (await runAs([...AUDIT, '--color', 'never'], true)).out;
  // eslint-disable-next-line no-control-regex -- stripping the colour codes is the point
  const stripped = (await runAs([...AUDIT, '--color', 'always'], true)).out.replace(/\u001b\[[0-9;]*m/g, '');
  assert.equal(stripped, plain);
});

test('"did you mean" for an unknown command and an unknown flag', async () => {
  const cmd = await run(['raech', 'examples/shop']);
  assert.equal(cmd.code, 2);
  assert.match(cmd.err, /unknown command "raech"; did you mean reach\?/);
  const flag = await run(['reach', 'examples/shop', '--fromm', 'payments']);
  assert.equal(flag.code, 2);
  assert.match(flag.err, /unknown flag --fromm; did you mean --from\?/);
  const far = await run(['audit', 'examples/shop', '--zzzzzzzz']);
  assert.equal(far.code, 2);
  assert.match(far.err, /unknown flag --zzzzzzzz/);
  assert.doesNotMatch(far.err, /did you mean/);
});

test('-o=json is read as -o json, as kubectl accepts it', async () => {
  const r = await run(['reach', 'examples/shop', '--level', 'namespace', '-o=json', '-q']);
  assert.equal(r.code, 0, r.err);
  assert.ok(Array.isArray((JSON.parse(r.out) as { allowed: unknown[] }).allowed));
});

interface InputSection { files: number; objects: { read: number; used: number; skipped: Record<string, number> }; errors: number; warnings: number; diagnostics: { severity: string; code: string; file?: string; line?: number }[] }

/** A folder with one good Pod, one invalid NetworkPolicy (line 8) and a YAML syntax error. */
function badInput(): string {
  const dir = tmp('diag');
  writeFileSync(
    join(dir, 'app.yaml'),
    [
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: web, namespace: shop, labels: {app: web}}', 'spec: {containers: [{name: c, image: x}]}', '---',
      'apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', 'metadata: {name: p, namespace: shop}', 'spec:', '  podSelector: {}', '  ingress:', '  - ports: [{port: 90, endPort: 80}]', '---',
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: [broken', '',
    ].join('\n'),
  );
  return dir;
}

test('input diagnostics are in the JSON of audit and reach: objects read, skipped, errors with file:line', async () => {
  const dir = badInput();
  for (const args of [['audit', dir, '-o', 'json'], ['reach', dir, '-o', 'json']]) {
    const r = await run(args);
    assert.equal(r.code, 2, r.err);
    const input = (JSON.parse(r.out) as { input: InputSection }).input;
    assert.equal(input.files, 1);
    assert.equal(input.objects.read, 2, args[0]);
    assert.equal(input.objects.used, 1);
    assert.ok(input.errors >= 2, JSON.stringify(input));
    const invalid = input.diagnostics.find((d) => d.code === 'invalid-object');
    assert.equal(invalid?.file, join(dir, 'app.yaml'));
    assert.ok(invalid.line !== undefined && invalid.line >= 6, JSON.stringify(invalid));
    const syntax = input.diagnostics.find((d) => d.code === 'yaml-syntax');
    assert.equal(syntax?.file, join(dir, 'app.yaml'));
    assert.ok(syntax.line !== undefined && syntax.line >= 16, JSON.stringify(syntax));
  }
});

test('input diagnostics are SARIF toolExecutionNotifications with their file and line', async () => {
  const dir = badInput();
  const r = await run(['audit', dir, '-o', 'sarif']);
  assert.equal(r.code, 2, r.err);
  const sarif = JSON.parse(r.out) as { runs: { invocations?: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; descriptor?: { id: string }; locations?: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] }[] };
  const notes = sarif.runs[0]!.invocations?.[0]?.toolExecutionNotifications ?? [];
  const invalid = notes.find((n) => n.descriptor?.id === 'invalid-object');
  assert.equal(invalid?.level, 'error');
  const where = invalid.locations?.[0]?.physicalLocation;
  assert.equal(where?.artifactLocation.uri, join(dir, 'app.yaml'));
  assert.ok(where.region.startLine >= 6, JSON.stringify(where));
  assert.ok(notes.some((n) => n.descriptor?.id === 'yaml-syntax' && n.locations?.[0] !== undefined));
});

test('meshless checks ID prints that check\'s page, as docs/checks/ID.md has it; an unknown id is exit 2 with the nearest', async () => {
  const r = await run(['checks', 'seg-namespace-no-default-deny']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `${readFileSync('docs/checks/seg-namespace-no-default-deny.md', 'utf8')}\n`);
  const typo = await run(['checks', 'seg-namespace-no-default-deyn']);
  assert.equal(typo.code, 2);
  assert.match(typo.err, /unknown check "seg-namespace-no-default-deyn"; did you mean seg-namespace-no-default-deny\?/);
  assert.equal(typo.out, '');
});

test('every finding links its check\'s page: in the table, in Markdown and in SARIF', async () => {
  const table = await run(['audit', 'examples/shop', '--brief', '-q']);
  const findings = table.out.split('\n').filter((l) => /^ {2}(CRITICAL|HIGH|MEDIUM|LOW|INFO) /.test(l));
  assert.ok(findings.length > 0);
  const docs = table.out.split('\n').filter((l) => /^ {4}docs: docs\/checks\/[a-z0-9-]+\.md \(meshless checks [a-z0-9-]+\)$/.test(l));
  assert.equal(docs.length, findings.length);
  const md = await run(['audit', 'examples/shop', '-o', 'markdown', '-q']);
  assert.match(md.out, /\| \[`[a-z0-9-]+`\]\(https:\/\/meshless\.dev\/docs\/checks\/[a-z0-9-]+\) \|/);
  const sarif = JSON.parse((await run(['audit', 'examples/shop', '-o', 'sarif', '-q'])).out) as { runs: { tool: { driver: { rules: { id: string; helpUri: string }[] } }; results: { ruleId: string; properties: { helpUri: string; docs: string } }[] }[] };
  const run0 = sarif.runs[0]!;
  for (const rule of run0.tool.driver.rules) assert.equal(rule.helpUri, `https://meshless.dev/docs/checks/${rule.id}`);
  for (const res of run0.results) assert.equal(res.properties.docs, `docs/checks/${res.ruleId}.md`);
});

/** examples/meshless.yaml with `cluster` changed as given, written to a fresh folder. */
function specWith(cluster: Record<string, unknown>): string {
  const dir = tmp('gen-ks');
  const spec = parseYaml(readFileSync('examples/meshless.yaml', 'utf8')) as { cluster: Record<string, unknown> };
  writeFileSync(join(dir, 'meshless.yaml'), stringifyYaml({ ...spec, cluster: { ...spec.cluster, ...cluster } }));
  return dir;
}

const KUBE_SYSTEM = [
  'apiVersion: v1', 'kind: Namespace', 'metadata: {name: kube-system}', '---',
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: metrics-server, namespace: kube-system}',
  'spec: {selector: {matchLabels: {k8s-app: metrics-server}}, template: {metadata: {labels: {k8s-app: metrics-server}}, spec: {containers: [{name: m, image: x, ports: [{containerPort: 10250}]}]}}}', '---',
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: coredns, namespace: kube-system}',
  'spec: {selector: {matchLabels: {k8s-app: kube-dns}}, template: {metadata: {labels: {k8s-app: kube-dns}}, spec: {containers: [{name: d, image: x}]}}}', '',
].join('\n');

test('generate puts no default deny into kube-system unless the spec asks for it', async () => {
  const dir = specWith({});
  const r = await run(['generate', '-c', join(dir, 'meshless.yaml'), '-o', join(dir, 'out'), '-q']);
  assert.equal(r.code, 0, r.err);
  const ks = readFileSync(join(dir, 'out/network-policies/kube-system.yaml'), 'utf8');
  assert.doesNotMatch(ks, /name: default-deny/);
  assert.match(ks, /name: coredns/);
  assert.doesNotMatch(r.err, /kube-system gets a default deny/);
  const asked = specWith({ isolateKubeSystem: true });
  const r2 = await run(['generate', '-c', join(asked, 'meshless.yaml'), '-o', join(asked, 'out'), '-q']);
  assert.equal(r2.code, 0, r2.err);
  assert.match(readFileSync(join(asked, 'out/network-policies/kube-system.yaml'), 'utf8'), /name: default-deny/);
  assert.match(r2.err, /kube-system gets a default deny \(cluster.isolateKubeSystem: true\)/);
});

test('generate --input, when the spec asks for kube-system\'s default deny, lists what the input shows would lose traffic', async () => {
  const dir = specWith({ isolateKubeSystem: true });
  writeFileSync(join(dir, 'cluster.yaml'), KUBE_SYSTEM);
  const r = await run(['generate', '-c', join(dir, 'meshless.yaml'), '-o', join(dir, 'out'), '-q', '--input', join(dir, 'cluster.yaml')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /shows \d+ connections? that the default deny in kube-system would cut off/);
  assert.match(r.err, /→ kube-system\/deployment\/metrics-server/);
  assert.match(r.err, /kube-system\/deployment\/metrics-server → /);
  // Not asked: the input is not needed, and it says so.
  const plain = specWith({});
  writeFileSync(join(plain, 'cluster.yaml'), KUBE_SYSTEM);
  const r2 = await run(['generate', '-c', join(plain, 'meshless.yaml'), '-o', join(plain, 'out'), '-q', '--input', join(plain, 'cluster.yaml')]);
  assert.equal(r2.code, 0, r2.err);
  assert.match(r2.err, /--input is read only with cluster.isolateKubeSystem: true/);
});

test('generate → audit: kube-system left open by the spec is a suppressed finding with its reason, not an open one', async () => {
  const dir = specWith({});
  assert.equal((await run(['generate', '-c', join(dir, 'meshless.yaml'), '-o', join(dir, 'out'), '-q'])).code, 0);
  // CoreDNS, as every cluster has it, beside the generated platform (its policy selects it).
  writeFileSync(join(dir, 'cluster.yaml'), KUBE_SYSTEM.split('---\n').filter((d) => !d.includes('metrics-server')).join('---\n'));
  const r = await run(['audit', join(dir, 'out'), join(dir, 'cluster.yaml'), '-o', 'json', '-q']);
  const json = JSON.parse(r.out) as { findings: { check: string; object: { kind: string; name: string }; suppressed?: { by: string; reason: string } }[] };
  const ks = json.findings.filter((f) => f.check === 'seg-namespace-no-default-deny' && f.object.name === 'kube-system');
  assert.equal(ks.length, 1);
  assert.match(ks[0]!.suppressed?.reason ?? '', /leaves kube-system to its add-ons.*isolateKubeSystem: true/);
  assert.equal(r.code, 0, r.err);
});

test('reach: the default table fits 100 columns, outside peers by short name; -o wide prints everything', async () => {
  const r = await run(['reach', 'examples/shop', '-q']);
  assert.equal(r.code, 0, r.err);
  const long = r.out.split('\n').filter((l) => Array.from(l).length > 100);
  assert.deepEqual(long, []);
  assert.match(r.out, /^auth\/deploy\/oauth2-proxy +internet +443\/TCP$/m);
  assert.match(r.out, / 10\.0\.0\.0\/8 \(\+2\) +all$/m);
  assert.doesNotMatch(r.out, /ip:0\.0\.0\.0\/0/);
  assert.match(r.out, /-o wide prints them whole/);
  const wide = await run(['reach', 'examples/shop', '-o', 'wide', '-q']);
  assert.equal(wide.code, 0, wide.err);
  assert.match(wide.out, /^auth\/deployment\/oauth2-proxy +ip:0\.0\.0\.0\/0 except 10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16 +443\/TCP$/m);
  assert.match(wide.out, /envoy-gateway-system\/deployment\/envoy-shop-public/);
  assert.doesNotMatch(wide.out, /…/);
});

test('-o yaml for reach, audit, explain and checks: the JSON document, as YAML', async () => {
  for (const args of [
    ['reach', 'examples/shop', '--level', 'namespace'],
    ['audit', 'examples/shop', '--fail-on', 'none'],
    ['explain', 'storefront/deployment/storefront', 'catalog/deployment/catalog', '--port', '8080', 'examples/shop'],
    ['checks'],
  ]) {
    const json = await run([...args, '-o', 'json', '-q']);
    const yaml = await run([...args, '-o', 'yaml', '-q']);
    assert.equal(yaml.code, json.code, `${args[0]!}: ${yaml.err}`);
    assert.deepEqual(parseYaml(yaml.out), JSON.parse(json.out), args[0]);
  }
});

test('the default format is called table in every command that prints one, and -o table is accepted', async () => {
  for (const [cmd, args] of [
    ['reach', ['examples/shop']],
    ['audit', ['examples/shop', '--fail-on', 'none']],
    ['explain', ['storefront/deployment/storefront', 'catalog/deployment/catalog', '--port', '8080', 'examples/shop']],
    ['checks', []],
    ['diff', ['examples/shop', 'examples/shop']],
    ['guard', ['--check', 'examples/shop/payments.yaml']],
  ] as const) {
    const help = await run([cmd, '--help']);
    assert.match(help.out, /-o (FORMAT|table)/, `${cmd} --help names its formats`);
    assert.match(help.out, /table/, `${cmd} --help names table`);
    const plain = await run([cmd, ...args, '-q']);
    const table = await run([cmd, ...args, '-o', 'table', '-q']);
    assert.equal(table.code, plain.code, `${cmd} -o table: ${table.err}`);
    assert.equal(table.out, plain.out, `${cmd} -o table is the default`);
  }
});

/** Two destinations that call port http by different numbers, one with no such port, and a client. */
const NAMED = [
  'apiVersion: v1', 'kind: Pod', 'metadata: {name: web, namespace: a, labels: {app: web}}', 'spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}', '---',
  'apiVersion: v1', 'kind: Pod', 'metadata: {name: api, namespace: a, labels: {app: api}}', 'spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 9090}]}]}', '---',
  'apiVersion: v1', 'kind: Pod', 'metadata: {name: db, namespace: a, labels: {app: db}}', 'spec: {containers: [{name: c, image: x, ports: [{name: pg, containerPort: 5432}]}]}', '---',
  'apiVersion: v1', 'kind: Pod', 'metadata: {name: client, namespace: a, labels: {app: client}}', 'spec: {containers: [{name: c, image: x}]}', '---',
  // Only 9090 is open to api: its http port is allowed, web's (8080) is not.
  'apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', 'metadata: {name: only-9090, namespace: a}',
  'spec: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 9090}]}]}', '',
].join('\n');

test('--port NAME resolves the named port at each destination; a destination without it cannot be reached on it', async () => {
  const dir = tmp('named');
  writeFileSync(join(dir, 'pods.yaml'), NAMED);
  const r = await run(['reach', dir, '--port', 'http', '--from', 'a/client', '-o', 'json', '-q']);
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out) as { portName: string; withoutPort: string[]; allowed: { from: string; to: string; ports: string[] }[] };
  assert.equal(json.portName, 'http');
  assert.deepEqual(json.allowed.filter((x) => x.to !== 'a/client'), [{ from: 'a/client', to: 'a/api', ports: ['9090/TCP'] }]);
  assert.ok(json.withoutPort.includes('a/db'), JSON.stringify(json.withoutPort));
  const table = await run(['reach', dir, '--port', 'http', '--from', 'a/client', '-q']);
  assert.match(table.out, /^a\/client +a\/api +9090\/TCP$/m);
  assert.match(table.out, /No container port named http, so no connection is possible on it: .*a\/db/);

  const ok = await run(['explain', 'a/client', 'a/api', '--port', 'http', dir, '-q']);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /^port http is 9090\/TCP at a\/api\nALLOWED/);
  const blocked = await run(['explain', 'a/client', 'a/web', '--port', 'http', dir, '-q']);
  assert.equal(blocked.code, 1);
  assert.match(blocked.out, /port http is 8080\/TCP at a\/web\nDENIED/);
  const none = await run(['explain', 'a/client', 'a/db', '--port', 'http', dir, '-q']);
  assert.equal(none.code, 1);
  assert.match(none.out, /a\/db has no container port named http, so no connection is possible on that port/);
});
