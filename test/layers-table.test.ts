/**
 * Table tests for policy layers, written from upstream documents and conformance tests:
 *
 *   1. network-policy-api's conformance suite (kubernetes-sigs/network-policy-api,
 *      conformance/base + conformance/tests): AdminNetworkPolicy / BaselineAdminNetworkPolicy
 *      (v1alpha1) and ClusterNetworkPolicy (v1alpha2 / v1beta1), in the suite's own world of
 *      houses (namespaces gryffindor, slytherin, hufflepuff, ravenclaw, hogwarts-staff).
 *   2. Calico's documented examples (tigera/docs, calico/...).
 *   3. Cilium's documented examples (cilium/cilium, Documentation/security/policy and
 *      examples/policies).
 *
 * Each row: a few policies on top of a small world of namespaces and pods, the upstream
 * source it restates (in our own YAML), and probes (from, to, port/protocol, allowed?).
 * Some rows also check what the explanation says decided. Every row is also held to the
 * independent reference evaluator (test/reference/layers-evaluator.ts) on its probes.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { inventoryFromText } from '../src/load/text.js';
import { analyze } from '../src/netpol/analysis.js';
import type { Explanation } from '../src/netpol/explain.js';
import { LayeredReferenceCluster, type Peer } from './reference/layers-evaluator.js';

type Protocol = 'TCP' | 'UDP' | 'SCTP';
type Labels = Record<string, string>;
type Obj = Record<string, unknown>;

// ---------------------------------------------------------------------------
// Worlds: namespaces and pods, built as objects and dumped as YAML.

interface PodDef {
  /** Extra labels (the pod also gets `pod: <name>`). */
  readonly labels?: Labels;
  readonly sa?: string;
  /** Container ports [port, protocol, name]; default: STD_PORTS. */
  readonly ports?: readonly (readonly [number, Protocol, string])[];
}

interface WorldDef {
  /** Namespace name -> its labels (kubernetes.io/metadata.name is added). */
  readonly namespaces: Readonly<Record<string, Labels>>;
  /** 'ns/name' -> pod. IPs are 10.0.<ns#>.<pod#>, in the order given. */
  readonly pods: Readonly<Record<string, PodDef>>;
  /** ServiceAccount objects: 'ns/name' -> labels. */
  readonly serviceAccounts?: Readonly<Record<string, Labels>>;
}

/** What the conformance suite's agnhost servers listen on (conformance/base/manifests.yaml), plus 81/TCP. */
const STD_PORTS: readonly (readonly [number, Protocol, string])[] = [
  [80, 'TCP', 'http'],
  [81, 'TCP', 'http-81'],
  [8080, 'TCP', 'http-alt'],
  [53, 'UDP', 'dns'],
  [5353, 'UDP', 'mdns'],
  [9003, 'SCTP', 'sctp-9003'],
  [9005, 'SCTP', 'sctp-9005'],
];

function worldObjects(w: WorldDef): Obj[] {
  const out: Obj[] = [];
  const nsNames = Object.keys(w.namespaces);
  for (const ns of nsNames) {
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { ...w.namespaces[ns], 'kubernetes.io/metadata.name': ns } } });
  }
  for (const [id, labels] of Object.entries(w.serviceAccounts ?? {})) {
    const [ns, name] = id.split('/') as [string, string];
    out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns, labels } });
  }
  const counters = new Map<string, number>();
  for (const [id, def] of Object.entries(w.pods)) {
    const [ns, name] = id.split('/') as [string, string];
    const nsIndex = nsNames.indexOf(ns) + 1;
    assert.ok(nsIndex > 0, `pod ${id}: namespace ${ns} is not declared`);
    const n = (counters.get(ns) ?? 0) + 1;
    counters.set(ns, n);
    out.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns, labels: { pod: name, ...def.labels } },
      spec: {
        ...(def.sa !== undefined ? { serviceAccountName: def.sa } : {}),
        containers: [{ name: 'srv', image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', ports: (def.ports ?? STD_PORTS).map(([containerPort, protocol, pname]) => ({ containerPort, protocol, name: pname })) }],
      },
      status: { phase: 'Running', podIP: `10.0.${nsIndex}.${n}` },
    });
  }
  return out;
}

/**
 * The conformance suite's world (conformance/base/manifests.yaml): four houses with two
 * StatefulSet pods each (label conformance-house, and the pod-name label StatefulSets set),
 * and the hogwarts-staff namespace with professor-dumbledore-0 and professor-quirrell-0
 * that the core tests use. The namespaces are named by their house here (upstream prefixes
 * them with network-policy-conformance-).
 */
function hogwarts(overrides: Readonly<Record<string, PodDef>> = {}): WorldDef {
  const pods: Record<string, PodDef> = {};
  const houses = { gryffindor: 'harry-potter', slytherin: 'draco-malfoy', hufflepuff: 'cedric-diggory', ravenclaw: 'luna-lovegood' } as const;
  for (const [house, who] of Object.entries(houses)) {
    for (const i of [0, 1]) {
      const name = `${who}-${i}`;
      pods[`${house}/${name}`] = { labels: { 'conformance-house': house, 'statefulset.kubernetes.io/pod-name': name }, ...overrides[`${house}/${name}`] };
    }
  }
  for (const name of ['professor-dumbledore-0', 'professor-quirrell-0']) {
    pods[`hogwarts-staff/${name}`] = { labels: { 'statefulset.kubernetes.io/pod-name': name }, ...overrides[`hogwarts-staff/${name}`] };
  }
  return {
    namespaces: {
      gryffindor: { 'conformance-house': 'gryffindor' },
      slytherin: { 'conformance-house': 'slytherin' },
      hufflepuff: { 'conformance-house': 'hufflepuff' },
      ravenclaw: { 'conformance-house': 'ravenclaw' },
      // No house label: "every house" selectors leave the staff out.
      'hogwarts-staff': {},
    },
    pods,
  };
}

/**
 * The Calico / Cilium world: namespaces x, y (faction alliance) and z (faction empire),
 * kube-system with the DNS pod; in each of x, y, z:
 *   a  app=web  tier=fe  role=frontend  (service account luke)
 *   b  app=db   tier=be  role=backend   (service account leia)
 *   c  no app / tier / role             (service account default)
 */
