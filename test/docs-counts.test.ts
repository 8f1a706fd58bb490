/**
 * The docs' numbers are the demo's: what README, the command pages and the shop's
 * README say about examples/shop (checks, namespaces, policies, findings…) is
 * compared with what the demo's commands (scripts/demo.sh) print. And docs/spec.md
 * documents every field `meshless schema` has.
 */
import { runCli as run } from './support/cli.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ALL_CHECKS } from '../src/checks/index.js';
import { platformJsonSchema } from '../src/generate/schema.js';

const read = (f: string): string => readFileSync(f, 'utf8');
const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];
const num = (s: string): number => (/^\d+$/.test(s) ? Number(s) : WORDS.indexOf(s.toLowerCase()));
function grab(text: string, re: RegExp, file: string): number {
  const m = re.exec(text);
  assert.ok(m?.[1] !== undefined, `${file} no longer says ${String(re)}`);
  return num(m[1]);
}

test('the docs\' counts match what the demo prints', async () => {
  const demo = read('scripts/demo.sh');
  assert.match(demo, /m reach examples\/shop --to orders-db --port 5432/);
  const reach = await run(['reach', 'examples/shop', '--to', 'orders-db', '--port', '5432', '-q']);
  const head = /^(\d+) endpoints in (\d+) namespaces, (\d+) NetworkPolicies; (\d+) allowed connections/.exec(reach.out);
  assert.ok(head, reach.out);
  const [, , namespaces, policies, toDb] = head.map(Number) as [number, number, number, number, number];
  const audit = await run(['audit', 'examples/shop', '--network-team', 'network-team', '-o', 'json', '--fail-on', 'none', '-q']);
  const a = JSON.parse(audit.out) as { summary: { checks: number; open: number }; workloads: unknown[]; controls: Record<string, { status: string }>; input: { files: number; objects: { read: number; used: number } } };

  assert.equal(a.summary.checks, ALL_CHECKS.length);
  const readme = read('README.md');
  assert.equal(grab(readme, /the (\d+) checks/, 'README.md'), ALL_CHECKS.length, 'README: number of checks');
  assert.equal(grab(readme, /with (\w+)\s+namespaces/, 'README.md'), namespaces, 'README: namespaces');
  assert.equal(grab(readme, /(\d+)\s+NetworkPolicies/, 'README.md'), policies, 'README: NetworkPolicies');
  assert.equal(grab(readme, /\*\*Who can reach the orders database on 5432\?\*\* (\w+) workloads/, 'README.md'), toDb, 'README: workloads reaching the database');
  assert.match(readme, /here:\s+authentication, edge TLS and segregation fail; WireGuard passes/);
  assert.deepEqual([a.controls['authentication']?.status, a.controls['ingress-encryption']?.status, a.controls['segregation']?.status, a.controls['in-cluster-encryption']?.status], ['fail', 'fail', 'fail', 'pass']);

  const serve = read('docs/commands/serve.md');
  const log = /read (\d+) objects from (\d+) files: (\d+) used[\s\S]*?loaded in \d+ ms: (\d+) objects, (\d+) workloads in (\d+) namespaces/.exec(serve);
  assert.ok(log, 'docs/commands/serve.md: the example log');
  assert.deepEqual(log.slice(1).map(Number), [a.input.objects.read, a.input.files, a.input.objects.used, a.input.objects.used, a.workloads.length, namespaces]);

  assert.equal(grab(read('docs/output-formats.md'), /"checks": (\d+)/, 'docs/output-formats.md'), ALL_CHECKS.length);
  assert.equal(grab(read('examples/shop/README.md'), /All (\d+) Namespaces/, 'examples/shop/README.md'), namespaces);
});

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every mapping of the schema, by the path docs/spec.md names its section with, and its field names. */
function mappings(s: Json, path: string, out: Map<string, string[]>): Map<string, string[]> {
  const props = isObj(s['properties']) ? s['properties'] : {};
  out.set(path, Object.keys(props));
  const at = (k: string): string => (path === '(top level)' ? k : `${path}.${k}`);
  for (const [k, v] of Object.entries(props)) {
    if (!isObj(v)) continue;
    const alts = [v, ...(Array.isArray(v['anyOf']) ? (v['anyOf'] as Json[]) : [])];
    for (const alt of alts) if (alt['type'] === 'object' && isObj(alt['properties'])) mappings(alt, at(k), out);
    const items = v['items'];
    if (isObj(items)) {
      for (const alt of [items, ...(Array.isArray(items['anyOf']) ? (items['anyOf'] as Json[]) : [])]) if (alt['type'] === 'object' && isObj(alt['properties'])) mappings(alt, `${at(k)}[]`, out);
    }
  }
  return out;
}

test('docs/spec.md documents every field meshless schema has, services[].ports mappings included', () => {
  const spec = read('docs/spec.md');
  const sections = new Map(spec.split(/^## /m).slice(1).map((s) => [/^`([^`]+)`/.exec(s)?.[1] ?? '', s]));
  const all = mappings(platformJsonSchema(), '(top level)', new Map());
  assert.ok(all.has('services[].ports[]'));
  for (const [path, fields] of all) {
    const text = sections.get(path);
    assert.ok(text !== undefined, `docs/spec.md has no section for ${path}`);
    for (const f of fields) assert.ok(text.includes(`| \`${f}\` |`), `docs/spec.md does not document ${path}.${f}`);
  }
});
