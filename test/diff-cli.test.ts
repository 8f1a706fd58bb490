/**
 * `meshless diff` on the demo platform: the CI gates' exit codes, the pull-request
 * comment's shape, and the JSON for tools. Each NEW is a copy of examples/shop in a
 * temporary directory with one deliberate change.
 */
import { runCli, type CliRun } from './support/cli.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../src/cli/common.js';
import { diffMarkdown, DIFF_COMMENT_MARKER, FOLD_ROWS, MAX_CHARS } from '../src/report/diff-markdown.js';
import { jsonChunks, type DiffReport } from '../src/report/diff-json.js';
import { portRange } from '../src/netpol/ports.js';
import { diffFindings, newlyFailing } from '../src/checks/diff.js';
import type { Finding, Severity } from '../src/checks/types.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shop = join(root, 'examples/shop');

const run = (args: string[]): Promise<CliRun> => runCli(['diff', ...args]);

const dirs: string[] = [];
/** A copy of the demo with `change` applied to it. */
function variant(change: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-diff-'));
  dirs.push(dir);
  cpSync(shop, dir, { recursive: true });
  change(dir);
  return dir;
}
process.on('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
  writeFileSync(file, text.replace(from, to));
}

/**
 * The database's allow rule loses its pod selector: any pod that can egress to it now may,
 * and the database (a data namespace) admits every namespace: one finding introduced.
 */