function xyz(extra: Partial<WorldDef> = {}): WorldDef {
  const pods: Record<string, PodDef> = {};
  for (const ns of ['x', 'y', 'z']) {
    pods[`${ns}/a`] = { labels: { app: 'web', tier: 'fe', role: 'frontend' }, sa: 'luke' };
    pods[`${ns}/b`] = { labels: { app: 'db', tier: 'be', role: 'backend' }, sa: 'leia' };
    pods[`${ns}/c`] = { sa: 'default' };
  }
  pods['kube-system/dns'] = { labels: { 'k8s-app': 'kube-dns' }, ports: [[53, 'UDP', 'dns'], [53, 'TCP', 'dns-tcp'], [9153, 'TCP', 'metrics']] };
  return {
    namespaces: { x: { ns: 'x', faction: 'alliance' }, y: { ns: 'y', faction: 'alliance' }, z: { ns: 'z', faction: 'empire' }, 'kube-system': {}, ...extra.namespaces },
    pods: { ...pods, ...extra.pods },
    ...(extra.serviceAccounts ? { serviceAccounts: extra.serviceAccounts } : {}),
  };
}

// ---------------------------------------------------------------------------
// Rows and how they are run.

/** [from, to, "port/PROTO", allowed]; an endpoint without "/" is an outside IP. */
type Probe = readonly [string, string, string, boolean];

interface ExplainCheck {
  readonly from: string;
  readonly to: string;
  readonly port: string;
  readonly check: (e: Explanation) => void;
}

interface Row {
  readonly name: string;
  /** The upstream document or conformance test (and step) the row restates. */
  readonly source: string;
  readonly world: WorldDef;
  /** Policies (YAML, `---`-separated) on top of the world. */
  readonly policies: string;
  readonly probes: readonly Probe[];
  readonly explain?: readonly ExplainCheck[];
}

const endpoint = (s: string): string | { ip: string } => (s.includes('/') ? s : { ip: s });
const refPeer = (s: string): Peer => (s.includes('/') ? { pod: s } : { ip: s });

function portOf(s: string): { port: number; protocol: Protocol } {
  const m = /^(\d+)\/(TCP|UDP|SCTP)$/.exec(s);
  assert.ok(m, `bad port ${s}`);
  return { port: Number(m[1]), protocol: m[2] as Protocol };
}

function manifests(row: Row): string {
  return [...worldObjects(row.world).map((o) => yaml.dump(o, { noRefs: true })), `${row.policies.trim()}\n`].join('---\n');
}

function objects(text: string): unknown[] {
  return yaml.loadAll(text).filter((o) => o !== null && o !== undefined);
}

function load(row: Row) {
  const text = manifests(row);
  const inv = inventoryFromText(text, 'table.yaml');
  const problems = inv.diagnostics.filter((d) => d.severity === 'error' || d.code === 'policy-not-evaluated');
  assert.deepEqual(problems.map((d) => `[${d.code}] ${d.message}`), [], `${row.name}: error diagnostics`);
  return { text, inv, analysis: analyze(inv) };
}

function runRows(rows: readonly Row[]): void {
  for (const row of rows) {
    describe(row.name, () => {
      test(`engine (${row.source})`, () => {
        const { analysis } = load(row);
        const wrong: string[] = [];
        for (const [from, to, port, expected] of row.probes) {
          const p = portOf(port);
          const actual = analysis.isAllowed(endpoint(from), endpoint(to), p.port, p.protocol);
          if (actual !== expected) wrong.push(`${from} -> ${to} ${port}: expected ${expected ? 'allowed' : 'denied'}, engine says ${actual ? 'allowed' : 'denied'}`);
        }
        assert.deepEqual(wrong, [], row.name);
        for (const x of row.explain ?? []) {
          const p = portOf(x.port);
          x.check(analysis.explain(endpoint(x.from), endpoint(x.to), { port: p.port, protocol: p.protocol }));
        }
      });
      test('layered reference agrees with the row', () => {
        const ref = new LayeredReferenceCluster(objects(manifests(row)));
        const wrong: string[] = [];
        for (const [from, to, port, expected] of row.probes) {
          const p = portOf(port);
          const actual = ref.allowed(refPeer(from), refPeer(to), p.port, p.protocol);
          if (actual !== expected) wrong.push(`${from} -> ${to} ${port}: expected ${expected ? 'allowed' : 'denied'}, reference says ${actual ? 'allowed' : 'denied'}`);
        }
        assert.deepEqual(wrong, [], row.name);
      });
    });
  }
}

/** Probes from one source to many destinations (or many sources to one). */
function fan(from: string | readonly string[], to: string | readonly string[], port: string, allowed: boolean): Probe[] {
  const out: Probe[] = [];
  for (const f of typeof from === 'string' ? [from] : from) for (const t of typeof to === 'string' ? [to] : to) out.push([f, t, port, allowed]);
  return out;
}

/** The ingress side's layered explanation (asserts it exists). */
function ingressLayers(e: Explanation) {
  assert.ok(e.ingress.layers, `${e.from} -> ${e.to}: no layered ingress explanation`);
  return e.ingress.layers;
}
function egressLayers(e: Explanation) {
  assert.ok(e.egress.layers, `${e.from} -> ${e.to}: no layered egress explanation`);
  return e.egress.layers;
}

/** Edits one policy of a YAML stream (upstream tests update policies between steps). */
function edit(policies: string, name: string, change: (spec: Obj) => void): string {
  return objects(policies)
    .map((o) => {
      const obj = o as Obj;
      if ((obj['metadata'] as Obj)['name'] === name) change(obj['spec'] as Obj);
      return yaml.dump(obj, { noRefs: true });
    })
    .join('---\n');
}
function swap(list: unknown, i: number, j: number): void {
  const l = list as unknown[];
  [l[i], l[j]] = [l[j], l[i]];
}
function drop(policies: string, kind: string): string {
  return objects(policies)
    .filter((o) => (o as Obj)['kind'] !== kind)
    .map((o) => yaml.dump(o, { noRefs: true }))
    .join('---\n');
}

// ---------------------------------------------------------------------------
// 1. network-policy-api conformance (kubernetes-sigs/network-policy-api, conformance/).
// Upstream's v1alpha1 files predate v0.1.0's peer shape (namespaces: {namespaceSelector});
// they are written here in the served v1alpha1 shape (namespaces: {matchLabels}).

const G = ['gryffindor/harry-potter-0', 'gryffindor/harry-potter-1'] as const;
const S = ['slytherin/draco-malfoy-0', 'slytherin/draco-malfoy-1'] as const;
const H = ['hufflepuff/cedric-diggory-0', 'hufflepuff/cedric-diggory-1'] as const;
const R = ['ravenclaw/luna-lovegood-0', 'ravenclaw/luna-lovegood-1'] as const;
const DUMBLEDORE = 'hogwarts-staff/professor-dumbledore-0';
const QUIRRELL = 'hogwarts-staff/professor-quirrell-0';

