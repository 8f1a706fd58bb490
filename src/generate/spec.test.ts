/** The spec's validation: each problem names its field path and says what to write instead. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { formatPath, parseSpec, type SpecProblem } from './spec.js';
import { unifiedDiff } from './diff.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const demo = (): Record<string, unknown> => parseYaml(readFileSync(join(root, 'examples/meshless.yaml'), 'utf8')) as Record<string, unknown>;
type Svc = Record<string, unknown>;
const withServices = (f: (s: Svc[]) => Svc[]): Record<string, unknown> => {
  const d = demo();
  return { ...d, services: f(d['services'] as Svc[]) };
};

function problems(input: unknown): string[] {
  const r = parseSpec(input);
  return r.ok ? [] : r.problems.map((p: SpecProblem) => `${formatPath(p.path)}: ${p.message}${p.hint ? ` | ${p.hint}` : ''}`);
}

test('the demo spec is valid', () => {
  assert.deepEqual(problems(demo()), []);
});

const cases: [string, () => unknown, RegExp][] = [
  ['unknown service in a flow', () => withServices((s) => s.map((x) => (x['name'] === 'checkout' ? { ...x, flows: [{ to: 'paymnets', port: 8443 }] } : x))), /^services\[2\]\.flows\[0\]\.to: unknown service "paymnets" \| did you mean payments\?/],
  ['port out of range', () => withServices((s) => s.map((x) => (x['name'] === 'catalog' ? { ...x, ports: [70000] } : x))), /^services\[1\]\.ports\[0\]: .*(1 to 65535|wrong shape)/],
  ['flow to a port the destination does not declare', () => withServices((s) => s.map((x) => (x['name'] === 'storefront' ? { ...x, flows: [{ to: 'catalog', port: 8081 }] } : x))), /^services\[0\]\.flows\[0\]\.port: catalog does not listen on 8081\/TCP \(it declares 8080\/TCP\) \| write one of its ports/],
  ['duplicate service names', () => withServices((s) => [...s, { name: 'catalog' }]), /^services\[5\]\.name: duplicate service name "catalog" \(also services\[1\]\)/],
  ['duplicate flows', () => withServices((s) => s.map((x) => (x['name'] === 'payments' ? { ...x, flows: [{ to: 'orders-db', port: 5432 }, { to: 'orders-db', port: 5432 }] } : x))), /^services\[3\]\.flows\[1\]: duplicate flow to orders-db on 5432\/TCP/],
  ['public without a reason', () => withServices((s) => s.map((x) => (x['name'] === 'storefront' ? { ...x, expose: { host: 'shop.example.com', port: 8080, public: true } } : x))), /^services\[0\]\.expose\.publicReason: service storefront is public but gives no reason \| add publicReason/],
  ['team owning an unknown service', () => ({ ...demo(), teams: { network: 'network-team', apps: [{ name: 'web', group: 'g', services: ['storfront'] }] } }), /^teams\.apps\[0\]\.services\[0\]: team web owns unknown service "storfront" \| did you mean storefront\?/],
  ['unknown field', () => ({ ...demo(), domian: 'x' }), /^domian: unknown field "domian" \| did you mean domain\?/],
  ['enum value', () => ({ ...demo(), edge: { type: 'traefik' } }), /^edge\.type: must be one of "gateway-api", "ingress-nginx"/],
  ['missing required field', () => ({ ...demo(), tls: undefined }), /^tls: is required \| add tls:/],
  ['calico with ipsec', () => ({ ...demo(), encryption: { cni: 'calico', mode: 'ipsec' } }), /^encryption\.mode: Calico \(open source\) encrypts with WireGuard only/],
  ['egress inside the pod network', () => withServices((s) => s.map((x) => (x['name'] === 'catalog' ? { ...x, egress: [{ to: ['10.244.3.0/24'], ports: [443] }] } : x))), /^services\[1\]\.egress\[0\]\.to\[0\]: 10\.244\.3\.0\/24 is inside the pod network .* \| .*write a flow/],
  ['host outside the domain', () => withServices((s) => s.map((x) => (x['name'] === 'storefront' ? { ...x, expose: { host: 'shop.other.org', port: 8080 } } : x))), /^services\[0\]\.expose\.host: shop\.other\.org is not in domain shop\.example\.com/],
  ['service named like a platform namespace', () => withServices((s) => [...s, { name: 'auth' }]), /^services\[5\]\.name: service "auth" would share its namespace with auth\.namespace/],
  ['a bad CIDR', () => ({ ...demo(), cluster: { apiServer: ['10.0.1.0/33'] } }), /^cluster\.apiServer\[0\]: must be a CIDR such as/],
  ['dns01 without a provider', () => ({ ...demo(), tls: { email: 'a@b.example', solver: 'dns01' } }), /^tls\.dns01: solver dns01 needs a DNS provider/],
];

for (const [name, input, expected] of cases) {
  test(`problem: ${name}`, () => {
    const got = problems(input());
    assert.ok(got.some((p) => expected.test(p)), got.join('\n'));
  });
}

test('unified diff: hunks with context, additions and removals', () => {
  const a = 'a\nb\nc\nd\ne\nf\ng\nh\ni\n';
  const b = 'a\nb\nc\nD\ne\nf\ng\nh\ni\nj\n';
  assert.equal(unifiedDiff(a, a, 'x', 'y'), '');
  assert.equal(unifiedDiff(a, b, 'a/f', 'b/f'), '--- a/f\n+++ b/f\n@@ -1,9 +1,10 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n h\n i\n+j\n');
  assert.equal(unifiedDiff('', 'x\n', '/dev/null', 'b/f'), '--- /dev/null\n+++ b/f\n@@ -0,0 +1,1 @@\n+x\n');
  const long = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
  const d = unifiedDiff(long, long.replace('l1\n', 'L1\n').replace('l18', 'L18'), 'a', 'b');
  assert.equal((d.match(/^@@/gm) ?? []).length, 2, 'far-apart changes make two hunks');
});
