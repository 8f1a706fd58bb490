/**
 * The layered reference evaluator against every scenario of
 * test/fixtures/netpol-layers-cases (the WHOLE allowed-pairs matrix must equal each
 * expected*.json), plus table tests for rules those scenarios do not reach.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { LayeredReferenceCluster, parseCalicoSelector, type Peer, type Protocol } from './layers-evaluator.js';
import { assertSamePairs, type Expected } from '../support/netpol-cases.js';

// ---------------------------------------------------------------------------
// The 23 scenarios, loaded as test/support/netpol-cases.ts loads ../netpol-cases.

const CASES = new URL('../fixtures/netpol-layers-cases/', import.meta.url);

interface LayerScenario {
  readonly name: string;
  readonly manifests: string;
  readonly expectations: readonly { readonly file: string; readonly expected: Expected }[];
}

function layerScenarios(): LayerScenario[] {
  return readdirSync(CASES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = new URL(`${name}/`, CASES);
      const files = readdirSync(dir).filter((f) => /^expected(-\d+-(TCP|UDP|SCTP))?\.json$/.test(f)).sort();
      return {
        name,
        manifests: readFileSync(new URL('manifests.yaml', dir), 'utf8'),
        expectations: files.map((file) => {
          const expected = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Expected;
          const m = /^expected-(\d+)-(TCP|UDP|SCTP)\.json$/.exec(file);
          if (m) assert.deepEqual([expected.port, expected.protocol], [Number(m[1]), m[2]], `${name}/${file}: the file name and its port/protocol disagree`);
          return { file, expected };
        }),
      };
    });
}

const all = layerScenarios();

describe('layered reference evaluator: netpol-layers-cases', () => {
  test('the fixture copy holds the 23 scenarios', () => {
    assert.equal(all.length, 23);
  });

  for (const s of all) {
    test(s.name, () => {
      assert.ok(s.expectations.length > 0, `${s.name} has no expected*.json`);
      const objects = yaml.loadAll(s.manifests).filter((o) => o !== null && o !== undefined);
      const cluster = new LayeredReferenceCluster(objects);
      for (const { file, expected } of s.expectations) {
        assert.deepEqual(cluster.podIds(), [...expected.pods].sort(), `${s.name}/${file}: pods`);
        assertSamePairs(cluster.allowedPairs(expected.port, expected.protocol), expected, `${s.name}/${file}`);
      }
    });
  }
});

// ---------------------------------------------------------------------------
// Table tests. A small cluster: namespaces x, y (labels ns=<name>); pods x/a, x/b, y/a,
// y/b with labels pod=<name>, IPs 10.0.<ns#>.<pod#>, container ports 80/TCP "http"
// and 53/UDP "dns".

type Obj = Record<string, unknown>;

function base(): Obj[] {
  const out: Obj[] = [];
  ['x', 'y'].forEach((ns, n) => {
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { ns } } });
    ['a', 'b'].forEach((pod, m) => {
      out.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: pod, namespace: ns, labels: { pod } },
        spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 53, protocol: 'UDP', name: 'dns' }] }] },
        status: { podIP: `10.0.${n + 1}.${m + 1}` },
      });
    });
  });
  return out;
}

const pod = (id: string): Peer => ({ pod: id });
const ip = (addr: string): Peer => ({ ip: addr });
const gnp = (name: string, spec: Obj): Obj => ({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec });
const calicoNp = (ns: string, name: string, spec: Obj): Obj => ({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec });
const tier = (name: string, spec: Obj): Obj => ({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name }, spec });
const anp = (name: string, spec: Obj): Obj => ({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name }, spec });
const cnp = (apiVersion: string, name: string, spec: Obj): Obj => ({ apiVersion: `policy.networking.k8s.io/${apiVersion}`, kind: 'ClusterNetworkPolicy', metadata: { name }, spec });

interface Row {
  readonly from: Peer;
  readonly to: Peer;
  readonly port?: number;
  readonly protocol?: Protocol;
  readonly want: boolean;
}

function check(name: string, policies: Obj[], rows: readonly Row[]): void {
  test(name, () => {
    const cluster = new LayeredReferenceCluster([...base(), ...policies]);
    for (const r of rows) {
      const port = r.port ?? 80;
      const protocol = r.protocol ?? 'TCP';
      const f = 'pod' in r.from ? r.from.pod : r.from.ip;
      const t = 'pod' in r.to ? r.to.pod : r.to.ip;
      assert.equal(cluster.allowed(r.from, r.to, port, protocol), r.want, `${f} -> ${t} ${port}/${protocol}`);
    }
  });
}

describe('layered reference evaluator: Calico selector language', () => {
  const labels = { app: 'web', tier: 'front', 'k8s-app': 'kube-dns' };
  const cases: [string, boolean][] = [
    ['', true],
    ['all()', true],
    ["app == 'web'", true],
    ['app == "db"', false],
    ["app != 'db'", true],
    ["missing != 'x'", true],
    ["missing == ''", false],
    ["app in {'db', 'web'}", true],
    ["app not in {'db', 'web'}", false],
    ["missing not in {'a'}", true],
    ["missing in {'a'}", false],
    ['has(app)', true],
    ['!has(app)', false],
    ['has(missing)', false],
    ["!(app == 'web')", false],
    ["app == 'web' && tier == 'back'", false],
    ["app == 'web' || tier == 'back'", true],
    ["app == 'db' || tier == 'back' && has(app)", false],
    ["(app == 'db' || tier == 'front') && has(app)", true],
    ['k8s-app == "kube-dns"', true],
    ["app contains 'e'", true],
    ["app starts with 'we'", true],
    ["app ends with 'x'", false],
  ];
  for (const [text, want] of cases) {
    test(`"${text}" → ${want}`, () => {
      assert.equal(parseCalicoSelector(text)(labels), want);
    });
  }
  test('malformed selectors are refused', () => {
    for (const bad of ["app == web", "app ==", "(app == 'a'", "app in {'a'"]) assert.throws(() => parseCalicoSelector(bad), /selector/, bad);
  });
});

describe('layered reference evaluator: rules the scenarios do not reach', () => {
  check(
    'Calico Log goes on to the next rule',
    [gnp('log-then-deny', { selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Log' }, { action: 'Deny', source: { selector: "pod == 'b'" } }, { action: 'Allow' }] })],
    [
      { from: pod('x/b'), to: pod('x/a'), want: false },
      { from: pod('y/b'), to: pod('x/a'), want: false },
      { from: pod('y/a'), to: pod('x/a'), want: true },
      { from: pod('x/a'), to: pod('x/b'), want: true }, // x/b is not selected
    ],
  );
  check(
    'Calico notSelector: an external IP is "not" the selected pods; a namespaced policy scopes it to its namespace',
    [
      gnp('g', { selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { notSelector: "pod == 'b'" } }] }),
      calicoNp('y', 'n', { selector: "pod == 'b'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { notSelector: "pod == 'b'" } }] }),
    ],
    [
      { from: pod('y/b'), to: pod('x/a'), want: false },
      { from: pod('y/a'), to: pod('x/a'), want: true },
      { from: ip('8.8.8.8'), to: pod('x/a'), want: true }, // GNP: no namespace scope
      { from: pod('y/a'), to: pod('y/b'), want: true },
      { from: pod('x/a'), to: pod('y/b'), want: false }, // namespaced: only y's pods
      { from: ip('8.8.8.8'), to: pod('y/b'), want: false },
    ],
  );
  check(
    'Calico nets and notNets match pod IPs and external IPs',
    [gnp('g', { selector: "pod == 'a'", types: ['Egress'], egress: [{ action: 'Allow', destination: { nets: ['10.0.0.0/8', '8.8.0.0/16'], notNets: ['10.0.2.0/24', '8.8.4.0/24'] } }] })],
    [
      { from: pod('x/a'), to: pod('x/b'), want: true },
      { from: pod('x/a'), to: pod('y/b'), want: false },
      { from: pod('x/a'), to: ip('8.8.8.8'), want: true },
      { from: pod('x/a'), to: ip('8.8.4.4'), want: false },
      { from: pod('x/a'), to: ip('1.1.1.1'), want: false },
    ],
  );
  check(
    'Calico selector never matches an external IP; namespaceSelector scopes a GNP rule',
    [gnp('g', { selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: 'all()', namespaceSelector: "ns == 'y'" } }] })],
    [
      { from: pod('y/b'), to: pod('x/a'), want: true },
      { from: pod('x/b'), to: pod('x/a'), want: false },
      { from: ip('8.8.8.8'), to: pod('x/a'), want: false },
    ],
  );
  check(
    'Calico ports: numbers, "lo:hi" ranges, named ports; notPorts',
    [
      gnp('g', {
        selector: "pod == 'a'",
        types: ['Ingress'],
        ingress: [
          { action: 'Allow', protocol: 'TCP', destination: { ports: ['8000:8080', 443] } },
          { action: 'Allow', protocol: 'TCP', destination: { ports: ['http'] } },
          { action: 'Allow', protocol: 'UDP', destination: { notPorts: ['dns', '100:200'] } },
        ],
      }),
    ],
    [
      { from: pod('x/b'), to: pod('x/a'), port: 8000, want: true },
      { from: pod('x/b'), to: pod('x/a'), port: 8080, want: true },
      { from: pod('x/b'), to: pod('x/a'), port: 8081, want: false },
      { from: pod('x/b'), to: pod('x/a'), port: 443, want: true },
      { from: pod('x/b'), to: pod('x/a'), port: 80, want: true }, // http
      { from: pod('x/b'), to: pod('x/a'), port: 53, protocol: 'UDP', want: false }, // dns
      { from: pod('x/b'), to: pod('x/a'), port: 150, protocol: 'UDP', want: false },
      { from: pod('x/b'), to: pod('x/a'), port: 54, protocol: 'UDP', want: true },
      { from: pod('x/b'), to: pod('x/a'), port: 80, protocol: 'SCTP', want: false },
    ],
  );
  check(
    'Calico types default: egress rules only → Egress; none → Ingress',
    [gnp('e', { selector: "pod == 'a'", egress: [{ action: 'Deny', destination: { selector: "pod == 'b'" } }] }), gnp('i', { selector: "pod == 'b' && projectcalico.org/namespace == 'y'" })],
    [
      { from: pod('x/a'), to: pod('x/b'), want: false },
      { from: pod('x/a'), to: pod('y/a'), want: false }, // egress tier took part, nothing matched: default Deny
      { from: pod('x/b'), to: pod('x/a'), want: true }, // x/a's ingress is not selected
      { from: pod('x/b'), to: pod('y/b'), want: false }, // selected for Ingress with no rules
    ],
  );
  check(
    'Tier defaultAction Pass falls through to the next tier; Deny does not',
    [
      tier('pass-tier', { order: 100, defaultAction: 'Pass' }),
      tier('deny-tier', { order: 200 }),
      gnp('p', { tier: 'pass-tier', selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Deny', source: { selector: "pod == 'b'", namespaceSelector: "ns == 'y'" } }] }),
      gnp('d', { tier: 'deny-tier', selector: "pod == 'b'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { namespaceSelector: "ns == 'x'" } }] }),
    ],
    [
      { from: pod('y/b'), to: pod('x/a'), want: false },
      { from: pod('x/b'), to: pod('x/a'), want: true }, // pass-tier passes, no other tier applies
      { from: pod('x/a'), to: pod('y/b'), want: true },
      { from: pod('y/a'), to: pod('y/b'), want: false }, // deny-tier default Deny
    ],
  );
  check(
    'Calico order missing = after every ordered policy',
    [
      calicoNp('x', 'a-unordered', { selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Deny' }] }),
      calicoNp('x', 'z-ordered', { order: 99999, selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: "pod == 'b'" } }] }),
    ],
    [
      { from: pod('x/b'), to: pod('x/a'), want: true },
      { from: pod('y/b'), to: pod('x/a'), want: false },
    ],
  );
  check(
    'Calico equal order: by name',
    [
      gnp('b-allow', { order: 5, selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Allow' }] }),
      gnp('a-deny', { order: 5, selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Deny', source: { namespaceSelector: "ns == 'y'" } }] }),
    ],
    [
      { from: pod('y/b'), to: pod('x/a'), want: false },
      { from: pod('x/b'), to: pod('x/a'), want: true },
    ],
  );
  check(
    'Calico policy before a k8s NetworkPolicy (order 1000) in the default tier; after it when later',
    [
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-all', namespace: 'x' }, spec: { podSelector: {}, ingress: [{}] } },
      calicoNp('x', 'early', { order: 999, selector: "pod == 'a'", types: ['Ingress'], ingress: [{ action: 'Deny', source: { namespaceSelector: "ns == 'y'" } }] }),
      calicoNp('x', 'late', { order: 1001, selector: "pod == 'b'", types: ['Ingress'], ingress: [{ action: 'Deny', source: { namespaceSelector: "ns == 'y'" } }] }),
    ],
    [
      { from: pod('y/a'), to: pod('x/a'), want: false },
      { from: pod('y/a'), to: pod('x/b'), want: true },
    ],
  );
  check(
    'ANP portRange and portNumber',
    [
      anp('r', {
        priority: 1,
        subject: { namespaces: { matchLabels: { ns: 'x' } } },
        ingress: [
          { action: 'Deny', from: [{ namespaces: {} }], ports: [{ portRange: { start: 80, end: 90 } }, { portNumber: { protocol: 'UDP', port: 53 } }] },
        ],
      }),
    ],
    [
      { from: pod('y/a'), to: pod('x/a'), port: 79, want: true },
      { from: pod('y/a'), to: pod('x/a'), port: 80, want: false },
      { from: pod('y/a'), to: pod('x/a'), port: 90, want: false },
      { from: pod('y/a'), to: pod('x/a'), port: 91, want: true },
      { from: pod('y/a'), to: pod('x/a'), port: 85, protocol: 'UDP', want: true },
      { from: pod('y/a'), to: pod('x/a'), port: 53, protocol: 'UDP', want: false },
      { from: pod('y/a'), to: pod('y/b'), port: 80, want: true },
    ],
  );
  for (const version of ['v1alpha2', 'v1beta1']) {
    check(
      `ClusterNetworkPolicy ${version}: protocols (number, range, named port, all of a protocol)`,
      [
        cnp(version, 'admin', {
          tier: 'Admin',
          priority: 3,
          subject: { pods: { namespaceSelector: { matchLabels: { ns: 'x' } }, podSelector: { matchLabels: { pod: 'a' } } } },
          ingress: [
            { action: 'Accept', from: [{ namespaces: { matchLabels: { ns: 'y' } } }], protocols: [{ tcp: { destinationPort: { number: 443 } } }, { udp: { destinationPort: { range: { start: 1000, end: 2000 } } } }] },
            { action: 'Deny', from: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { pod: 'b' } } } }], protocols: [{ destinationNamedPort: 'http' }, { sctp: {} }] },
            { action: 'Pass', from: [{ namespaces: {} }] },
          ],
        }),
        cnp(version, 'baseline', { tier: 'Baseline', priority: 3, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { ns: 'y' } } }] }] }),
      ],
      [
        { from: pod('y/a'), to: pod('x/a'), port: 443, want: true },
        { from: pod('y/a'), to: pod('x/a'), port: 1500, protocol: 'UDP', want: true },
        { from: pod('y/a'), to: pod('x/a'), port: 80, want: false }, // Pass, then baseline Deny
        { from: pod('x/b'), to: pod('x/a'), port: 80, want: false }, // http
        { from: pod('x/b'), to: pod('x/a'), port: 81, want: true }, // Pass, baseline does not match x
        { from: pod('x/b'), to: pod('x/a'), port: 7, protocol: 'SCTP', want: false },
        { from: pod('y/b'), to: pod('x/b'), port: 80, want: false }, // baseline
        { from: pod('x/a'), to: pod('x/b'), port: 80, want: true },
      ],
    );
  }
  check(
    'ANP egress networks match an external IP and pod IPs; nodes and domainNames match nothing',
    [
      anp('n', {
        priority: 1,
        subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { pod: 'a' } } } },
        egress: [
          { action: 'Allow', to: [{ networks: ['8.8.8.0/24'] }] },
          { action: 'Deny', to: [{ nodes: {} }, { domainNames: ['example.com'] }, { networks: ['0.0.0.0/0'] }], ports: [{ portNumber: { protocol: 'TCP', port: 80 } }] },
        ],
      }),
    ],
    [
      { from: pod('x/a'), to: ip('8.8.8.8'), want: true },
      { from: pod('x/a'), to: ip('9.9.9.9'), want: false },
      { from: pod('x/a'), to: ip('9.9.9.9'), port: 81, want: true },
      { from: pod('x/a'), to: pod('y/b'), want: false },
      { from: pod('x/b'), to: ip('9.9.9.9'), want: true },
    ],
  );
  check(
    'BANP decides only where no NetworkPolicy selects the pod',
    [
      { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' }, spec: { subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }] } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'egress', namespace: 'y' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '8.8.8.8/32' } }] }] } },
    ],
    [
      { from: pod('x/a'), to: ip('8.8.8.8'), want: false },
      { from: pod('y/a'), to: ip('8.8.8.8'), want: true },
      { from: pod('y/a'), to: ip('8.8.4.4'), want: false },
    ],
  );
  check(
    'Cilium: CIDR and world match external IPs only, cluster every pod; deny beats allow; egress sections',
    [
      {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'c', namespace: 'x' },
        spec: {
          endpointSelector: { matchLabels: { pod: 'a' } },
          egress: [{ toCIDR: ['0.0.0.0/0'] }, { toEntities: ['cluster'], toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }] }],
          egressDeny: [{ toCIDRSet: [{ cidr: '8.8.0.0/16', except: ['8.8.8.0/24'] }] }],
        },
      },
    ],
    [
      { from: pod('x/a'), to: ip('1.1.1.1'), want: true },
      { from: pod('x/a'), to: ip('8.8.4.4'), want: false },
      { from: pod('x/a'), to: ip('8.8.8.8'), want: true },
      { from: pod('x/a'), to: pod('y/b'), want: true },
      { from: pod('x/a'), to: pod('y/b'), port: 81, want: false },
      { from: pod('x/b'), to: pod('y/b'), port: 81, want: true },
    ],
  );
  check(
    'Cilium: {} only isolates; an L4-only rule matches every peer; an unqualified fromEndpoints is the policy namespace',
    [
      { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'iso', namespace: 'y' }, spec: { endpointSelector: { matchLabels: { pod: 'b' } }, ingress: [{}] } },
      {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'l4', namespace: 'x' },
        spec: { endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }, { fromEndpoints: [{ matchLabels: { 'k8s:pod': 'b' } }] }] },
      },
    ],
    [
      { from: pod('y/a'), to: pod('y/b'), want: false },
      { from: pod('y/b'), to: pod('y/a'), want: true },
      { from: pod('y/a'), to: pod('x/a'), port: 443, want: true },
      { from: ip('8.8.8.8'), to: pod('x/a'), port: 443, want: true },
      { from: pod('x/b'), to: pod('x/a'), want: true },
      { from: pod('y/b'), to: pod('x/a'), want: false },
    ],
  );
});