const nsSel = (house: string): string => `namespaces:\n        matchLabels:\n          kubernetes.io/metadata.name: ${house}`;
const staffPod = (pod: string): string => `pods:\n        namespaceSelector:\n          matchLabels:\n            kubernetes.io/metadata.name: hogwarts-staff\n        podSelector:\n          matchLabels:\n            statefulset.kubernetes.io/pod-name: ${pod}`;

/** conformance/base/admin_network_policy/core-ingress-tcp-rules.yaml (ANP ingress-tcp, priority 3). */
const ANP_INGRESS_TCP = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: ingress-tcp
spec:
  priority: 3
  subject:
    namespaces:
      matchLabels:
        kubernetes.io/metadata.name: gryffindor
  ingress:
  - name: allow-from-ravenclaw-everything
    action: Allow
    from:
    - ${nsSel('ravenclaw')}
  - name: deny-from-ravenclaw-everything
    action: Deny
    from:
    - ${nsSel('ravenclaw')}
  - name: pass-from-ravenclaw-everything
    action: Pass
    from:
    - ${nsSel('ravenclaw')}
  - name: deny-from-slytherin-at-port-80
    action: Deny
    from:
    - ${nsSel('slytherin')}
    ports:
    - portNumber: {protocol: TCP, port: 80}
  - name: pass-from-slytherin-at-port-80
    action: Pass
    from:
    - ${nsSel('slytherin')}
    ports:
    - portNumber: {protocol: TCP, port: 80}
  - name: allow-from-hufflepuff-at-port-80
    action: Allow
    from:
    - ${nsSel('hufflepuff')}
    ports:
    - portNumber: {protocol: TCP, port: 80}
  - name: deny-from-hufflepuff-everything-else
    action: Deny
    from:
    - ${nsSel('hufflepuff')}
  - name: deny-from-professor-quirrell-at-port-8080
    action: Deny
    from:
    - ${staffPod('professor-quirrell-0')}
    ports:
    - portNumber: {protocol: TCP, port: 8080}
  - name: allow-from-professor-dumbledore-at-port-8080
    action: Allow
    from:
    - ${staffPod('professor-dumbledore-0')}
    ports:
    - portNumber: {protocol: TCP, port: 8080}
  - name: deny-from-dumbledore-everything-else
    action: Deny
    from:
    - ${staffPod('professor-dumbledore-0')}
`;

/** conformance/base/admin_network_policy/core-gress-rules-combined.yaml (ANP gress-rules, priority 15), egress and ingress over TCP, UDP and SCTP. */
const ANP_GRESS_RULES = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: gress-rules
spec:
  priority: 15
  subject:
    namespaces:
      matchLabels:
        kubernetes.io/metadata.name: gryffindor
  egress:
  - name: allow-to-ravenclaw-everything
    action: Allow
    to:
    - ${nsSel('ravenclaw')}
  - name: deny-to-ravenclaw-everything
    action: Deny
    to:
    - ${nsSel('ravenclaw')}
  - name: pass-to-ravenclaw-everything
    action: Pass
    to:
    - ${nsSel('ravenclaw')}
  - name: deny-to-slytherin-at-ports-80-53-9003
    action: Deny
    to:
    - ${nsSel('slytherin')}
    ports:
    - portNumber: {protocol: TCP, port: 80}
    - portNumber: {protocol: UDP, port: 53}
    - portNumber: {protocol: SCTP, port: 9003}
  - name: pass-to-slytherin-at-port-80-53-9003
    action: Pass
    to:
    - ${nsSel('slytherin')}
    ports:
    - portNumber: {protocol: TCP, port: 80}
    - portNumber: {protocol: UDP, port: 53}
    - portNumber: {protocol: SCTP, port: 9003}
  - name: allow-to-hufflepuff-at-ports-8080-5353
    action: Allow
    to:
    - ${nsSel('hufflepuff')}
    ports:
    - portNumber: {protocol: TCP, port: 8080}
    - portNumber: {protocol: UDP, port: 5353}
    - portNumber: {protocol: SCTP, port: 9003}
  - name: deny-to-hufflepuff-everything-else
    action: Deny
    to:
    - ${nsSel('hufflepuff')}
  - name: allow-to-dumbledore-at-tcp-udp-sctp
    action: Allow
    to:
    - ${staffPod('professor-dumbledore-0')}
    ports:
    - portNumber: {protocol: TCP, port: 8080}
    - portNumber: {protocol: UDP, port: 5353}
    - portNumber: {protocol: SCTP, port: 9003}
  - name: deny-to-dumbledore-everything-else
    action: Deny
    to:
    - ${staffPod('professor-dumbledore-0')}
  - name: deny-to-quirrell-at-tcp-udp-sctp
    action: Deny
    to:
    - ${staffPod('professor-quirrell-0')}
    ports:
    - portNumber: {protocol: TCP, port: 8080}
    - portNumber: {protocol: UDP, port: 5353}
    - portNumber: {protocol: SCTP, port: 9003}
  ingress:
  - name: allow-from-ravenclaw-everything
    action: Allow
    from:
    - ${nsSel('ravenclaw')}
  - name: deny-from-ravenclaw-everything
    action: Deny
    from:
    - ${nsSel('ravenclaw')}
  - name: deny-from-slytherin-at-port-80-53-9003
    action: Deny
    from:
    - ${nsSel('slytherin')}
    ports:
    - portNumber: {protocol: TCP, port: 80}
    - portNumber: {protocol: UDP, port: 53}
    - portNumber: {protocol: SCTP, port: 9003}
  - name: allow-from-hufflepuff-at-port-80-5353-9003
    action: Allow
    from:
    - ${nsSel('hufflepuff')}
    ports:
    - portNumber: {protocol: TCP, port: 80}
    - portNumber: {protocol: UDP, port: 5353}
    - portNumber: {protocol: SCTP, port: 9003}
  - name: deny-from-hufflepuff-everything-else
    action: Deny
    from:
    - ${nsSel('hufflepuff')}
  - name: allow-from-dumbledore-at-tcp-udp-sctp
    action: Allow
    from:
    - ${staffPod('professor-dumbledore-0')}
    ports:
    - portNumber: {protocol: TCP, port: 8080}
    - portNumber: {protocol: UDP, port: 5353}
    - portNumber: {protocol: SCTP, port: 9003}
  - name: deny-from-dumbledore-everything-else
    action: Deny
    from:
    - ${staffPod('professor-dumbledore-0')}
`;

const housePods = (house: string): string => `pods:\n        namespaceSelector:\n          matchLabels:\n            conformance-house: ${house}\n        podSelector:\n          matchLabels:\n            conformance-house: ${house}`;
const houseSubject = `subject:
    pods:
      namespaceSelector:
        matchLabels:
          conformance-house: gryffindor
      podSelector:
        matchLabels:
          conformance-house: gryffindor`;

