/**
 * The command line, end to end: golden outputs on the demo platform (refresh with
 * UPDATE_GOLDEN=1 npm test and review the diff), exit codes, stdin, and the
 * kubectl plugin name, run as real processes.
 */
import { runCli } from './support/cli.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mainTs = join(root, 'src/cli/main.ts');

const run = runCli;

function golden(name: string, actual: string): void {
  const file = join(root, 'test/golden', name);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`missing golden file ${name}; run UPDATE_GOLDEN=1 npm test and review it`);
  }
  if (actual !== expected) {
    writeFileSync(`${file}.actual`, actual);
    assert.equal(actual, expected, `${name} differs; the actual output is in ${name}.actual`);
  }
}

function spawnCli(args: string[], input?: string, bin = mainTs): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', bin, ...args], { cwd: root, input: input ?? '', encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('reach on the demo at namespace level (golden JSON)', async () => {
  const r = await run(['reach', 'examples/shop', '--level', 'namespace', '-o', 'json']);
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out) as { endpoints: string[]; allowed: { from: string; to: string; ports: string[] }[] };
  assert.ok(json.endpoints.includes('payments'));
  golden('reach/shop-namespace.json', `${JSON.stringify(json, null, 1)}\n`);
});

test('reach --port gives the contract shape: port, protocol, endpoints, allowed pairs', async () => {
  const r = await run(['reach', 'examples/shop', '--port', '5432/TCP', '-o', 'json']);
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out) as { port: number; protocol: string; endpoints: string[]; allowed: { from: string; to: string }[] };
  assert.equal(json.port, 5432);
  assert.equal(json.protocol, 'TCP');
  assert.ok(json.endpoints.includes('orders-db/statefulset/orders-db'));
  const toDb = json.allowed.filter((e) => e.to === 'orders-db/statefulset/orders-db').map((e) => e.from);
  assert.deepEqual(toDb, ['checkout/deployment/checkout', 'payments/deployment/payments', 'team-green/deployment/reporting']);
  golden('reach/shop-5432.json', `${JSON.stringify(json, null, 1)}\n`);
});

test('explain: the unintended path to the database, with file and line (golden)', async () => {
  const r = await run(['explain', 'team-green/deployment/reporting', 'orders-db/statefulset/orders-db', '--port', '5432', 'examples/shop']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ALLOWED/);
  assert.match(r.out, /allow-data-namespaces-to-orders-db ingress\[0\] \(examples\/shop\/networkpolicies\/orders-db\.yaml:\d+\)/);
  golden('explain/reporting-to-db.txt', r.out);
});

test('explain exits 1 when denied and says which side denies', async () => {
  const r = await run(['explain', 'storefront/deployment/storefront', 'orders-db/statefulset/orders-db', '--port', '5432', 'examples/shop']);
  assert.equal(r.code, 1);
  assert.match(r.out, /^DENIED/);
  golden('explain/storefront-to-db.txt', r.out);
});

test('usage errors exit 2 with a hint', async () => {
  for (const args of [
    ['reach'],
    ['reach', 'examples/shop', '--level', 'galaxy'],
    ['reach', 'examples/shop', '--port', '70000'],
    ['explain', 'nobody', 'orders-db/statefulset/orders-db', 'examples/shop'],
    ['frobnicate'],
  ]) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.ok(r.err.length > 0);
  }
  const r = await run(['explain', 'reportin', 'orders-db', 'examples/shop']);
  assert.match(r.err, /did you mean team-green\/deployment\/reporting/);
});

test('bad input: reported with file, line and field; the rest is analysed; exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-'));
  writeFileSync(join(dir, 'good.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\nspec: {containers: [{name: c}]}\n');
  writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - ports:\n    - {port: 90, endPort: 80}\n---\nkey: [unclosed\n');
  const r = await run(['reach', dir, '-o', 'json']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /bad\.yaml:8: error \[invalid-object\].*endPort 80 must be greater than or equal to port 90/);
  assert.match(r.err, /bad\.yaml:1\d:\d+: error \[yaml-syntax\]/);
  assert.match(r.err, /read 2 objects from 2 files: 1 used, 1 skipped \(invalid object: 1\); 2 error\(s\)/);
  const json = JSON.parse(r.out) as { endpoints: string[]; allowed: unknown[] };
  assert.deepEqual(json.endpoints, ['x/a']);
  // The broken policy is not applied: the pod is open to itself, to and from the outside.
  assert.deepEqual(json.allowed, [{ from: 'ip:other', to: 'x/a', ports: ['all'] }, { from: 'x/a', to: 'ip:other', ports: ['all'] }, { from: 'x/a', to: 'x/a', ports: ['all'] }]);
});

test('stdin with -, as a real process (helm template ... | meshless reach -)', () => {
  const yaml = readFileSync(join(root, 'examples/shop/networkpolicies/orders-db.yaml'), 'utf8') + '\n---\n' + readFileSync(join(root, 'examples/shop/orders-db.yaml'), 'utf8');
  const r = spawnCli(['reach', '-', '--level', 'namespace', '-o', 'json'], yaml);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { endpoints: string[] };
  assert.ok(json.endpoints.includes('orders-db'));
});

test('installed as kubectl-meshless it calls itself "kubectl meshless"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshless-bin-'));
  const link = join(dir, 'kubectl-meshless');
  symlinkSync(mainTs, link);
  const r = spawnCli(['--help'], undefined, link);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: kubectl meshless COMMAND/);
});

test('--stats reports phases and peak memory on stderr', async () => {
  const r = await run(['reach', 'examples/shop', '--level', 'namespace', '-o', 'json', '--stats']);
  const line = r.err.split('\n').find((l) => l.startsWith('meshless-stats '));
  assert.ok(line);
  const stats = JSON.parse(line.slice('meshless-stats '.length)) as { phases: Record<string, number>; maxRssKiB: number };
  assert.deepEqual(Object.keys(stats.phases), ['read', 'parse', 'inventory', 'classes', 'evaluate', 'output']);
  assert.ok(stats.maxRssKiB > 0);
});

test('diff --stats shows each version\'s phases apart, and they add up to the summed phases', async () => {
  const r = await run(['diff', 'examples/shop', 'examples/shop', '-o', 'json', '--stats']);
  assert.equal(r.code, 0, r.err);
  const line = r.err.split('\n').find((l) => l.startsWith('meshless-stats '));
  assert.ok(line);
  const stats = JSON.parse(line.slice('meshless-stats '.length)) as { phases: Record<string, number>; versions: Record<string, Record<string, number>> };
  assert.deepEqual(Object.keys(stats.versions), ['before', 'after']);
  for (const phase of ['inventory', 'classes', 'audit']) {
    assert.ok(phase in stats.versions['before']! && phase in stats.versions['after']!, `${phase} in both versions`);
    // The summed phase is the two versions' (each lap is rounded once, so allow 1 ms per version).
    assert.ok(Math.abs(stats.phases[phase]! - stats.versions['before']![phase]! - stats.versions['after']![phase]!) <= 2, phase);
  }
  assert.ok(!('compare' in stats.versions['after']!), 'the comparison belongs to neither version');
});