const OPENS_DB = variant((d) => {
  edit(
    join(d, 'networkpolicies/orders-db.yaml'),
    '        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: checkout\n          podSelector:\n            matchLabels:\n              app.kubernetes.io/name: checkout\n',
    '        - namespaceSelector: {}\n',
  );
});
/** checkout loses its way to the database: only closes. */
const CLOSES_DB = variant((d) => {
  edit(join(d, 'networkpolicies/orders-db.yaml'), 'kubernetes.io/metadata.name: checkout\n', 'kubernetes.io/metadata.name: checkout-old\n');
});
/** A new namespace with a workload no policy selects: a high finding, and connections to it. */
const NEW_SERVICE = variant((d) => {
  writeFileSync(
    join(d, 'reports.yaml'),
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: reports}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: exporter, namespace: reports}\nspec:\n  template:\n    metadata: {labels: {app: exporter}}\n    spec: {containers: [{name: exporter, ports: [{containerPort: 8080, name: http}]}]}\n',
  );
});
/** The payments policies moved out of networkpolicies/ into payments.yaml, the default deny renamed: nothing changes. */
const REORGANISED = variant((d) => {
  const text = readFileSync(join(d, 'networkpolicies/payments.yaml'), 'utf8');
  rmSync(join(d, 'networkpolicies/payments.yaml'));
  writeFileSync(join(d, 'payments.yaml'), `${readFileSync(join(d, 'payments.yaml'), 'utf8')}\n---\n${text.replace(/name: default-deny\n/, 'name: payments-default-deny\n')}`);
});
const BROKEN = variant((d) => {
  writeFileSync(join(d, 'broken.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: [unclosed\n');
});

test('diff: a reorganisation with the same effect is no change, and exit 0 even with every gate on', async () => {
  const r = await run([shop, REORGANISED, '--fail-on-new-connectivity', '--fail-on', 'info']);
  assert.equal(r.code, EXIT.ok, r.err);
  assert.match(r.out, /Connectivity: 0 added, 0 removed, 0 changed; findings: 0 introduced, 0 resolved/);
  assert.match(r.out, /No connection is allowed differently\./);
});

test('diff: --fail-on-new-connectivity fails when a connection opens, and --to narrows it to a destination', async () => {
  assert.equal((await run([shop, OPENS_DB, '-q'])).code, EXIT.ok, 'no gate, no failure');
  const gate = await run([shop, OPENS_DB, '-q', '--fail-on-new-connectivity']);
  assert.equal(gate.code, EXIT.findings);
  assert.match(gate.out, /--fail-on-new-connectivity: 2 connection\(s\) opened/);
  assert.equal((await run([shop, OPENS_DB, '-q', '--fail-on-new-connectivity', '--to', 'orders-db'])).code, EXIT.findings);
  assert.equal((await run([shop, OPENS_DB, '-q', '--fail-on-new-connectivity', '--to', 'app.kubernetes.io/name=orders-db'])).code, EXIT.findings, 'by label');
  const elsewhere = await run([shop, OPENS_DB, '-q', '--fail-on-new-connectivity', '--to', 'payments/*']);
  assert.equal(elsewhere.code, EXIT.ok, 'nothing opened towards payments');
  assert.match(elsewhere.out, /Added: allowed after, not before \(2\)/, 'the report still shows every change');
});

test('diff: closing connections never fails the connectivity gate', async () => {
  const r = await run([shop, CLOSES_DB, '-q', '--fail-on-new-connectivity']);
  assert.equal(r.code, EXIT.ok, r.out);
  assert.match(r.out, /Removed: allowed before, not after \(1\)\n\s+FROM.*\n\s+checkout\/deployment\/checkout\s+orders-db\/statefulset\/orders-db\s+5432\/TCP/);
});

test('diff: --fail-on SEVERITY fails on a finding introduced at or above it, not on one below', async () => {
  const high = await run([shop, NEW_SERVICE, '-q', '--fail-on', 'high']);
  assert.equal(high.code, EXIT.findings);
  assert.match(high.out, /\+ HIGH seg-workload-not-isolated-ingress\s+Deployment reports\/exporter/);
  assert.equal((await run([shop, NEW_SERVICE, '-q', '--fail-on', 'critical'])).code, EXIT.ok);
  // Reversed, the same change resolves the findings: nothing is introduced.
  const back = await run([NEW_SERVICE, shop, '-q', '--fail-on', 'info']);
  assert.equal(back.code, EXIT.ok);
  assert.match(back.out, /Findings resolved \(3\)/);
});

test('diff: errors in the new version are exit 2; the old version only reports its own', async () => {
  const r = await run([shop, BROKEN]);
  assert.equal(r.code, EXIT.usage);
  assert.match(r.err, /after \(.*\): .*broken\.yaml:\d+:\d+: error \[yaml-syntax\]/);
  assert.equal((await run([BROKEN, shop, '-q'])).code, EXIT.ok);
});

test('diff: usage errors name what to do', async () => {
  const cases: [string[], RegExp][] = [
    [[shop], /diff needs OLD and NEW .* or --git BASE\.\.HEAD; got 1 path/],
    [[shop, OPENS_DB, '--to', 'orders-db'], /--to goes with --fail-on-new-connectivity/],
    [[shop, OPENS_DB, '--level', 'cluster'], /--level must be one of pod, workload, namespace/],
    [[shop, OPENS_DB, '-o', 'sarif'], /-o must be one of table, json, markdown/],
    [[shop, OPENS_DB, '--fail-on', 'severe'], /--fail-on must be one of critical, high, medium, low, info, none/],
    [[shop, OPENS_DB, '--fail-on-new-connectivity', '--to', 'app=db,=x'], /cannot read the label requirement/],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    assert.equal(r.code, EXIT.usage, args.join(' '));
    assert.match(r.err, message);
  }
});

test('diff -o markdown: a compact pull-request comment', async () => {
  const r = await run([shop, OPENS_DB, '-q', '-o', 'markdown', '--fail-on-new-connectivity', '--to', 'orders-db']);
  const lines = r.out.split('\n');
  assert.equal(lines[0], DIFF_COMMENT_MARKER, 'the action finds its comment by the marker');
  assert.equal(lines[1], '### meshless diff');
  assert.match(lines[3]!, /^\*\*2 connections opened, 0 closed\*\* · \*\*1 finding introduced, 0 resolved\*\* · workload level, `.*shop` → `.*meshless-diff-.*`$/);
  assert.match(r.out, /❌ \*\*New connectivity towards `orders-db`:\*\* 2 connections opened/);
  assert.match(r.out, /\| From \| To \| Opened \| Closed \|\n\| --- \| --- \| --- \| --- \|\n\| `catalog` \| `orders-db` \| `5432\/TCP` \| – \|/);
  assert.match(r.out, /\| `catalog\/deployment\/catalog` \| `orders-db\/statefulset\/orders-db` \| added \| `5432\/TCP` \| – \|/);
  assert.ok(!r.out.includes('<details>'), 'short lists are not folded');
  const f = await run([shop, NEW_SERVICE, '-q', '-o', 'markdown']);
  assert.match(f.out, /\*\*Findings introduced\*\*\n\n\| Severity \| Check \| Object \| Message \|\n\| --- \| --- \| --- \| --- \|\n\| high \| `seg-workload-not-isolated-ingress` \| Deployment reports\/exporter \|/);
});

test('diff markdown folds lists longer than 20 rows into <details>', () => {
  const entry = (i: number): { from: string; to: string; ports: ReturnType<typeof portRange> } => ({ from: `a/deployment/w${String(i).padStart(2, '0')}`, to: 'db/statefulset/db', ports: portRange('TCP', 5432) });
  const report = (n: number): DiffReport => ({
    before: { label: 'main', sha: '0123456789abcdef' },
    after: { label: 'HEAD', sha: 'fedcba9876543210' },
    connectivity: { level: 'workload', added: Array.from({ length: n }, (_, i) => entry(i)), removed: [], changed: [], endpoints: { added: [], removed: [] }, external: [], stats: { jointSourceRoles: 0, jointDestinationRoles: 0, rolePairsCompared: 0, rolePairsChanged: 0, levelPairsCompared: 0 } },
    findings: { introduced: [], resolved: [], suppressed: [], worsened: [], improved: [], unchanged: 0 },
    gates: {},
  });
  const short = diffMarkdown(report(FOLD_ROWS));
  assert.ok(!short.includes('<details>'));
  assert.match(short, /`main \(0123456\)` → `HEAD \(fedcba9\)`/);
  const long = diffMarkdown(report(FOLD_ROWS + 1));
  assert.match(long, /<details><summary>Workload pairs \(21\)<\/summary>\n\n\| From \| To \| Change \| Opened \| Closed \|/);
  assert.match(long, /\| `a` \| `db` \| `5432\/TCP` \| – \|/, 'the namespace summary (one row) stays open');
  assert.equal(long.match(/<\/details>/g)?.length, 1);
  // A change that opens a whole cluster still makes a comment GitHub accepts.
  const huge = diffMarkdown(report(20_000));
  assert.ok(huge.length <= MAX_CHARS, `${huge.length} characters`);
  assert.match(huge, /… and \d+ more: run `meshless diff -o json` for the full list\./);
});

test('diff -o json: the contract for tools', async () => {
  const r = await run([shop, OPENS_DB, '-q', '-o', 'json', '--fail-on-new-connectivity']);
  assert.equal(r.code, EXIT.findings);
  const j = JSON.parse(r.out) as {
    before: { label: string };
    level: string;
    summary: Record<string, number>;
    connectivity: { added: { from: string; to: string; ports: string[] }[]; removed: unknown[]; changed: unknown[] };
    namespaces: { from: string; to: string; opened: string[]; closed: string[] }[];
    findings: { introduced: { check: string; severity: string; object: { kind: string; namespace: string; name: string } }[]; resolved: unknown[] };
    gates: { newConnectivity: { failed: boolean; opened: unknown[] } };
  };
  assert.equal(j.before.label, shop);
  assert.equal(j.level, 'workload');
  assert.deepEqual(j.summary, { added: 2, removed: 0, changed: 0, opened: 2, closed: 0, findingsIntroduced: 1, findingsResolved: 0 });
  assert.deepEqual(j.findings.introduced.map((f) => `${f.check} ${f.object.kind} ${f.object.namespace}/${f.object.name} ${f.severity}`), ['seg-data-ingress-all-namespaces StatefulSet orders-db/orders-db high']);
  assert.deepEqual(j.connectivity.added, [
    { from: 'catalog/cronjob/catalog-sync', to: 'orders-db/statefulset/orders-db', ports: ['5432/TCP'] },
    { from: 'catalog/deployment/catalog', to: 'orders-db/statefulset/orders-db', ports: ['5432/TCP'] },
  ]);
  assert.deepEqual(j.namespaces, [{ from: 'catalog', to: 'orders-db', opened: ['5432/TCP'], closed: [], added: 2, removed: 0, changed: 0 }]);
  assert.equal(j.gates.newConnectivity.failed, true);
  const ns = JSON.parse((await run([shop, OPENS_DB, '-q', '-o', 'json', '--level', 'namespace'])).out) as { connectivity: { added: unknown[] } };
  assert.deepEqual(ns.connectivity.added, [{ from: 'catalog', to: 'orders-db', ports: ['5432/TCP'] }]);
});

test('findings are matched by check, object and field, never by line', () => {
  const f = (check: string, name: string, severity: Severity, extra: Partial<Finding> = {}): Finding => ({
    check,
    control: 'segregation',
    severity,
    object: { kind: 'Deployment', namespace: 'shop', name, file: 'a.yaml', line: 1 },
    message: `${check} on ${name}`,
    why: 'because',
    fix: 'fix it',
    requirements: [],
    ...extra,
  });
  const moved = { ...f('seg-a', 'web', 'high'), object: { kind: 'Deployment', namespace: 'shop', name: 'web', file: 'elsewhere/b.yaml', line: 99 } };
  const before = [f('seg-a', 'web', 'high'), f('seg-b', 'api', 'medium'), f('seg-c', 'db', 'low'), f('seg-d', 'db', 'low'), f('seg-e', 'x', 'high')];
  const after = [
    moved, // the same finding, moved: unchanged
    f('seg-b', 'api', 'high'), // raised
    f('seg-c', 'db', 'low', { suppressed: { by: 'annotation', reason: 'accepted until Q3' } }), // suppressed by the change
    f('seg-e', 'x', 'medium'), // lowered
    f('seg-f', 'new', 'critical'), // new
    f('seg-f', 'new', 'critical', { path: 'spec.template' }), // new, another field
  ];
  const d = diffFindings({ findings: before }, { findings: after });
  assert.deepEqual(d.introduced.map((x) => `${x.check} ${x.path ?? ''}`), ['seg-f ', 'seg-f spec.template']);
  assert.deepEqual(d.resolved.map((x) => x.check), ['seg-d']);
  assert.deepEqual(d.suppressed.map((x) => [x.check, x.suppressed?.reason]), [['seg-c', 'accepted until Q3']]);
  assert.deepEqual(d.worsened.map((w) => [w.after.check, w.before.severity, w.after.severity]), [['seg-b', 'medium', 'high']]);
  assert.deepEqual(d.improved.map((w) => w.after.check), ['seg-e']);
  assert.equal(d.unchanged, 1);
  assert.deepEqual(newlyFailing(d, 'high').map((x) => x.check), ['seg-f', 'seg-f', 'seg-b'], 'raised to high counts, new ones count');
  assert.deepEqual(newlyFailing(d, 'critical').map((x) => x.check), ['seg-f', 'seg-f']);
  // Two findings with one fingerprint are paired in order; the extra one is new.
  const twice = diffFindings({ findings: [f('seg-a', 'web', 'low')] }, { findings: [f('seg-a', 'web', 'low'), f('seg-a', 'web', 'low')] });
  assert.equal(twice.introduced.length, 1);
  assert.equal(twice.unchanged, 1);
});

test('JSON is written in chunks that end at line ends and join to JSON.stringify(value, null, 2)', () => {
  const values: unknown[] = [
    { a: [], b: {}, c: [1, 'two', null, true, { d: [{ e: 'f' }] }], g: undefined, h: 'quote " and \\ and \n' },
    [],
    'text',
    { many: Array.from({ length: 500 }, (_, i) => ({ from: `a/${i}`, to: 'b', ports: ['80/TCP'] })) },
  ];
  for (const v of values) {
    const chunks = [...jsonChunks(v, 64)];
    assert.equal(chunks.join(''), `${JSON.stringify(v, null, 2)}\n`);
    for (const c of chunks) assert.ok(c.endsWith('\n'));
  }
  assert.ok([...jsonChunks(values[3], 64)].length > 100, 'a long list is cut into many chunks');
});