/** conformance/base/admin_network_policy/core-priority-field.yaml: a Deny at 50, a Pass at 60 (updated to 40 by the test), a BANP that allows. */
const ANP_PRIORITY = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: priority-50-example
spec:
  priority: 50
  ${houseSubject}
  ingress:
  - name: deny-all-ingress-from-slytherin
    action: Deny
    from:
    - ${housePods('slytherin')}
  egress:
  - name: deny-all-egress-to-slytherin
    action: Deny
    to:
    - ${housePods('slytherin')}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: old-priority-60-new-priority-40-example
spec:
  priority: 60
  ${houseSubject}
  ingress:
  - name: pass-all-ingress-from-slytherin
    action: Pass
    from:
    - ${housePods('slytherin')}
  egress:
  - name: pass-all-egress-to-slytherin
    action: Pass
    to:
    - ${housePods('slytherin')}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  ${houseSubject}
  ingress:
  - name: allow-all-ingress-from-slytherin
    action: Allow
    from:
    - ${housePods('slytherin')}
  egress:
  - name: allow-all-egress-to-slytherin
    action: Allow
    to:
    - ${housePods('slytherin')}
`;

const houseNs = (house: string): string => `namespaces:\n        matchLabels:\n          conformance-house: ${house}`;

/** conformance/base/api_integration/core-anp-np-banp.yaml: ANP (Deny, updated to Pass), an NP in gryffindor allowing slytherin both ways, a BANP that denies. */
const ANP_NP_BANP = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: pass-example
spec:
  priority: 10
  subject:
    namespaces:
      matchLabels:
        conformance-house: gryffindor
  ingress:
  - name: deny-all-ingress-from-slytherin
    action: Deny
    from:
    - ${houseNs('slytherin')}
  egress:
  - name: deny-all-egress-to-slytherin
    action: Deny
    to:
    - ${houseNs('slytherin')}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-gress-from-to-slytherin-to-gryffindor
  namespace: gryffindor
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          conformance-house: slytherin
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          conformance-house: slytherin
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    namespaces:
      matchLabels:
        conformance-house: gryffindor
  ingress:
  - name: deny-all-ingress-from-slytherin
    action: Deny
    from:
    - ${houseNs('slytherin')}
  egress:
  - name: deny-all-egress-to-slytherin
    action: Deny
    to:
    - ${houseNs('slytherin')}
`;

/** conformance/base/admin_tier/standard-egress-inline-cidr-rules.yaml, as a v1alpha1 ANP (networks: CIDR peers, which also match pod IPs). */
const ANP_INLINE_CIDR = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: inline-cidr-as-peers-example
spec:
  priority: 85
  ${houseSubject}
  egress:
  - name: allow-egress-to-slytherin
    action: Allow
    to:
    - ${housePods('slytherin')}
  - name: deny-egress-to-internet
    action: Deny
    to:
    - networks: [0.0.0.0/0, "::/0"]
`;

/** conformance/base/admin_tier/standard-port-range-rules-combined.yaml, as a v1alpha1 ANP (portRange). */
const ANP_PORT_RANGE = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: port-range-rules
spec:
  priority: 9
  subject:
    namespaces:
      matchLabels:
        kubernetes.io/metadata.name: gryffindor
  egress:
  - name: allow-to-ravenclaw-tcp-port-range
    action: Allow
    to:
    - ${nsSel('ravenclaw')}
    ports:
    - portRange: {protocol: TCP, start: 80, end: 8080}
  - name: allow-to-hufflepuff-udp-port-range
    action: Allow
    to:
    - ${nsSel('hufflepuff')}
    ports:
    - portRange: {protocol: UDP, start: 53, end: 5353}
  - name: allow-to-slytherin-sctp-port-range
    action: Allow
    to:
    - ${nsSel('slytherin')}
    ports:
    - portRange: {protocol: SCTP, start: 9003, end: 9005}
  - name: deny-all-egress
    action: Deny
    to:
    - namespaces:
        matchExpressions:
        - {key: conformance-house, operator: Exists}
  ingress:
  - name: allow-from-ravenclaw-tcp-port-range
    action: Allow
    from:
    - ${nsSel('ravenclaw')}
    ports:
    - portRange: {protocol: TCP, start: 80, end: 8080}
  - name: deny-all-ingress
    action: Deny
    from:
    - namespaces:
        matchExpressions:
        - {key: conformance-house, operator: Exists}
`;

/**
 * apis/v1alpha1/shared_types.go, NamedPort: "selects a port on a pod(s) based on name";
 * resolved at the destination pod, with that container port's protocol. harry-potter-1
 * names 8080 "http" instead of 80 (see NAMED_PORT_WORLD).
 */
const ANP_NAMED_PORT = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: named-port
spec:
  priority: 20
  subject:
    namespaces:
      matchLabels:
        kubernetes.io/metadata.name: gryffindor
  ingress:
  - name: deny-http-from-slytherin
    action: Deny
    from:
    - ${nsSel('slytherin')}
    ports:
    - namedPort: http
`;
const NAMED_PORT_WORLD = hogwarts({
  'gryffindor/harry-potter-1': { labels: { 'conformance-house': 'gryffindor', 'statefulset.kubernetes.io/pod-name': 'harry-potter-1' }, ports: [[80, 'TCP', 'web'], [8080, 'TCP', 'http'], [53, 'UDP', 'dns']] },
});

/** Same rules as a BANP: decides only where no NetworkPolicy does (baseline core tests). */
const BANP_INGRESS = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    namespaces:
      matchLabels:
        kubernetes.io/metadata.name: gryffindor
  ingress:
  - name: allow-from-ravenclaw-everything
    action: Allow
    from:
    - ${nsSel('ravenclaw')}
  - name: deny-from-ravenclaw-everything
    action: Deny
    from:
    - ${nsSel('ravenclaw')}
  - name: deny-from-slytherin-at-port-80
    action: Deny
    from:
    - ${nsSel('slytherin')}
    ports:
    - portNumber: {protocol: TCP, port: 80}
  - name: allow-from-hufflepuff-at-port-80
    action: Allow
    from:
    - ${nsSel('hufflepuff')}
    ports:
    - portNumber: {protocol: TCP, port: 80}
  - name: deny-from-hufflepuff-everything-else
    action: Deny
    from:
    - ${nsSel('hufflepuff')}
`;

const NP_ALLOW_ALL_INGRESS_GRYFFINDOR = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all-ingress
  namespace: gryffindor
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
  - {}
`;

const npapiRows: Row[] = [
  {
    name: 'anp core ingress tcp: rule order, ports, pod peers',
    source: 'conformance/tests/admin-network-policy-core-ingress-tcp-rules.go AdminNetworkPolicyIngressTCP + AdminNetworkPolicyIngressPodSelectorTCP',
    world: hogwarts(),
    policies: ANP_INGRESS_TCP,
    probes: [
      // 'allow-ingress ... ensure rule ordering is respected': index 0 Allow beats index 1 Deny.
      [R[0], G[0], '80/TCP', true],
      [R[1], G[0], '8080/TCP', true],
      // 'allow-ingress at the specified port': hufflepuff 80 allowed, the rest denied.
      [H[0], G[1], '80/TCP', true],
      [H[1], G[1], '8080/TCP', false],
      [H[1], G[1], '53/UDP', false],
      // 'deny-ingress at the specified port': slytherin 80 denied, 8080 matches no rule.
      [S[0], G[0], '80/TCP', false],
      [S[1], G[0], '8080/TCP', true],
      // The rule says TCP 80: UDP 80 matches no rule.
      [S[1], G[0], '80/UDP', true],
      // Pod selectors in hogwarts-staff.
      [DUMBLEDORE, G[0], '8080/TCP', true],
      [QUIRRELL, G[0], '8080/TCP', false],
      [DUMBLEDORE, G[0], '80/TCP', false],
      [QUIRRELL, G[0], '80/TCP', true],
      // Not the subject: nothing applies.
      [S[0], H[0], '80/TCP', true],
      [G[0], R[0], '80/TCP', true],
    ],
    explain: [
      {
        from: R[0], to: G[0], port: '80/TCP',
        check: (e) => {
          const l = ingressLayers(e);
          assert.equal(e.allowed, true);
          assert.equal(l.tiers[0]?.tier, 'Admin tier');
          assert.match(l.decidedBy, /allow-from-ravenclaw-everything/);
          assert.doesNotMatch(l.decidedBy, /deny-from-ravenclaw-everything/);
        },
      },
      {
        from: QUIRRELL, to: G[0], port: '8080/TCP',
        check: (e) => {
          assert.equal(e.allowed, false);
          assert.match(ingressLayers(e).decidedBy, /deny-from-professor-quirrell-at-port-8080.*Deny/);
        },
      },
    ],
  },
  {
    name: 'anp core ingress tcp: Deny moved before Allow',
    source: "admin-network-policy-core-ingress-tcp-rules.go, step 'deny-ingress ... ensure rule ordering is respected' (rules 0 and 1 swapped)",
    world: hogwarts(),
    policies: edit(ANP_INGRESS_TCP, 'ingress-tcp', (s) => { swap(s['ingress'], 0, 1); }),
    probes: [[R[0], G[1], '80/TCP', false], [R[1], G[1], '8080/TCP', false], [R[0], S[0], '80/TCP', true]],
  },
  {
    name: 'anp core ingress tcp: Pass moved first, nothing below decides',
    source: "admin-network-policy-core-ingress-tcp-rules.go, step 'pass-ingress ... ensure rule ordering is respected' (rules 0 and 2 swapped)",
    world: hogwarts(),
    policies: edit(ANP_INGRESS_TCP, 'ingress-tcp', (s) => { swap(s['ingress'], 0, 2); }),
    probes: [[R[0], G[0], '80/TCP', true], [R[1], G[0], '8080/TCP', true]],
    explain: [{
      from: R[0], to: G[0], port: '80/TCP',
      check: (e) => {
        const l = ingressLayers(e);
        assert.match(l.decidedBy, /pass-from-ravenclaw-everything.*Pass/);
        assert.ok(l.fallthrough.length > 0, 'a passed connection that no later tier decides falls through as allowed');
      },
    }],
  },
  {
    name: 'anp core ingress tcp: Pass at port 80 moved before the Deny',
    source: "admin-network-policy-core-ingress-tcp-rules.go, step 'pass-ingress ... at the specified port' (rules 3 and 4 swapped)",
    world: hogwarts(),
    policies: edit(ANP_INGRESS_TCP, 'ingress-tcp', (s) => { swap(s['ingress'], 3, 4); }),
    probes: [[S[0], G[0], '80/TCP', true], [S[1], G[0], '8080/TCP', true]],
  },
  {
    name: 'anp core ingress tcp: a Pass goes on to a NetworkPolicy that isolates',
    source: 'admin-network-policy-core-ingress-tcp-rules.go (pass step) + the API precedence ANP > NetworkPolicy > BANP (apis/v1alpha1 AdminNetworkPolicyRuleActionPass)',
    world: hogwarts(),
    policies: `${edit(ANP_INGRESS_TCP, 'ingress-tcp', (s) => { swap(s['ingress'], 0, 2); })}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: only-hufflepuff
  namespace: gryffindor
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          conformance-house: hufflepuff
`,
    probes: [
      // Passed by the ANP, then the NP isolates gryffindor and does not name ravenclaw.
      [R[0], G[0], '80/TCP', false],
      // The ANP Allow at 80 for hufflepuff decides before the NP.
      [H[0], G[0], '80/TCP', true],
      // The ANP denies hufflepuff's other ports though the NP allows them.
      [H[0], G[0], '8080/TCP', false],
      // No ANP rule for slytherin at 8080: the NP decides (isolated, not allowed).
      [S[0], G[0], '8080/TCP', false],
    ],
  },
  {
    name: 'anp core gress rules: egress and ingress over TCP, UDP and SCTP',
    source: 'conformance/tests/admin-network-policy-core-gress-rules.go (AdminNetworkPolicyGressRules) on core-gress-rules-combined.yaml',
    world: hogwarts(),
    policies: ANP_GRESS_RULES,
    probes: [
      // Egress from gryffindor.
      ...fan(G[0], R, '80/TCP', true), ...fan(G[0], R, '53/UDP', true), ...fan(G[0], R, '9003/SCTP', true),
      [G[0], S[0], '80/TCP', false], [G[0], S[0], '53/UDP', false], [G[0], S[0], '9003/SCTP', false],
      [G[0], S[1], '8080/TCP', true], [G[0], S[1], '5353/UDP', true], [G[0], S[1], '9005/SCTP', true],
      [G[1], H[0], '8080/TCP', true], [G[1], H[0], '5353/UDP', true], [G[1], H[0], '9003/SCTP', true],
      [G[1], H[1], '80/TCP', false], [G[1], H[1], '53/UDP', false], [G[1], H[1], '9005/SCTP', false],
      [G[0], DUMBLEDORE, '8080/TCP', true], [G[0], DUMBLEDORE, '5353/UDP', true], [G[0], DUMBLEDORE, '9003/SCTP', true],
      [G[0], DUMBLEDORE, '80/TCP', false], [G[0], DUMBLEDORE, '53/UDP', false],
      [G[0], QUIRRELL, '8080/TCP', false], [G[0], QUIRRELL, '5353/UDP', false], [G[0], QUIRRELL, '9003/SCTP', false],
      [G[0], QUIRRELL, '80/TCP', true],
      // Ingress into gryffindor.
      ...fan(R, G[1], '80/TCP', true), ...fan(R, G[1], '5353/UDP', true),
      [S[0], G[1], '80/TCP', false], [S[0], G[1], '53/UDP', false], [S[0], G[1], '9003/SCTP', false], [S[0], G[1], '8080/TCP', true],
      [H[0], G[0], '80/TCP', true], [H[0], G[0], '5353/UDP', true], [H[0], G[0], '9003/SCTP', true],
      [H[0], G[0], '8080/TCP', false], [H[0], G[0], '53/UDP', false],
      [DUMBLEDORE, G[0], '9003/SCTP', true], [DUMBLEDORE, G[0], '9005/SCTP', false],
      // Inside gryffindor nothing matches.
      [G[0], G[1], '80/TCP', true],
    ],
  },
  {
    name: 'anp core priority: Deny at 50 before Pass at 60',
    source: "conformance/tests/admin-network-policy-core-priority.go, step 'Should Deny traffic from slytherin to gryffindor respecting ANP'",
    world: hogwarts(),
    policies: ANP_PRIORITY,
    probes: [...fan(S, G, '80/TCP', false), ...fan(G, S, '80/TCP', false), ...fan(H, G, '80/TCP', true), [G[0], H[0], '53/UDP', true]],
    explain: [{
      from: S[0], to: G[0], port: '80/TCP',
      check: (e) => { assert.match(ingressLayers(e).decidedBy, /priority-50-example.*deny-all-ingress-from-slytherin/); },
    }],
  },
  {
    name: 'anp core priority: Pass at 40 before Deny at 50, the BANP allows',
    source: "admin-network-policy-core-priority.go, step 'Should respect ANP priority field; thus passing both ingress and egress traffic over to BANP' (priority 60 -> 40)",
    world: hogwarts(),
    policies: edit(ANP_PRIORITY, 'old-priority-60-new-priority-40-example', (s) => { s['priority'] = 40; }),
    probes: [...fan(S, G, '80/TCP', true), ...fan(G, S, '8080/TCP', true)],
    explain: [{
      from: S[0], to: G[0], port: '80/TCP',
      check: (e) => {
        const l = ingressLayers(e);
        assert.match(l.decidedBy, /Pass/);
        assert.match(l.decidedBy, /BaselineAdminNetworkPolicy default.*allow-all-ingress-from-slytherin.*Allow/);
        assert.deepEqual(l.tiers.map((t) => t.tier), ['Admin tier', 'Baseline tier']);
      },
    }],
  },
  {
    name: 'anp+np+banp integration: the ANP denies',
    source: "conformance/tests/admin-network-policy-core-integration.go, step 'Should Deny traffic from slytherin to gryffindor respecting ANP'",
    world: hogwarts(),
    policies: ANP_NP_BANP,
    probes: [
      ...fan(S, G, '80/TCP', false), ...fan(G, S, '80/TCP', false),
      // The NP isolates gryffindor both ways and names only slytherin.
      [H[0], G[0], '80/TCP', false], [G[0], H[0], '80/TCP', false], [G[0], G[1], '80/TCP', false],
      [H[0], R[0], '80/TCP', true],
    ],
  },
  {
    name: 'anp+np+banp integration: ingress Pass, the NP allows',
    source: "admin-network-policy-core-integration.go, step 'Should support a pass-ingress policy for ANP and respect the match for network policy'",
    world: hogwarts(),
    policies: edit(ANP_NP_BANP, 'pass-example', (s) => { (s['ingress'] as Obj[])[0]!['action'] = 'Pass'; }),
    probes: [...fan(S, G, '80/TCP', true), ...fan(G, S, '80/TCP', false)],
  },
  {
    name: 'anp+np+banp integration: Pass both ways, the NP allows',
    source: "admin-network-policy-core-integration.go, step 'Should support a pass-egress policy for ANP and respect the match for network policy'",
    world: hogwarts(),
    policies: edit(ANP_NP_BANP, 'pass-example', (s) => {
      (s['ingress'] as Obj[])[0]!['action'] = 'Pass';
      (s['egress'] as Obj[])[0]!['action'] = 'Pass';
    }),
    probes: [...fan(S, G, '80/TCP', true), ...fan(G, S, '80/TCP', true), [H[0], G[0], '80/TCP', false]],
  },
  {
    name: 'anp+np+banp integration: NP deleted, the BANP denies',
    source: "admin-network-policy-core-integration.go, step 'Should support a pass-ingress/pass-egress policy for ANP and respect the match for baseline admin network policy' (NP deleted)",
    world: hogwarts(),
    policies: drop(edit(ANP_NP_BANP, 'pass-example', (s) => {
      (s['ingress'] as Obj[])[0]!['action'] = 'Pass';
      (s['egress'] as Obj[])[0]!['action'] = 'Pass';
    }), 'NetworkPolicy'),
    probes: [...fan(S, G, '80/TCP', false), ...fan(G, S, '80/TCP', false), [H[0], G[0], '80/TCP', true], [G[0], H[0], '80/TCP', true]],
    explain: [{
      from: S[0], to: G[0], port: '80/TCP',
      check: (e) => { assert.match(ingressLayers(e).decidedBy, /Baseline tier.*deny-all-ingress-from-slytherin.*Deny/); },
    }],
  },
  {
    name: 'banp core ingress: decides only where no NetworkPolicy does',
    source: 'conformance/tests/baseline-admin-network-policy-core-ingress-tcp-rules.go (BANP rule order and ports)',
    world: hogwarts(),
    policies: BANP_INGRESS,
    probes: [[R[0], G[0], '80/TCP', true], [S[0], G[0], '80/TCP', false], [S[0], G[0], '8080/TCP', true], [H[0], G[0], '80/TCP', true], [H[0], G[0], '8080/TCP', false]],
  },
  {
    name: 'banp core ingress: a NetworkPolicy that selects the pod hides the BANP',
    source: 'apis/v1alpha1/baselineadminnetworkpolicy_types.go (BANP applies only to traffic no NetworkPolicy decided)',
    world: hogwarts(),
    policies: `${BANP_INGRESS}---\n${NP_ALLOW_ALL_INGRESS_GRYFFINDOR}`,
    probes: [[S[0], G[0], '80/TCP', true], [H[0], G[0], '8080/TCP', true]],
  },
  {
    name: 'anp egress networks: 0.0.0.0/0 also covers pods',
    source: "conformance/tests/admin-network-policy-standard-egress-inline-cidr-rules.go, step 'deny-egress rule policy for egress-cidr-peer' (ANP form)",
    world: hogwarts(),
    policies: ANP_INLINE_CIDR,
    probes: [
      [G[1], R[0], '80/TCP', false], [G[1], R[0], '53/UDP', false], [G[1], R[0], '9003/SCTP', false],
      [G[1], H[0], '80/TCP', false],
      [G[1], S[0], '80/TCP', true], [G[1], S[0], '53/UDP', true], [G[1], S[0], '9003/SCTP', true],
      [G[1], '8.8.8.8', '443/TCP', false],
      [G[0], G[1], '80/TCP', false],
      [R[0], G[0], '80/TCP', true],
    ],
  },
  {
    name: 'anp egress networks: pod IPs allowed first',
    source: "admin-network-policy-standard-egress-inline-cidr-rules.go, step 'allow-egress rule policy for egress-cidr-peer' (rule inserted at index 0 with luna-lovegood-0's and cedric-diggory-0's /32)",
    world: hogwarts(),
    policies: edit(ANP_INLINE_CIDR, 'inline-cidr-as-peers-example', (s) => {
      // luna-lovegood-0 is 10.0.4.1 and cedric-diggory-0 10.0.3.1 in this world.
      (s['egress'] as unknown[]).unshift({ name: 'allow-egress-to-specific-podIPs', action: 'Allow', to: [{ networks: ['10.0.4.1/32', '10.0.3.1/32'] }] });
    }),
    probes: [
      [G[1], R[0], '80/TCP', true], [G[1], R[0], '53/UDP', true], [G[1], R[0], '9003/SCTP', true],
      [G[1], H[0], '80/TCP', true],
      [G[1], R[1], '80/TCP', false], [G[1], H[1], '53/UDP', false],
    ],
  },
  {
    name: 'anp port ranges: TCP, UDP and SCTP ranges, then deny every house',
    source: 'conformance/tests/admin-network-policy-standard-port-range-rules.go on standard-port-range-rules-combined.yaml (ANP portRange form)',
    world: hogwarts(),
    policies: ANP_PORT_RANGE,
    probes: [
      [G[0], R[0], '80/TCP', true], [G[0], R[0], '8080/TCP', true], [G[0], R[0], '81/TCP', true], [G[0], R[0], '8081/TCP', false], [G[0], R[0], '79/TCP', false], [G[0], R[0], '80/UDP', false],
      [G[0], H[0], '53/UDP', true], [G[0], H[0], '5353/UDP', true], [G[0], H[0], '5354/UDP', false], [G[0], H[0], '80/TCP', false],
      [G[0], S[0], '9003/SCTP', true], [G[0], S[0], '9005/SCTP', true], [G[0], S[0], '9006/SCTP', false], [G[0], S[0], '80/TCP', false],
      // gryffindor is a house too; the staff namespace is not.
      [G[0], G[1], '80/TCP', false], [G[0], DUMBLEDORE, '80/TCP', true],
      [R[0], G[0], '8080/TCP', true], [R[0], G[0], '53/UDP', false], [S[0], G[0], '9003/SCTP', false], [QUIRRELL, G[0], '80/TCP', true],
    ],
  },
  {
    name: 'anp named port: resolved at each destination pod, with its protocol',
    source: 'apis/v1alpha1/shared_types.go (AdminNetworkPolicyPort.NamedPort)',
    world: NAMED_PORT_WORLD,
    policies: ANP_NAMED_PORT,
    probes: [
      [S[0], G[0], '80/TCP', false], [S[0], G[0], '8080/TCP', true], [S[0], G[0], '80/UDP', true],
      [S[0], G[1], '80/TCP', true], [S[0], G[1], '8080/TCP', false],
      [H[0], G[0], '80/TCP', true],
    ],
  },
];

describe('network-policy-api conformance (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy)', () => {
  runRows(npapiRows);
});

// ---------------------------------------------------------------------------
// The same policies as v1beta1 ClusterNetworkPolicies: upstream rewrote each v1alpha1
// conformance file as a ClusterNetworkPolicy (conformance/base/admin_tier and
// baseline_tier): Allow became Accept, `ports` became `protocols`, BANP became tier
// Baseline. The whole pod x pod matrix (and to outside addresses) must not change.

/** One v1alpha1 port entry in the v1beta1 `protocols` form. */
function protocolEntry(p: Obj): Obj {
  if (typeof p['namedPort'] === 'string') return { destinationNamedPort: p['namedPort'] };
  const num = p['portNumber'] as Obj | undefined;
  const range = p['portRange'] as Obj | undefined;
  const body = num ?? range!;
  const proto = String(body['protocol'] ?? 'TCP').toLowerCase();
  return { [proto]: { destinationPort: num ? { number: num['port'] } : { range: { start: range!['start'], end: range!['end'] } } } };
}

function toClusterNetworkPolicy(o: Obj, apiVersion: string): Obj {
  const kind = o['kind'];
  if (kind !== 'AdminNetworkPolicy' && kind !== 'BaselineAdminNetworkPolicy') return o;
  const spec = o['spec'] as Obj;
  const rules = (list: unknown): Obj[] | undefined => (Array.isArray(list) ? (list as Obj[]).map((r) => {
    const { ports, action, ...rest } = r;
    return { ...rest, action: action === 'Allow' ? 'Accept' : action, ...(Array.isArray(ports) ? { protocols: (ports as Obj[]).map(protocolEntry) } : {}) };
  }) : undefined);
  const ingress = rules(spec['ingress']);
  const egress = rules(spec['egress']);
  return {
    apiVersion,
    kind: 'ClusterNetworkPolicy',
    metadata: { name: kind === 'AdminNetworkPolicy' ? (o['metadata'] as Obj)['name'] : 'baseline-default' },
    spec: {
      tier: kind === 'AdminNetworkPolicy' ? 'Admin' : 'Baseline',
      priority: kind === 'AdminNetworkPolicy' ? spec['priority'] : 0,
      subject: spec['subject'],
      ...(ingress ? { ingress } : {}),
      ...(egress ? { egress } : {}),
    },
  };
}

const MATRIX_PORTS = ['80/TCP', '81/TCP', '8080/TCP', '80/UDP', '53/UDP', '5353/UDP', '9003/SCTP', '9005/SCTP'];
const OUTSIDE = ['8.8.8.8', '192.0.2.10'];

function matrix(world: WorldDef, policies: string): string[] {
  const row: Row = { name: 'matrix', source: '', world, policies, probes: [] };
  const { inv, analysis } = load(row);
  const pods = inv.endpoints.map((e) => e.id).sort();
  const out: string[] = [];
  for (const port of MATRIX_PORTS) {
    const p = portOf(port);
    for (const from of pods) {
      for (const to of [...pods, ...OUTSIDE]) if (analysis.isAllowed(from, endpoint(to), p.port, p.protocol)) out.push(`${from} -> ${to} ${port}`);
    }
    for (const from of OUTSIDE) for (const to of pods) if (analysis.isAllowed(endpoint(from), to, p.port, p.protocol)) out.push(`${from} -> ${to} ${port}`);
  }
  return out;
}

describe('v1alpha1 AdminNetworkPolicy / BaselineAdminNetworkPolicy and v1beta1 ClusterNetworkPolicy give the same matrix', () => {
  const cases: [string, WorldDef, string][] = [
    ['core-ingress-tcp-rules', hogwarts(), ANP_INGRESS_TCP],
    ['core-ingress-tcp-rules, Pass first', hogwarts(), edit(ANP_INGRESS_TCP, 'ingress-tcp', (s) => { swap(s['ingress'], 0, 2); })],
    ['core-gress-rules-combined', hogwarts(), ANP_GRESS_RULES],
    ['core-priority-field', hogwarts(), ANP_PRIORITY],
    ['core-priority-field, 60 -> 40', hogwarts(), edit(ANP_PRIORITY, 'old-priority-60-new-priority-40-example', (s) => { s['priority'] = 40; })],
    ['core-anp-np-banp', hogwarts(), ANP_NP_BANP],
    ['core-anp-np-banp, Pass both ways, NP deleted', hogwarts(), drop(edit(ANP_NP_BANP, 'pass-example', (s) => {
      (s['ingress'] as Obj[])[0]!['action'] = 'Pass';
      (s['egress'] as Obj[])[0]!['action'] = 'Pass';
    }), 'NetworkPolicy')],
    ['egress-inline-cidr-rules', hogwarts(), ANP_INLINE_CIDR],
    ['port-range-rules-combined', hogwarts(), ANP_PORT_RANGE],
    ['named port', NAMED_PORT_WORLD, ANP_NAMED_PORT],
    ['baseline core ingress', hogwarts(), BANP_INGRESS],
  ];
  for (const [name, world, v1alpha1] of cases) {
    for (const version of ['v1alpha2', 'v1beta1']) {
      test(`${name}: ${version}`, () => {
        const cnp = objects(v1alpha1).map((o) => yaml.dump(toClusterNetworkPolicy(o as Obj, `policy.networking.k8s.io/${version}`), { noRefs: true })).join('---\n');
        assert.doesNotMatch(cnp, /AdminNetworkPolicy|portNumber|portRange|namedPort|action: Allow/);
        const a = matrix(world, v1alpha1);
        const b = matrix(world, cnp);
        assert.ok(a.length > 0);
        assert.deepEqual(b, a);
      });
    }
  }
});

// Upstream's own ClusterNetworkPolicy files (v1beta1 form), as written.
const CNP_PORT_RANGE = `
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata:
  name: port-range-rules
spec:
  tier: Admin
  priority: 9
  subject:
    namespaces:
      matchLabels:
        kubernetes.io/metadata.name: gryffindor
  egress:
  - name: allow-to-ravenclaw-tcp-port-range
    action: Accept
    to:
    - ${nsSel('ravenclaw')}
    protocols:
    - tcp: {destinationPort: {range: {start: 80, end: 8080}}}
  - name: allow-to-hufflepuff-udp-port-range
    action: Accept
    to:
    - ${nsSel('hufflepuff')}
    protocols:
    - udp: {destinationPort: {range: {start: 53, end: 5353}}}
  - name: deny-all-egress
    action: Deny
    to:
    - namespaces:
        matchExpressions:
        - {key: conformance-house, operator: Exists}
`;

const CNP_BASELINE_EGRESS = `
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata:
  name: baseline-egress
spec:
  tier: Baseline
  priority: 5
  subject:
    namespaces:
      matchLabels:
        kubernetes.io/metadata.name: gryffindor
  egress:
  - name: accept-dns-anywhere
    action: Accept
    to:
    - namespaces: {}
    protocols:
    - udp: {destinationPort: {number: 53}}
  - name: accept-tcp-to-slytherin
    action: Accept
    to:
    - ${nsSel('slytherin')}
    protocols:
    - tcp: {}
  - name: deny-the-rest
    action: Deny
    to:
    - namespaces: {}
    - networks: [0.0.0.0/0]
`;

runRows([
  {
    name: 'cnp v1beta1 port ranges as upstream writes them',
    source: 'conformance/base/admin_tier/standard-port-range-rules-combined.yaml (egress part) + admin-network-policy-standard-port-range-rules.go',
    world: hogwarts(),
    policies: CNP_PORT_RANGE,
    probes: [
      [G[0], R[0], '8080/TCP', true], [G[0], R[0], '8081/TCP', false], [G[0], R[0], '53/UDP', false],
      [G[0], H[1], '5353/UDP', true], [G[0], H[1], '80/TCP', false],
      [G[0], S[0], '9003/SCTP', false],
      [G[0], '8.8.8.8', '443/TCP', true],
    ],
  },
  {
    name: 'cnp v1beta1 Baseline tier: {tcp: {}} is every TCP port, namespaces {} every namespace',
    source: 'apis/v1beta1 ClusterNetworkPolicy ProtocolTCP (destinationPort optional) and the Baseline tier (conformance/base/baseline_tier/standard-gress-rules-combined.yaml)',
    world: hogwarts(),
    policies: CNP_BASELINE_EGRESS,
    probes: [
      [G[0], R[0], '53/UDP', true], [G[0], DUMBLEDORE, '53/UDP', true],
      [G[0], S[0], '80/TCP', true], [G[0], S[0], '65000/TCP', true], [G[0], S[0], '5353/UDP', false],
      [G[0], H[0], '80/TCP', false], [G[0], G[1], '80/TCP', false],
      [G[0], '8.8.8.8', '53/UDP', false], [G[0], '8.8.8.8', '443/TCP', false],
      [S[0], G[0], '80/TCP', true],
    ],
  },
  {
    name: 'cnp v1beta1 Baseline tier: a NetworkPolicy selecting the pod for egress hides it',
    source: 'apis/v1beta1 ClusterNetworkPolicy tier Baseline: applies after NetworkPolicy',
    world: hogwarts(),
    policies: `${CNP_BASELINE_EGRESS}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: egress-to-hufflepuff
  namespace: gryffindor
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          conformance-house: hufflepuff
`,
    probes: [[G[0], H[0], '80/TCP', true], [G[0], S[0], '80/TCP', false], [G[0], R[0], '53/UDP', false]],
  },
]);
