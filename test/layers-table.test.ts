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
  /** Why the layered reference cannot judge this row (it refuses what it does not model). */
  readonly referenceSkip?: string;
  /** Diagnostic codes the input must produce (assumptions meshless states). */
  readonly diagnostics?: readonly string[];
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

/** The documents of a YAML stream, `kind: List` flattened into its items (as the loader and kubectl do). */
function objects(text: string): unknown[] {
  return yaml.loadAll(text)
    .filter((o) => o !== null && o !== undefined)
    .flatMap((o) => {
      const obj = o as Obj;
      return obj['kind'] === 'List' && Array.isArray(obj['items']) ? (obj['items'] as unknown[]) : [o];
    });
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
        const { analysis, inv } = load(row);
        const codes = inv.diagnostics.map((d) => d.code);
        for (const code of row.diagnostics ?? []) assert.ok(codes.includes(code), `${row.name}: no ${code} diagnostic among ${JSON.stringify(codes)}`);
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
      test('layered reference agrees with the row', row.referenceSkip !== undefined ? { skip: row.referenceSkip } : {}, () => {
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
  const proto = (typeof body['protocol'] === 'string' ? body['protocol'] : 'TCP').toLowerCase();
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

// ---------------------------------------------------------------------------
// 2. Calico (tigera/docs, calico/...), projectcalico.org/v3. World: xyz().

const X = ['x/a', 'x/b', 'x/c'] as const;
const Y = ['y/a', 'y/b', 'y/c'] as const;
const Z = ['z/a', 'z/b', 'z/c'] as const;
const DNS = 'kube-system/dns';

/** Pods of xyz() with an env label, for tiered-policy.mdx's devops example. */
const STAGE_WORLD = xyz({
  pods: {
    'x/a': { labels: { app: 'web', env: 'stage' } },
    'x/b': { labels: { app: 'db', env: 'stage' } },
    'x/c': { labels: { env: 'prod' } },
  },
});

/** tiered-policy.mdx, "Pass action rule example": deny what is not stage, pass the rest on. */
const DEVOPS_TIER = (defaultAction?: 'Pass'): string => `
apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: devops
spec:
  order: 300
${defaultAction ? `  defaultAction: ${defaultAction}\n` : ''}`;
const DEVOPS_STAGE_ENV = (withPass: boolean): string => `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: devops.stage-env
spec:
  tier: devops
  order: 255
  selector: env == "stage"
  ingress:
  - action: Deny
    source:
      selector: env != "stage"
${withPass ? '  - action: Pass\n' : ''}  egress:
  - action: Deny
    destination:
      selector: env != "stage"
${withPass ? '  - action: Pass\n' : ''}  types: [Ingress, Egress]
`;

/** A kube-dns Service for xyz()'s DNS pod (named targetPorts, resolved at the pod by name and protocol). */
const KUBE_DNS_SERVICE = `
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: dns}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: dns-tcp}
  - {name: metrics, port: 9153, protocol: TCP, targetPort: 9153}
`;

/** The Service of x/a (app=web in x). */
const WEB_SERVICE = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: x}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
`;

/** What `kubectl get svc,endpointslices,networkpolicies.projectcalico.org -n x -o json` prints (x/b is 10.0.1.2). */
const kubectlMeta = (name: string, extra: Obj = {}): Obj => ({
  name,
  namespace: 'x',
  uid: `0b6a8f5e-${name}`,
  resourceVersion: '48213',
  creationTimestamp: '2026-03-02T10:00:00Z',
  managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', time: '2026-03-02T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': {} } } }],
  ...extra,
});
const KUBECTL_LIST: Obj = {
  apiVersion: 'v1',
  kind: 'List',
  metadata: { resourceVersion: '' },
  items: [
    { apiVersion: 'v1', kind: 'Service', metadata: kubectlMeta('db'), spec: { type: 'ClusterIP', clusterIP: '10.96.14.2', clusterIPs: ['10.96.14.2'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432, protocol: 'TCP', targetPort: 5432 }], sessionAffinity: 'None' }, status: { loadBalancer: {} } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: kubectlMeta('db-7xk2p', { generateName: 'db-', labels: { 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'db', uid: '0b6a8f5e-db', controller: true, blockOwnerDeletion: true }] }),
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.1.2'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'b', namespace: 'x', uid: '0b6a8f5e-b' } }],
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    },
    {
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: kubectlMeta('web-to-db', { generation: 3, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }),
      spec: { tier: 'default', order: 100, selector: 'all()', types: ['Egress'], egress: [{ action: 'Allow', destination: { services: { name: 'db', namespace: 'x' } } }] },
    },
  ],
};

const calicoRows: Row[] = [
  {
    name: 'calico default deny for app namespaces, kube-system exempt, DNS allowed',
    source: 'tigera/docs calico/network-policy/get-started/kubernetes-default-deny.mdx (GlobalNetworkPolicy deny-app-policy)',
    world: xyz(),
    policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: deny-app-policy
spec:
  namespaceSelector: has(projectcalico.org/name) && projectcalico.org/name not in {"kube-system", "calico-system", "calico-apiserver"}
  types: [Ingress, Egress]
  egress:
  - action: Allow
    protocol: UDP
    destination:
      selector: k8s-app == "kube-dns"
      ports: [53]
  - action: Allow
    protocol: TCP
    destination:
      selector: k8s-app == "kube-dns"
      ports: [53]
`,
    probes: [
      ['x/a', 'x/b', '80/TCP', false], ['x/a', 'y/a', '80/TCP', false],
      ...fan([...X, ...Y, ...Z], DNS, '53/UDP', true),
      ['x/a', DNS, '53/TCP', true], ['x/a', DNS, '9153/TCP', false],
      [DNS, 'x/a', '80/TCP', false], ['x/a', '8.8.8.8', '443/TCP', false], ['8.8.8.8', 'x/a', '80/TCP', false],
      [DNS, '8.8.8.8', '53/UDP', true],
    ],
    explain: [{
      from: 'x/a', to: 'x/b', port: '80/TCP',
      check: (e) => {
        assert.equal(e.allowed, false);
        assert.match(egressLayers(e).decidedBy, /default action Deny/);
      },
    }],
  },
  {
    name: 'calico namespaced default deny (selector all(), both types)',
    source: 'tigera/docs kubernetes-default-deny.mdx, "Enable default deny Calico network policy, namespaced"',
    world: xyz(),
    policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: x
spec:
  selector: all()
  types: [Ingress, Egress]
`,
    probes: [['x/a', 'x/b', '80/TCP', false], ['y/a', 'x/a', '80/TCP', false], ['x/a', 'y/a', '80/TCP', false], ['y/a', 'y/b', '80/TCP', true], ['x/a', DNS, '53/UDP', false]],
  },
  {
    name: 'calico tier with Pass: deny non-stage, pass the rest (nothing later selects: allowed)',
    source: 'tigera/docs calico/network-policy/policy-tiers/tiered-policy.mdx, "Pass action rule example" and "Policy endpoint matching across tiers"',
    world: STAGE_WORLD,
    policies: `${DEVOPS_TIER()}---${DEVOPS_STAGE_ENV(true)}`,
    probes: [
      ['x/c', 'x/a', '80/TCP', false],
      // y/a has no env label: env != "stage" holds.
      ['y/a', 'x/a', '80/TCP', false],
      ['x/b', 'x/a', '80/TCP', true],
      ['x/a', 'x/c', '80/TCP', false], ['x/a', 'y/a', '80/TCP', false],
      ['x/c', 'y/a', '80/TCP', true], ['y/a', 'x/c', '80/TCP', true],
    ],
    explain: [{
      from: 'x/b', to: 'x/a', port: '80/TCP',
      check: (e) => {
        const l = ingressLayers(e);
        assert.equal(l.tiers[0]?.tier, 'Calico tier devops (order 300)');
        assert.match(l.decidedBy, /devops\.stage-env.*Pass/);
      },
    }],
  },
  {
    name: 'calico tier without Pass: the implicit end-of-tier deny',
    source: 'tigera/docs tiered-policy.mdx, "Implicit default deny" (a tier that applies but takes no action drops)',
    world: STAGE_WORLD,
    policies: `${DEVOPS_TIER()}---${DEVOPS_STAGE_ENV(false)}`,
    probes: [['x/b', 'x/a', '80/TCP', false], ['x/c', 'x/a', '80/TCP', false], ['x/c', 'y/a', '80/TCP', true]],
    explain: [{
      from: 'x/b', to: 'x/a', port: '80/TCP',
      check: (e) => { assert.match(ingressLayers(e).decidedBy, /Calico tier devops.*default action Deny/); },
    }],
  },
  {
    name: 'calico tier defaultAction Pass instead of a Pass rule',
    source: 'tigera/docs tiered-policy.mdx, "Pass default action tier example"; calico/reference/resources/tier.mdx (defaultAction)',
    world: STAGE_WORLD,
    policies: `${DEVOPS_TIER('Pass')}---${DEVOPS_STAGE_ENV(false)}`,
    probes: [['x/b', 'x/a', '80/TCP', true], ['x/c', 'x/a', '80/TCP', false]],
  },
  {
    name: 'calico Pass reaches the default tier, where a Kubernetes NetworkPolicy decides',
    source: 'tigera/docs tiered-policy.mdx ("The default tier ... where you manage all Kubernetes network policies"; Pass skips to the next tier)',
    world: STAGE_WORLD,
    policies: `${DEVOPS_TIER()}---${DEVOPS_STAGE_ENV(true)}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: only-from-y
  namespace: x
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          ns: y
`,
    probes: [
      // Passed by devops, then the NP isolates x and names only y.
      ['x/b', 'x/a', '80/TCP', false],
      // devops denies first: y/a is not stage.
      ['y/a', 'x/a', '80/TCP', false],
      // x/c is not selected by devops: the NP allows y.
      ['y/a', 'x/c', '80/TCP', true], ['z/a', 'x/c', '80/TCP', false],
    ],
  },
  {
    name: 'calico order in the default tier: order 10 before a NetworkPolicy (1000), no order after it',
    source: 'tigera/docs calico/reference/resources/networkpolicy.mdx (order; "policies without an order are applied last") and calico-network-policy.mdx (Kubernetes policies sit in the default tier at order 1000)',
    world: xyz(),
    policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: deny-from-y
  namespace: x
spec:
  order: 10
  selector: all()
  ingress:
  - action: Deny
    source:
      namespaceSelector: ns == "y"
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: deny-from-z-unordered
  namespace: x
spec:
  selector: all()
  ingress:
  - action: Deny
    source:
      namespaceSelector: ns == "z"
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all
  namespace: x
spec:
  podSelector: {}
  ingress:
  - {}
`,
    probes: [['y/a', 'x/a', '80/TCP', false], ['z/a', 'x/a', '80/TCP', true], ['x/b', 'x/a', '80/TCP', true], [DNS, 'x/a', '80/TCP', true]],
    explain: [{
      from: 'y/a', to: 'x/a', port: '80/TCP',
      check: (e) => { assert.match(ingressLayers(e).decidedBy, /deny-from-y.*Deny/); },
    }],
  },
  {
    name: 'calico Log records and goes on to the next rule',
    source: 'tigera/docs calico/reference/resources/networkpolicy.mdx / _rule.mdx (action Log: log and continue); tiered-policy.mdx "Policy action rules"',
    world: xyz(),
    policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: log-then-allow-b
  namespace: x
spec:
  selector: app == "web"
  ingress:
  - action: Log
  - action: Allow
    source:
      selector: app == "db"
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: log-only
  namespace: y
spec:
  selector: app == "web"
  ingress:
  - action: Log
`,
    probes: [['x/b', 'x/a', '80/TCP', true], ['x/c', 'x/a', '80/TCP', false], ['y/b', 'y/a', '80/TCP', false], ['y/a', 'y/b', '80/TCP', true]],
  },
  {
    name: 'calico notSelector, notPorts and notNets',
    source: 'tigera/docs calico/reference/resources/_entityrule.mdx (notSelector, notNets, notPorts) and networkpolicy.mdx (rule selectors look in the policy namespace)',
    world: xyz(),
    policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: not-c-not-8080
  namespace: x
spec:
  selector: app == "web"
  ingress:
  - action: Allow
    protocol: TCP
    source:
      notSelector: pod == "c"
    destination:
      notPorts: [8080]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: egress-inside-only
  namespace: y
spec:
  selector: app == "web"
  egress:
  - action: Deny
    destination:
      notNets: [10.0.0.0/8]
  - action: Allow
`,
    probes: [
      ['x/b', 'x/a', '80/TCP', true], ['x/c', 'x/a', '80/TCP', false], ['x/b', 'x/a', '8080/TCP', false], ['x/b', 'x/a', '53/UDP', false],
      // A rule with a (not)selector matches pods of the policy's namespace only; an outside IP is no pod.
      ['y/b', 'x/a', '80/TCP', false], ['8.8.8.8', 'x/a', '80/TCP', false],
      ['y/a', 'z/c', '80/TCP', true], ['y/a', '8.8.8.8', '443/TCP', false], ['y/a', DNS, '53/UDP', true],
    ],
  },
  {
    name: 'calico ports: a range "80:90" and a named port',
    source: 'tigera/docs calico/reference/resources/_ports.mdx (number, "min:max" range, named port)',
    world: xyz(),
    policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: ports
  namespace: x
spec:
  selector: all()
  ingress:
  - action: Allow
    protocol: TCP
    destination:
      ports: ["80:90", http-alt]
  - action: Allow
    protocol: UDP
    destination:
      ports: [dns]
`,
    probes: [
      ['y/a', 'x/a', '80/TCP', true], ['y/a', 'x/a', '85/TCP', true], ['y/a', 'x/a', '90/TCP', true], ['y/a', 'x/a', '91/TCP', false],
      ['y/a', 'x/a', '8080/TCP', true], ['y/a', 'x/a', '8081/TCP', false],
      // "dns" is 53/UDP on these pods; "http-alt" is TCP only.
      ['y/a', 'x/a', '53/UDP', true], ['y/a', 'x/a', '8080/UDP', false], ['y/a', 'x/a', '85/UDP', false],
    ],
  },
  {
    name: 'calico protocol: an ICMP-only rule does not open TCP',
    source: 'tigera/docs calico/reference/resources/_rule.mdx (protocol)',
    world: xyz(),
    policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: ping-only
  namespace: x
spec:
  selector: all()
  ingress:
  - action: Allow
    protocol: ICMP
  - action: Allow
    notProtocol: TCP
    source:
      selector: pod == "b"
`,
    probes: [['x/b', 'x/a', '80/TCP', false], ['x/b', 'x/a', '53/UDP', true], ['x/c', 'x/a', '53/UDP', false], ['x/b', 'x/a', '9003/SCTP', true]],
  },
  {
    name: 'calico rule selector: own namespace for a NetworkPolicy, every namespace for a GlobalNetworkPolicy',
    source: 'tigera/docs calico/reference/resources/networkpolicy.mdx and globalnetworkpolicy.mdx (_entityrule selector scope)',
    world: xyz(),
    policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: web-to-db
  namespace: x
spec:
  selector: app == "db"
  ingress:
  - action: Allow
    source:
      selector: app == "web"
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: web-to-db-everywhere
spec:
  selector: app == "db" && projectcalico.org/namespace == "y"
  ingress:
  - action: Allow
    source:
      selector: app == "web"
`,
    probes: [
      ['x/a', 'x/b', '80/TCP', true], ['y/a', 'x/b', '80/TCP', false], ['x/c', 'x/b', '80/TCP', false],
      ['x/a', 'y/b', '80/TCP', true], ['z/a', 'y/b', '80/TCP', true], ['y/c', 'y/b', '80/TCP', false],
    ],
  },
  {
    name: 'calico namespaceSelector on a GlobalNetworkPolicy rule',
    source: 'tigera/docs calico/reference/resources/globalnetworkpolicy.mdx (namespaceSelector in a rule) and _entityrule.mdx',
    world: xyz(),
    policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: x-from-y-web
spec:
  namespaceSelector: ns == "x"
  selector: all()
  ingress:
  - action: Allow
    source:
      namespaceSelector: ns == "y"
      selector: app == "web"
  - action: Allow
    source:
      namespaceSelector: faction == "empire"
`,
    probes: [['y/a', 'x/b', '80/TCP', true], ['y/b', 'x/b', '80/TCP', false], ['x/a', 'x/b', '80/TCP', false], ...fan(Z, 'x/c', '80/TCP', true), [DNS, 'x/a', '53/UDP', false], ['x/a', 'y/b', '80/TCP', true]],
  },
  {
    name: 'calico nets match pod addresses too',
    source: 'tigera/docs calico/reference/resources/_entityrule.mdx (nets: CIDRs the peer IP is in)',
    world: xyz(),
    policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: egress-to-y-block
  namespace: x
spec:
  selector: app == "web"
  types: [Egress]
  egress:
  - action: Deny
    destination:
      nets: [8.8.8.0/24]
  - action: Allow
    destination:
      nets: [10.0.2.0/24, 8.0.0.0/8]
`,
    probes: [['x/a', 'y/b', '80/TCP', true], ['x/a', 'z/b', '80/TCP', false], ['x/a', 'x/b', '80/TCP', false], ['x/a', '8.8.8.8', '53/UDP', false], ['x/a', '8.1.1.1', '53/UDP', true], ['x/b', 'z/b', '80/TCP', true]],
  },
  {
    name: 'calico serviceAccounts: by name (own namespace) and by ServiceAccount labels',
    source: 'tigera/docs calico/reference/resources/_entityrule.mdx and _serviceaccountmatch (serviceAccounts.names / selector); calico/network-policy/get-started/calico-policy/calico-network-policy.mdx',
    world: xyz({ serviceAccounts: { 'x/luke': { role: 'frontend-sa' }, 'x/leia': {}, 'y/luke': { role: 'frontend-sa' }, 'y/leia': {} } }),
    referenceSkip: 'the layered reference does not model Calico serviceAccounts',
    policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: from-luke
  namespace: x
spec:
  selector: pod == "c"
  ingress:
  - action: Allow
    source:
      serviceAccounts:
        names: [luke]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: from-frontend-sa
spec:
  selector: projectcalico.org/namespace == "z" && pod == "c"
  ingress:
  - action: Allow
    source:
      serviceAccounts:
        selector: role == "frontend-sa"
`,
    probes: [
      ['x/a', 'x/c', '80/TCP', true], ['x/b', 'x/c', '80/TCP', false], ['y/a', 'x/c', '80/TCP', false],
      ['x/a', 'z/c', '80/TCP', true], ['y/a', 'z/c', '80/TCP', true], ['x/b', 'z/c', '80/TCP', false],
      // z/luke has no ServiceAccount object here: no labels to match.
      ['z/a', 'z/c', '80/TCP', false],
    ],
  },
  // Calico `services` (ServiceMatch, api/pkg/apis/projectcalico/v3/policy_common.go): Felix
  // matches a Service by its EndpointSlices (felix/calc/rule_scanner.go: a destination on each
  // endpoint's address, port and protocol, a source by address; felix/serviceindex/serviceindex.go).
  {
    name: 'calico services: egress to kube-dns for the whole cluster (a Service with a selector: its pods, on its target ports)',
    source: 'tigera/docs calico/network-policy/policy-rules/service-policy.mdx, "Allow access to Kubernetes DNS for the entire cluster"; no EndpointSlice in the input: the pods the EndpointSlice controller would list (kubernetes pkg/controller/endpointslice, syncService; named targetPorts resolved at the pod)',
    world: xyz(),
    policies: `${KUBE_DNS_SERVICE}---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-kube-dns
spec:
  selector: all()
  egress:
  - action: Allow
    destination:
      services:
        name: kube-dns
        namespace: kube-system
`,
    probes: [
      ...fan([...X, ...Y, ...Z], DNS, '53/UDP', true),
      ['x/a', DNS, '53/TCP', true], ['x/a', DNS, '9153/TCP', true], ['x/a', DNS, '80/TCP', false], ['x/a', DNS, '9153/UDP', false],
      // The policy selects every pod: egress is default-deny for all of them ("also enacts a default-deny behavior").
      ['x/a', 'y/a', '80/TCP', false], ['x/a', '8.8.8.8', '53/UDP', false], [DNS, 'x/a', '80/TCP', false],
    ],
    explain: [{
      from: 'y/c', to: DNS, port: '53/UDP',
      check: (e) => {
        assert.equal(e.allowed, true);
        assert.match(egressLayers(e).decidedBy, /allow-kube-dns.*egress\[0\] Allow on 53\/UDP/);
        assert.deepEqual(egressLayers(e).dependsOn, []);
      },
    }],
  },
  {
    name: 'calico services: egress to the kubernetes API Service (no selector: its EndpointSlice addresses, on the endpoint port)',
    source: 'tigera/docs service-policy.mdx, "Allow access to the Kubernetes API for a specific namespace" (addresses and ports are taken from the Service); felix/serviceindex/serviceindex.go membersFromEndpointSlice (the slice\'s port, not the Service\'s)',
    world: xyz(),
    policies: `
apiVersion: v1
kind: Service
metadata: {name: kubernetes, namespace: default, labels: {component: apiserver}}
spec:
  ports: [{name: https, port: 443, protocol: TCP, targetPort: 6443}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: kubernetes, namespace: default, labels: {kubernetes.io/service-name: kubernetes}}
addressType: IPv4
endpoints:
- addresses: [192.0.2.1]
- addresses: [192.0.2.2]
ports: [{name: https, port: 6443, protocol: TCP}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-api-access
  namespace: x
spec:
  selector: all()
  egress:
  - action: Allow
    destination:
      services:
        name: kubernetes
        namespace: default
`,
    probes: [
      ['x/a', '192.0.2.1', '6443/TCP', true], ['x/b', '192.0.2.2', '6443/TCP', true],
      ['x/a', '192.0.2.1', '443/TCP', false], ['x/a', '192.0.2.1', '6443/UDP', false], ['x/a', '192.0.2.3', '6443/TCP', false],
      ['x/a', 'y/a', '80/TCP', false], ['x/a', DNS, '53/UDP', false], ['y/a', '192.0.2.1', '443/TCP', true],
    ],
  },
  {
    name: 'calico services: ingress from the pods of a Service (a source matches by address, on every port)',
    source: 'tigera/docs service-policy.mdx, "Allow access from a specified service"; felix/fv/service_policy_test.go "should allow ingress from a service" (ports 80 and 81 both allowed)',
    world: xyz(),
    policies: `${WEB_SERVICE}---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-frontend-service-access
  namespace: z
spec:
  selector: all()
  ingress:
  - action: Allow
    source:
      services:
        name: web
        namespace: x
`,
    probes: [
      ['x/a', 'z/b', '80/TCP', true], ['x/a', 'z/b', '8080/TCP', true], ['x/a', 'z/c', '53/UDP', true],
      // The Service selects app=web in its own namespace only.
      ['y/a', 'z/b', '80/TCP', false], ['x/b', 'z/b', '80/TCP', false], ['z/a', 'z/b', '80/TCP', false], ['8.8.8.8', 'z/b', '80/TCP', false],
      ['z/b', 'x/a', '80/TCP', true],
    ],
  },
  {
    name: 'calico services: ingress from a Service, limited to destination port 80',
    source: 'tigera/docs service-policy.mdx, "Allow access from a specified service" (the variant with protocol TCP and destination ports [80]); api/pkg/apis/projectcalico/v3/policy_common.go (ports may sit beside services on ingress rules)',
    world: xyz(),
    policies: `${WEB_SERVICE}---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-frontend-service-access
  namespace: z
spec:
  selector: all()
  ingress:
  - action: Allow
    protocol: TCP
    source:
      services:
        name: web
        namespace: x
    destination:
      ports: [80]
`,
    probes: [['x/a', 'z/b', '80/TCP', true], ['x/a', 'z/b', '8080/TCP', false], ['x/a', 'z/b', '80/UDP', false], ['x/b', 'z/b', '80/TCP', false]],
  },
  {
    name: 'calico services: an EndpointSlice alone decides (no Service object; not-ready endpoints and outside addresses count)',
    source: 'felix/fv/service_policy_test.go "should allow egress to a service" and "should deny egress to a service" (an EndpointSlice without a Service: port 80 matched, 81 not, never the reverse); felix/serviceindex/serviceindex.go (no endpoint condition is read)',
    world: xyz(),
    policies: `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: w1-eps, namespace: x, labels: {kubernetes.io/service-name: w1-service}}
addressType: IPv4
endpoints:
- addresses: [10.0.1.2]
- addresses: [10.0.1.3]
  conditions: {ready: false}
- addresses: [192.0.2.50]
ports: [{port: 80, protocol: TCP}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-to-w1
  namespace: x
spec:
  selector: all()
  types: [Egress]
  egress:
  - action: Allow
    destination:
      services: {name: w1-service, namespace: x}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: deny-to-w1
  namespace: y
spec:
  selector: all()
  egress:
  - action: Deny
    destination:
      services: {name: w1-service, namespace: x}
  - action: Allow
`,
    probes: [
      // x/b is 10.0.1.2, x/c 10.0.1.3 (its endpoint not ready).
      ['x/a', 'x/b', '80/TCP', true], ['x/a', 'x/b', '81/TCP', false], ['x/a', 'x/b', '80/UDP', false], ['x/b', 'x/a', '80/TCP', false],
      ['x/a', 'x/c', '80/TCP', true], ['x/a', '192.0.2.50', '80/TCP', true], ['x/a', '192.0.2.50', '443/TCP', false], ['x/a', 'y/b', '80/TCP', false],
      ['y/a', 'x/b', '80/TCP', false], ['y/a', 'x/b', '81/TCP', true], ['y/a', 'x/a', '80/TCP', true], ['y/a', '192.0.2.50', '80/TCP', false],
    ],
  },
  {
    name: 'calico services: endpoints on different ports (two EndpointSlices) are matched each on its own ports, never crosswise',
    source: 'felix/serviceindex/serviceindex.go membersFromEndpointSlice (an IP-set member is an address with a port of its own slice); kubernetes pkg/controller/endpointslice groups endpoints by their resolved ports, one slice per set',
    world: xyz(),
    policies: `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-a, namespace: y, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
endpoints: [{addresses: [10.0.2.2]}]
ports: [{name: pg, port: 5432, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-b, namespace: y, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
endpoints: [{addresses: [10.0.2.3]}]
ports: [{name: pg, port: 6432, protocol: TCP}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: to-db
  namespace: x
spec:
  selector: all()
  egress:
  - action: Allow
    destination:
      services: {name: db, namespace: y}
`,
    probes: [
      // y/b is 10.0.2.2, y/c 10.0.2.3.
      ['x/a', 'y/b', '5432/TCP', true], ['x/a', 'y/c', '6432/TCP', true],
      ['x/a', 'y/b', '6432/TCP', false], ['x/a', 'y/c', '5432/TCP', false], ['x/a', 'y/a', '5432/TCP', false],
    ],
  },
  {
    name: 'calico services: a Service without a selector and its Endpoints (mirrored into EndpointSlices, not-ready addresses too)',
    source: 'kubernetes pkg/controller/endpointslicemirroring (endpointslicemirroring_controller.go: a Service without a selector, unless skip-mirror; reconciler.go: addresses and notReadyAddresses of each subset, on its ports); the Calico match as in tigera/docs service-policy.mdx',
    world: xyz(),
    policies: `
apiVersion: v1
kind: Service
metadata: {name: ext-db, namespace: y}
spec:
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: ext-db, namespace: y}
subsets:
- addresses: [{ip: 198.51.100.7}]
  notReadyAddresses: [{ip: 198.51.100.8}]
  ports: [{port: 5432}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: to-ext-db
  namespace: x
spec:
  selector: app == 'web'
  egress:
  - action: Allow
    destination:
      services: {name: ext-db, namespace: y}
`,
    probes: [
      ['x/a', '198.51.100.7', '5432/TCP', true], ['x/a', '198.51.100.8', '5432/TCP', true],
      ['x/a', '198.51.100.7', '5433/TCP', false], ['x/a', '198.51.100.9', '5432/TCP', false], ['x/a', 'y/a', '80/TCP', false], ['x/b', 'y/a', '80/TCP', true],
    ],
  },
  {
    name: 'calico services: a Service not in the input is not judged (depends on): its rule matches nothing',
    source: 'tigera/docs service-policy.mdx (the rule); a peer manifests cannot place is "depends on", never guessed (docs/adr/0005-policy-layers.md)',
    world: xyz(),
    policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: to-billing
  namespace: x
spec:
  selector: all()
  egress:
  - action: Allow
    destination:
      services: {name: billing, namespace: y}
  - action: Allow
    protocol: UDP
    destination:
      selector: k8s-app == 'kube-dns'
      namespaceSelector: projectcalico.org/name == 'kube-system'
      ports: [53]
`,
    probes: [['x/a', 'y/a', '80/TCP', false], ['x/a', 'y/b', '8080/TCP', false], ['x/a', DNS, '53/UDP', true], ['y/a', 'y/b', '80/TCP', true]],
    explain: [{
      from: 'x/a', to: 'y/b', port: '80/TCP',
      check: (e) => {
        assert.equal(e.allowed, false);
        assert.deepEqual(egressLayers(e).dependsOn, ['Service y/billing and its EndpointSlices (not in the input)']);
        assert.match(JSON.stringify(egressLayers(e).tiers), /services Service y\/billing does not match y\/b \(depends on Service y\/billing and its EndpointSlices \(not in the input\), not judged from manifests\)/);
      },
    }],
  },
  {
    name: 'calico services: read from a kubectl get -o json List (managedFields, status, an EndpointSlice with targetRefs)',
    source: 'tigera/docs service-policy.mdx (the rule); the objects as kubectl get -o json prints them (a List; EndpointSlices made by the endpointslice controller, with targetRef and conditions)',
    world: xyz(),
    policies: JSON.stringify(KUBECTL_LIST, null, 2),
    probes: [
      ['x/a', 'x/b', '5432/TCP', true], ['x/c', 'x/b', '5432/TCP', true], ['x/a', 'x/b', '80/TCP', false], ['x/a', 'y/b', '5432/TCP', false],
      ['y/a', 'x/b', '5432/TCP', true],
    ],
    explain: [{
      from: 'x/a', to: 'x/b', port: '5432/TCP',
      check: (e) => { assert.match(egressLayers(e).decidedBy, /web-to-db.*egress\[0\] Allow on 5432\/TCP/); },
    }],
  },
  {
    name: 'calico Staged policies are not enforced',
    source: 'tigera/docs calico/reference/resources/stagednetworkpolicy.mdx / stagedglobalnetworkpolicy.mdx (staged policies preview, they do not change traffic)',
    world: xyz(),
    policies: `
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata:
  name: default-deny
spec:
  selector: all()
  types: [Ingress, Egress]
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata:
  name: deny-x
  namespace: x
spec:
  selector: all()
  ingress:
  - action: Deny
`,
    probes: [['x/a', 'x/b', '80/TCP', true], ['y/a', 'x/a', '80/TCP', true], ['x/a', '8.8.8.8', '443/TCP', true]],
  },
];

/** Selector operators (tigera/docs calico/reference/resources/_selectors.mdx): a GlobalNetworkPolicy with no rules isolates exactly the pods its selector picks. */
const SELECTORS: readonly [string, readonly string[]][] = [
  ['all()', ['a', 'b', 'c']],
  ["app == 'web'", ['a']],
  ["app != 'web'", ['b', 'c']],
  ['has(tier)', ['a', 'b']],
  ['!has(tier)', ['c']],
  ["app in {'web', 'db'}", ['a', 'b']],
  ["app not in {'web'}", ['b', 'c']],
  ["app == 'web' || tier == 'be'", ['a', 'b']],
  ["has(app) && !(tier == 'fe')", ['b']],
  ["app starts with 'w'", ['a']],
  ["app ends with 'eb'", ['a']],
  ["app contains 'd'", ['b']],
  ["projectcalico.org/namespace == 'y' && pod == 'c'", []],
];
for (const [sel, picked] of SELECTORS) {
  calicoRows.push({
    name: `calico selector ${sel}`,
    source: 'tigera/docs calico/reference/resources/_selectors.mdx',
    world: xyz(),
    policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: isolate
spec:
  selector: "${sel}"
  namespaceSelector: ns == "x"
  types: [Ingress]
`,
    probes: [...X.map((to): Probe => [DNS, to, '80/TCP', !picked.includes(to.slice(2))]), [DNS, 'y/a', '80/TCP', true]],
  });
}

describe('Calico documented examples (projectcalico.org/v3)', () => {
  runRows(calicoRows);
});

/**
 * What Calico refuses about `services`, as input errors naming the field (the policy is
 * left out): the EntityRule and Rule validation rules of api/pkg/apis/projectcalico/v3/
 * policy_common.go and libcalico-go/lib/validator/v3/validator.go (validateNetworkPolicySpec,
 * validateGlobalNetworkPolicySpec), with the cases of libcalico-go/lib/validator/v3/
 * crd_validation_test.go ("destination ports with destination services fails", ...).
 */
const egressTo = (destination: string, kind = 'NetworkPolicy', extra = ''): string => `
apiVersion: projectcalico.org/v3
kind: ${kind}
metadata:
  name: rejected
${kind === 'NetworkPolicy' ? '  namespace: x\n' : ''}spec:
  selector: all()
  egress:
  - action: Allow
${extra}    destination:
${destination.replace(/^\n/, '').replace(/^/gm, '      ').trimEnd()}
`;
const CALICO_SERVICES_REJECTED: readonly (readonly [name: string, policy: string, path: string, message: RegExp])[] = [
  ['destination ports beside destination services', egressTo('\nservices: {name: db, namespace: x}\nports: [5432]', 'NetworkPolicy', '    protocol: TCP\n'), 'spec.egress[0].destination.ports', /ports and notPorts cannot be specified with services/],
  ['destination notPorts beside destination services', egressTo('\nservices: {name: db, namespace: x}\nnotPorts: [22]', 'NetworkPolicy', '    protocol: TCP\n'), 'spec.egress[0].destination.notPorts', /ports and notPorts cannot be specified with services/],
  ['a selector beside services', egressTo("\nservices: {name: db, namespace: x}\nselector: app == 'db'"), 'spec.egress[0].destination.selector', /cannot specify Selector\/NotSelector and Services on the same rule/],
  ['a namespaceSelector beside services', egressTo("\nservices: {name: db, namespace: x}\nnamespaceSelector: all()"), 'spec.egress[0].destination.namespaceSelector', /cannot specify NamespaceSelector and Services/],
  ['nets beside services', egressTo('\nservices: {name: db, namespace: x}\nnets: [10.0.0.0/8]'), 'spec.egress[0].destination.nets', /cannot specify Nets\/NotNets and Services/],
  ['serviceAccounts beside services', egressTo('\nservices: {name: db, namespace: x}\nserviceAccounts: {names: [luke]}'), 'spec.egress[0].destination.serviceAccounts', /cannot specify ServiceAccounts and Services/],
  ['services without a name', egressTo('\nservices: {namespace: x}'), 'spec.egress[0].destination.services.name', /services must name a Service/],
  ['a GlobalNetworkPolicy\'s services without a namespace', egressTo('\nservices: {name: db}', 'GlobalNetworkPolicy'), 'spec.egress[0].destination.services.namespace', /a GlobalNetworkPolicy must name the namespace of the Service/],
  ['services in an egress rule\'s source', `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: rejected, namespace: x}
spec:
  selector: all()
  egress:
  - action: Allow
    source:
      services: {name: db, namespace: x}
`, 'spec.egress[0].source.services', /services is not allowed in an egress rule's source/],
  ['services in an ingress rule\'s destination', `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: rejected, namespace: x}
spec:
  selector: all()
  ingress:
  - action: Allow
    destination:
      services: {name: db, namespace: x}
`, 'spec.ingress[0].destination.services', /services is not allowed in an ingress rule's destination/],
];

describe('Calico services: what Calico rejects is an input error, the policy left out', () => {
  for (const [name, policy, path, message] of CALICO_SERVICES_REJECTED) {
    test(name, () => {
      const inv = inventoryFromText(`${manifests({ name, source: '', world: xyz(), policies: WEB_SERVICE, probes: [] })}---\n${policy.trim()}\n`, 'rejected.yaml');
      const errors = inv.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors.map((d) => d.path), [path], JSON.stringify(inv.diagnostics));
      assert.match(errors[0]!.message, message);
      assert.match(errors[0]!.message, /Calico rejects it \(nothing of it is enforced\), so it is left out of the analysis/);
      assert.ok(errors[0]!.line !== undefined && errors[0]!.line > 1, 'located in the file');
      assert.equal(inv.layers.policies.some((p) => p.name === 'rejected'), false);
    });
  }
});

// ---------------------------------------------------------------------------
// 3. Cilium (cilium/cilium Documentation/security/policy and examples/policies), cilium.io/v2.
// World: xyz() (role=frontend on a, role=backend on b; service accounts luke / leia).

const cnp = (name: string, ns: string, spec: string): string => `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: ${name}
  namespace: ${ns}
spec:
${spec.replace(/^\n/, '').replace(/^/gm, '  ').trimEnd()}
`;
const ccnp = (name: string, spec: string): string => `
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata:
  name: ${name}
spec:
${spec.replace(/^\n/, '').replace(/^/gm, '  ').trimEnd()}
`;

const ciliumRows: Row[] = [
  {
    name: 'cilium L3 fromEndpoints: unqualified means the policy namespace',
    source: 'cilium/cilium examples/policies/l3/simple/l3.yaml; Documentation/security/policy/kubernetes.rst ("If omitted, ... the namespace the policy lives in")',
    world: xyz(),
    policies: cnp('l3-rule', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEndpoints:
  - matchLabels: {role: frontend}
`),
    probes: [['x/a', 'x/b', '80/TCP', true], ['y/a', 'x/b', '80/TCP', false], ['x/c', 'x/b', '80/TCP', false], ['8.8.8.8', 'x/b', '80/TCP', false], ['x/c', 'x/a', '80/TCP', true], ['x/b', 'y/c', '80/TCP', true]],
  },
  {
    name: 'cilium fromEndpoints naming another namespace',
    source: 'cilium/cilium examples/policies/kubernetes/namespace/namespace-policy.yaml (k8s:io.kubernetes.pod.namespace in fromEndpoints)',
    world: xyz(),
    policies: cnp('from-y-frontend', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEndpoints:
  - matchLabels:
      role: frontend
      k8s:io.kubernetes.pod.namespace: y
`),
    probes: [['y/a', 'x/b', '80/TCP', true], ['x/a', 'x/b', '80/TCP', false], ['z/a', 'x/b', '80/TCP', false], ['y/c', 'x/b', '80/TCP', false]],
  },
  {
    name: 'cilium clusterwide: unqualified fromEndpoints means every namespace',
    source: 'cilium/cilium examples/policies/kubernetes/clusterwide/clusterscope-policy.yaml; kubernetes.rst "Clusterwide Policies"',
    world: xyz(),
    policies: ccnp('frontend-to-backend', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEndpoints:
  - matchLabels: {role: frontend}
`),
    probes: [...fan(['x/a', 'y/a', 'z/a'], 'y/b', '80/TCP', true), ['y/c', 'y/b', '80/TCP', false], [DNS, 'z/b', '53/UDP', false], ['x/c', 'x/a', '80/TCP', true]],
  },
  {
    name: 'cilium namespace isolation: fromEndpoints [{}] in a namespaced policy',
    source: 'cilium/cilium examples/policies/kubernetes/namespace/isolate-namespaces.yaml; kubernetes.rst "Enforce namespace boundaries"',
    world: xyz(),
    policies: `${cnp('isolate-ns', 'x', `
endpointSelector: {}
ingress:
- fromEndpoints:
  - {}
`)}---${cnp('isolate-ns', 'y', `
endpointSelector: {}
ingress:
- fromEndpoints:
  - {}
`)}`,
    probes: [['x/a', 'x/b', '80/TCP', true], ['y/a', 'x/b', '80/TCP', false], ['z/a', 'x/b', '80/TCP', false], ['y/c', 'y/a', '80/TCP', true], ['x/a', 'y/a', '80/TCP', false], ['x/a', 'z/a', '80/TCP', true], ['8.8.8.8', 'x/a', '80/TCP', false]],
  },
  {
    name: 'cilium io.cilium.k8s.namespace.labels in fromEndpoints/toEndpoints',
    // Cilium changed here: older kubernetes.rst says namespace labels are ignored in a
    // CiliumNetworkPolicy (the own-namespace match is still added); the example file and
    // getEndpointSelector since then honour them across namespaces. The reference models the older rule.
    referenceSkip: 'the layered reference keeps the own-namespace match (older Cilium behaviour)',
    source: 'cilium/cilium examples/policies/kubernetes/namespace/namespace-labels-policy.yaml (a CiliumNetworkPolicy matching namespaces by label; getEndpointSelector adds no own-namespace match when namespace labels are named)',
    world: xyz(),
    policies: cnp('alliance-only', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEndpoints:
  - matchLabels:
      io.cilium.k8s.namespace.labels.faction: alliance
egress:
- toEndpoints:
  - matchLabels:
      io.cilium.k8s.namespace.labels.faction: alliance
`),
    probes: [['y/c', 'x/b', '80/TCP', true], ['x/c', 'x/b', '80/TCP', true], ['z/c', 'x/b', '80/TCP', false], ['x/b', 'y/c', '80/TCP', true], ['x/b', 'z/c', '80/TCP', false], ['x/b', DNS, '53/UDP', false], ['x/b', '8.8.8.8', '443/TCP', false]],
  },
  {
    name: 'cilium entity world: outside addresses only',
    source: 'cilium/cilium examples/policies/l3/entities/world.yaml; language.rst "Entities Based" (world = everything outside the cluster)',
    world: xyz(),
    policies: cnp('to-world', 'x', `
endpointSelector:
  matchLabels: {role: frontend}
egress:
- toEntities: [world]
`),
    probes: [['x/a', '8.8.8.8', '443/TCP', true], ['x/a', 'x/b', '80/TCP', false], ['x/a', DNS, '53/UDP', false], ['x/a', 'y/c', '80/TCP', false]],
  },
  {
    name: 'cilium entity cluster: every pod, nothing outside',
    source: 'cilium/cilium Documentation/security/policy/language.rst "Entities Based" (cluster)',
    world: xyz(),
    policies: cnp('from-cluster', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEntities: [cluster]
`),
    probes: [['y/a', 'x/b', '80/TCP', true], [DNS, 'x/b', '80/TCP', true], ['8.8.8.8', 'x/b', '80/TCP', false]],
  },
  {
    name: 'cilium entity all: pods and outside',
    source: 'cilium/cilium Documentation/security/policy/language.rst "Entities Based" (all)',
    world: xyz(),
    policies: cnp('from-all', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEntities: [all]
`),
    probes: [['y/a', 'x/b', '80/TCP', true], ['8.8.8.8', 'x/b', '80/TCP', true]],
  },
  {
    name: 'cilium entities host and remote-node: not judged, never allow here',
    source: 'cilium/cilium examples/policies/l3/entities/host.yaml; language.rst "Entities Based" (host, remote-node)',
    world: xyz(),
    policies: cnp('from-host', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEntities: [host, remote-node]
`),
    probes: [['y/a', 'x/b', '80/TCP', false], ['x/a', 'x/b', '80/TCP', false], ['8.8.8.8', 'x/b', '80/TCP', false]],
    explain: [{
      from: 'x/a', to: 'x/b', port: '80/TCP',
      check: (e) => { assert.ok(ingressLayers(e).dependsOn.some((d) => /host/.test(d)), `dependsOn: ${ingressLayers(e).dependsOn.join('; ')}`); },
    }],
  },
  {
    name: 'cilium CIDR egress with except; CIDR rules never match pods',
    source: 'cilium/cilium examples/policies/l3/cidr/cidr.yaml (toCIDR, toCIDRSet with except); language.rst "IP/CIDR based" (not for endpoints Cilium manages)',
    world: xyz(),
    policies: cnp('cidr-rule', 'x', `
endpointSelector:
  matchLabels: {role: frontend}
egress:
- toCIDR: [20.1.1.1/32]
- toCIDRSet:
  - cidr: 192.168.0.0/16
    except: [192.168.1.0/24]
  - cidr: 10.0.0.0/8
`),
    probes: [
      ['x/a', '20.1.1.1', '443/TCP', true], ['x/a', '20.1.1.2', '443/TCP', false],
      ['x/a', '192.168.5.5', '80/TCP', true], ['x/a', '192.168.1.5', '80/TCP', false],
      ['x/a', 'y/a', '80/TCP', false], ['x/a', 'x/b', '80/TCP', false],
    ],
  },
  {
    name: 'cilium toServices: a Service without a selector allows its endpoints, never as pods',
    source: 'cilium/cilium examples/policies/l3/service/service.yaml; language.rst "Services based" (Services without a selector; their endpoints become CIDR rules, which never match pods)',
    world: xyz(),
    policies: `
apiVersion: v1
kind: Service
metadata: {name: myservice, namespace: x}
spec:
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: myservice, namespace: x}
subsets:
- addresses: [{ip: 192.0.2.10}, {ip: 10.0.1.2}]
  notReadyAddresses: [{ip: 192.0.2.99}]
  ports: [{port: 5432}]
---
${cnp('to-myservice', 'x', `
endpointSelector:
  matchLabels: {role: frontend}
egress:
- toServices:
  - k8sService: {serviceName: myservice, namespace: x}
`)}`,
    probes: [
      ['x/a', '192.0.2.10', '5432/TCP', true], ['x/a', '192.0.2.11', '5432/TCP', false], ['x/a', '192.0.2.99', '5432/TCP', false],
      // 10.0.1.2 is x/b's address: a CIDR rule never matches a pod Cilium manages.
      ['x/a', 'x/b', '80/TCP', false], ['x/a', '8.8.8.8', '443/TCP', false], ['x/b', '192.0.2.10', '5432/TCP', true],
    ],
  },
  {
    name: 'cilium toServices by labels in any namespace: Services with a selector allow nothing',
    source: 'cilium/cilium examples/policies/l3/service/service-labels.yaml; language.rst "Services based" (k8sServiceSelector; only Services without a selector); RuleTranslator.serviceMatches (no namespace: any)',
    world: xyz(),
    policies: `
apiVersion: v1
kind: Service
metadata: {name: ext-db, namespace: y, labels: {external: 'yes'}}
spec:
  ports: [{port: 443}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ext-db-1, namespace: y, labels: {kubernetes.io/service-name: ext-db}}
addressType: IPv4
endpoints:
- addresses: [198.51.100.7]
- addresses: [198.51.100.8]
  conditions: {ready: false}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: y, labels: {external: 'yes'}}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: web, namespace: y}
subsets:
- addresses: [{ip: 203.0.113.5}]
---
${cnp('to-external', 'x', `
endpointSelector:
  matchLabels: {role: frontend}
egress:
- toServices:
  - k8sServiceSelector:
      selector:
        matchLabels: {external: 'yes'}
`)}`,
    probes: [
      ['x/a', '198.51.100.7', '443/TCP', true], ['x/a', '198.51.100.8', '443/TCP', false],
      ['x/a', '203.0.113.5', '80/TCP', false], ['x/a', 'y/a', '80/TCP', false], ['x/a', '8.8.8.8', '443/TCP', false],
    ],
  },
  {
    name: 'cilium CIDR ingress with except',
    source: 'cilium/cilium Documentation/security/policy/language.rst "IP/CIDR based" (fromCIDRSet, except)',
    world: xyz(),
    policies: cnp('from-outside', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromCIDRSet:
  - cidr: 0.0.0.0/0
    except: [8.8.0.0/16]
`),
    probes: [['1.1.1.1', 'x/b', '80/TCP', true], ['8.8.8.8', 'x/b', '80/TCP', false], ['y/a', 'x/b', '80/TCP', false], ['x/a', 'x/b', '80/TCP', false]],
  },
  {
    name: 'cilium clusterwide ingressDeny world with an allow-all',
    source: 'cilium/cilium examples/policies/l3/entities/from_world_deny.yaml; Documentation/security/policy/deny.rst',
    world: xyz(),
    policies: ccnp('external-lockdown', `
endpointSelector: {}
ingressDeny:
- fromEntities: [world]
ingress:
- fromEntities: [all]
`),
    probes: [['x/a', 'x/b', '80/TCP', true], ['y/a', 'x/b', '80/TCP', true], [DNS, 'z/c', '80/TCP', true], ['8.8.8.8', 'x/a', '80/TCP', false], ['8.8.8.8', DNS, '53/UDP', false]],
  },
  {
    name: 'cilium egressDeny beats an allow in the same policy',
    source: 'cilium/cilium examples/policies/l3/egress-deny/egress-deny.yaml; deny.rst (deny policies take precedence over allow)',
    world: xyz(),
    policies: cnp('deny-egress-example', 'x', `
endpointSelector:
  matchLabels: {role: frontend}
egress:
- toEntities: [all]
egressDeny:
- toEndpoints:
  - matchLabels: {role: backend}
`),
    probes: [
      ['x/a', 'x/b', '80/TCP', false], ['x/a', 'x/c', '80/TCP', true], ['x/a', '8.8.8.8', '443/TCP', true],
      // The unqualified toEndpoints of a namespaced policy: backends of x only.
      ['x/a', 'y/b', '80/TCP', true],
    ],
    explain: [{
      from: 'x/a', to: 'x/b', port: '80/TCP',
      check: (e) => { assert.match(egressLayers(e).decidedBy, /deny-egress-example.*Deny/); },
    }],
  },
  {
    name: 'cilium ingressDeny beats a Kubernetes NetworkPolicy allow',
    source: 'cilium/cilium Documentation/security/policy/deny.rst (deny rules take precedence over every allow, NetworkPolicy included)',
    world: xyz(),
    policies: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all
  namespace: x
spec:
  podSelector: {}
  ingress:
  - {}
---${cnp('deny-from-y', 'x', `
endpointSelector: {}
ingressDeny:
- fromEndpoints:
  - matchLabels:
      k8s:io.kubernetes.pod.namespace: y
`)}`,
    probes: [['y/a', 'x/a', '80/TCP', false], ['y/c', 'x/b', '53/UDP', false], ['z/a', 'x/a', '80/TCP', true], ['x/b', 'x/a', '80/TCP', true], ['8.8.8.8', 'x/a', '80/TCP', true]],
  },
  {
    name: 'cilium allows are unioned with Kubernetes NetworkPolicy allows',
    source: 'cilium/cilium Documentation/security/policy/intro.rst / language.rst (policies are additive; CiliumNetworkPolicy and NetworkPolicy both apply)',
    world: xyz(),
    policies: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: from-z
  namespace: x
spec:
  podSelector:
    matchLabels: {role: backend}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {ns: z}
---${cnp('from-y', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEndpoints:
  - matchLabels:
      k8s:io.kubernetes.pod.namespace: y
`)}`,
    probes: [['y/a', 'x/b', '80/TCP', true], ['z/a', 'x/b', '80/TCP', true], ['x/a', 'x/b', '80/TCP', false]],
  },
  {
    name: 'cilium L4-only egress rule: any destination on that port',
    source: 'cilium/cilium examples/policies/l4/l4.yaml; Documentation/security/policy/language.rst "Layer 4 Examples" (toPorts without an L3 part)',
    world: xyz(),
    policies: cnp('l4-rule', 'x', `
endpointSelector:
  matchLabels: {role: frontend}
egress:
- toPorts:
  - ports:
    - {port: "80", protocol: TCP}
`),
    probes: [['x/a', 'y/b', '80/TCP', true], ['x/a', 'y/b', '81/TCP', false], ['x/a', '8.8.8.8', '80/TCP', true], ['x/a', 'y/b', '80/UDP', false], ['x/b', 'y/b', '81/TCP', true]],
  },
  {
    name: 'cilium toPorts entries without ports add nothing; an empty toPorts is none (L3-only)',
    source: 'cilium/cilium pkg/policy/rule.go mergeIngress (L3-only only when toPorts and icmps are empty; one filter per listed port of each toPorts entry)',
    world: xyz(),
    policies: cnp('entries', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEndpoints:
  - matchLabels: {role: frontend}
  toPorts:
  - {}
  - ports:
    - {port: "80", protocol: TCP}
- fromEndpoints:
  - matchLabels:
      k8s:io.kubernetes.pod.namespace: y
  toPorts: []
- fromEndpoints:
  - matchLabels:
      k8s:io.kubernetes.pod.namespace: z
  toPorts:
  - {}
`),
    probes: [
      ['x/a', 'x/b', '80/TCP', true], ['x/a', 'x/b', '81/TCP', false], ['x/a', 'x/b', '80/UDP', false],
      ['y/a', 'x/b', '80/TCP', true], ['y/a', 'x/b', '9999/UDP', true],
      ['z/a', 'x/b', '80/TCP', false], ['z/a', 'x/b', '53/UDP', false],
    ],
  },
  {
    name: 'cilium L7 rules without ports: the entry admits nothing (no wildcard port)',
    source: 'cilium/cilium pkg/policy/rule.go mergeIngress (the loop over GetPortProtocols adds nothing for an entry without ports); pkg/policy/api/l4.go PortRule sanitize (accepts it)',
    world: xyz(),
    policies: cnp('l7-no-ports', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEndpoints:
  - matchLabels: {role: frontend}
  toPorts:
  - rules:
      http:
      - method: GET
`),
    probes: [['x/a', 'x/b', '80/TCP', false], ['x/a', 'x/b', '8080/TCP', false], ['y/a', 'x/b', '80/TCP', false]],
    referenceSkip: 'the layered reference does not model L7 rules',
  },
  {
    name: 'cilium L3 + L4: fromEndpoints and toPorts together',
    source: 'cilium/cilium examples/policies/l4/l3_l4_combined.yaml / language.rst "Labels-dependent Layer 4 rule"',
    world: xyz(),
    policies: cnp('l3-l4', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEndpoints:
  - matchLabels: {role: frontend}
  toPorts:
  - ports:
    - {port: "80", protocol: TCP}
`),
    probes: [['x/a', 'x/b', '80/TCP', true], ['x/a', 'x/b', '8080/TCP', false], ['x/c', 'x/b', '80/TCP', false]],
  },
  {
    name: 'cilium port range (endPort) and protocol ANY',
    source: 'cilium/cilium Documentation/security/policy/language.rst "Limit ingress/egress ports" (endPort; protocol ANY or omitted)',
    world: xyz(),
    policies: cnp('ranges', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- toPorts:
  - ports:
    - {port: "8000", endPort: 8100, protocol: TCP}
    - {port: "53", protocol: ANY}
    - port: "5353"
`),
    probes: [
      ['y/a', 'x/b', '8000/TCP', true], ['y/a', 'x/b', '8050/TCP', true], ['y/a', 'x/b', '8100/TCP', true], ['y/a', 'x/b', '8101/TCP', false], ['y/a', 'x/b', '8050/UDP', false],
      ['y/a', 'x/b', '53/TCP', true], ['y/a', 'x/b', '53/UDP', true], ['y/a', 'x/b', '5353/UDP', true], ['y/a', 'x/b', '5353/TCP', true], ['y/a', 'x/b', '54/UDP', false],
    ],
  },
  {
    name: 'cilium clusterwide default deny outside kube-system, DNS allowed',
    source: 'cilium/cilium language.rst ("Ingress/Egress Default Deny": an empty rule {} turns default deny on) + examples/policies/kubernetes/clusterwide/wildcard-from-endpoints.yaml + namespace/kubedns-policy.yaml',
    world: xyz(),
    policies: `${ccnp('default-deny-apps', `
endpointSelector:
  matchExpressions:
  - {key: io.kubernetes.pod.namespace, operator: NotIn, values: [kube-system]}
ingress:
- {}
egress:
- toEndpoints:
  - matchLabels:
      k8s:io.kubernetes.pod.namespace: kube-system
      k8s-app: kube-dns
  toPorts:
  - ports:
    - {port: "53", protocol: UDP}
`)}---${ccnp('wildcard-from-endpoints', `
endpointSelector:
  matchLabels:
    k8s:io.kubernetes.pod.namespace: kube-system
    k8s-app: kube-dns
ingress:
- fromEndpoints:
  - {}
  toPorts:
  - ports:
    - {port: "53", protocol: UDP}
`)}`,
    probes: [
      ['x/a', 'x/b', '80/TCP', false], ['x/a', 'y/b', '80/TCP', false],
      ...fan([...X, ...Y, ...Z], DNS, '53/UDP', true),
      ['x/a', DNS, '53/TCP', false], ['x/a', '8.8.8.8', '443/TCP', false],
      [DNS, 'x/a', '80/TCP', false], [DNS, '8.8.8.8', '53/UDP', true],
      ['8.8.8.8', DNS, '53/UDP', false],
    ],
  },
  {
    name: 'cilium L7 http rule: the L4 connection is allowed, the rest is filtered at L7',
    referenceSkip: 'the layered reference models neither io.cilium.k8s.policy.serviceaccount nor L7 rules',
    source: 'cilium/cilium Documentation/security/policy/language.rst "Layer 7 Examples" (rules.http under toPorts) and examples/policies/kubernetes/serviceaccount/serviceaccount-policy.yaml',
    world: xyz(),
    policies: cnp('l7-rule', 'x', `
endpointSelector:
  matchLabels:
    io.cilium.k8s.policy.serviceaccount: leia
ingress:
- fromEndpoints:
  - matchLabels:
      io.cilium.k8s.policy.serviceaccount: luke
  toPorts:
  - ports:
    - {port: "80", protocol: TCP}
    rules:
      http:
      - {method: GET, path: /public}
`),
    probes: [['x/a', 'x/b', '80/TCP', true], ['x/a', 'x/b', '8080/TCP', false], ['x/c', 'x/b', '80/TCP', false], ['y/a', 'x/b', '80/TCP', false]],
    explain: [{
      from: 'x/a', to: 'x/b', port: '80/TCP',
      check: (e) => {
        assert.equal(e.allowed, true);
        const notes = ingressLayers(e).tiers.flatMap((t) => t.rules.map((r) => r.note ?? ''));
        assert.ok(notes.some((n) => n.includes('L7')), `no L7 note among: ${JSON.stringify(notes)}`);
      },
    }],
  },
  {
    name: 'cilium mutual authentication: allowed at L4, and said',
    source: 'cilium/cilium Documentation/network/servicemesh/mutual-authentication/mutual-authentication.rst (authentication.mode: required on a rule)',
    world: xyz(),
    policies: cnp('mutual-auth', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEndpoints:
  - matchLabels: {role: frontend}
  authentication:
    mode: required
`),
    probes: [['x/a', 'x/b', '80/TCP', true], ['x/c', 'x/b', '80/TCP', false]],
    explain: [{
      from: 'x/a', to: 'x/b', port: '80/TCP',
      check: (e) => {
        const notes = ingressLayers(e).tiers.flatMap((t) => t.rules.map((r) => r.note ?? ''));
        assert.ok(notes.some((n) => /mutual authentication \(mode required\)/.test(n)), `no authentication note among: ${JSON.stringify(notes)}`);
      },
    }],
  },
  {
    name: 'cilium matchExpressions: two selectors are OR-ed',
    source: 'cilium/cilium examples/policies/l3/match-expressions/or-statement.yaml',
    world: xyz(),
    policies: cnp('or-statement-policy', 'x', `
endpointSelector: {}
ingress:
- fromEndpoints:
  - matchExpressions:
    - {key: k8s:io.kubernetes.pod.namespace, operator: In, values: [y]}
  - matchExpressions:
    - {key: role, operator: In, values: [frontend]}
`),
    probes: [['y/c', 'x/c', '80/TCP', true], ['x/a', 'x/c', '80/TCP', true], ['x/b', 'x/c', '80/TCP', false], ['z/a', 'x/c', '80/TCP', false]],
  },
  {
    name: 'cilium enableDefaultDeny ingress false: the policy adds allows without isolating',
    referenceSkip: 'the layered reference does not model enableDefaultDeny',
    source: 'cilium/cilium Documentation/security/policy/language.rst (enableDefaultDeny)',
    world: xyz(),
    policies: cnp('no-default-deny', 'x', `
endpointSelector:
  matchLabels: {role: backend}
enableDefaultDeny:
  ingress: false
ingress:
- fromEndpoints:
  - matchLabels: {role: frontend}
`),
    probes: [['x/a', 'x/b', '80/TCP', true], ['z/c', 'x/b', '80/TCP', true], ['8.8.8.8', 'x/b', '80/TCP', true]],
  },
];

describe('Cilium documented examples (cilium.io/v2)', () => {
  runRows(ciliumRows);
});

// Cilium and SCTP. The policies: `protocol: ANY` (or none) expands to TCP, UDP and SCTP and an
// explicit SCTP port is accepted whatever the agent's configuration (cilium/cilium
// pkg/policy/rule.go mergeIngress/mergeEgress, since commit b1d9fcd "policy: Add support for
// SCTP policies"; pkg/policy/api/utils.go); a rule without toPorts is a port-0/ANY entry, every
// protocol. The datapath: without enable-sctp (default false, pkg/defaults/defaults.go; Helm
// sctp.enabled: false; Documentation/configuration/sctp.rst) the BPF programs lack ENABLE_SCTP
// and bpf/lib/conntrack.h drops SCTP as an unknown L4 protocol (DROP_CT_UNKNOWN_PROTO) in the
// conntrack lookup of every packet from or to a pod (bpf/bpf_lxc.c TAIL_CT_LOOKUP4/6), before
// any policy. The world's pods listen on 9003/SCTP and 9005/SCTP (STD_PORTS).

const ciliumConfig = (data: Readonly<Record<string, string>>): string => `
apiVersion: v1
kind: ConfigMap
metadata:
  name: cilium-config
  namespace: kube-system
data:
${Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n') || '  cluster-name: default'}
`;
/** x/b admits 9003 on ANY protocol, 9005 on SCTP only, 80/TCP; x/a's egress is open. */
const SCTP_PORTS_POLICY = cnp('sctp-ports', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- toPorts:
  - ports:
    - {port: "9003", protocol: ANY}
    - {port: "9005", protocol: SCTP}
    - {port: "80", protocol: TCP}
`);
/** x/b admits x/a (role frontend) on every port and protocol: no toPorts. */
const SCTP_L3_POLICY = cnp('sctp-l3-only', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEndpoints:
  - matchLabels: {role: frontend}
`);
/** A Kubernetes NetworkPolicy that admits SCTP to y/b: Cilium enforces it through the same datapath. */
const SCTP_K8S_POLICY = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: sctp-to-b
  namespace: y
spec:
  podSelector:
    matchLabels: {role: backend}
  ingress:
  - ports:
    - {protocol: SCTP, port: 9003}
    - {protocol: TCP, port: 80}
`;
const SCTP_ON_PROBES: readonly Probe[] = [
  ['y/a', 'x/b', '9003/SCTP', true], ['y/a', 'x/b', '9003/TCP', true], ['y/a', 'x/b', '9003/UDP', true],
  ['y/a', 'x/b', '9005/SCTP', true], ['y/a', 'x/b', '9005/TCP', false], ['y/a', 'x/b', '9004/SCTP', false],
  ['z/c', 'y/b', '9003/SCTP', true], ['z/c', 'y/b', '9005/SCTP', false],
  ['x/c', 'y/c', '9003/SCTP', true], ['8.8.8.8', 'x/b', '9003/SCTP', true], ['x/c', '8.8.8.8', '9005/SCTP', true],
];
/** The same questions with SCTP support off: every SCTP answer is no, TCP and UDP unchanged. */
const SCTP_OFF_PROBES: readonly Probe[] = SCTP_ON_PROBES.map(([f, t, p, ok]): Probe => [f, t, p, p.endsWith('/SCTP') ? false : ok]);
const mentionsSctpDrop = (e: Explanation): void => {
  assert.equal(e.allowed, false);
  assert.match(e.summary, /Cilium drops SCTP/);
  assert.ok(e.dropped?.some((d) => d.startsWith('SCTP: ')), `no dropped note: ${JSON.stringify(e.dropped)}`);
};

const ciliumSctpRows: Row[] = [
  {
    name: 'cilium protocol ANY and SCTP ports with SCTP support on',
    source: 'cilium/cilium pkg/policy/rule.go (ANY = TCP, UDP and SCTP); pkg/policy/api/l4.go (protocol TCP, UDP, SCTP or ANY); Documentation/configuration/sctp.rst (enable with sctp.enabled=true, rendered as enable-sctp in cilium-config)',
    world: xyz(),
    policies: [SCTP_PORTS_POLICY, SCTP_K8S_POLICY, ciliumConfig({ 'enable-sctp': 'true' })].join('---'),
    probes: SCTP_ON_PROBES,
  },
  {
    name: 'cilium L3-only rule: every protocol, SCTP included, with SCTP support on',
    // enable-sctp "1": the agent reads the ConfigMap's booleans with Go's strconv.ParseBool (viper GetBool).
    source: 'cilium/cilium pkg/policy/rule.go mergeIngress (an L3-only rule is port 0 protocol ANY); pkg/option/config.go (EnableSCTP = vp.GetBool(enable-sctp))',
    world: xyz(),
    policies: [SCTP_L3_POLICY, ciliumConfig({ 'enable-sctp': '1' })].join('---'),
    probes: [['x/a', 'x/b', '9003/SCTP', true], ['x/a', 'x/b', '9005/SCTP', true], ['x/a', 'x/b', '80/TCP', true], ['x/c', 'x/b', '9003/SCTP', false], ['y/a', 'x/b', '9003/SCTP', false]],
  },
  {
    name: 'cilium with SCTP support off: SCTP is dropped before any policy, selected pods or not',
    source: 'cilium/cilium bpf/lib/conntrack.h (SCTP is an unknown L4 protocol without ENABLE_SCTP: DROP_CT_UNKNOWN_PROTO); bpf/bpf_lxc.c TAIL_CT_LOOKUP4 (drops on a conntrack error, before policy); pkg/datapath/linux/config/config.go (ENABLE_SCTP only with enable-sctp)',
    world: xyz(),
    policies: [SCTP_PORTS_POLICY, SCTP_L3_POLICY, SCTP_K8S_POLICY, ciliumConfig({ 'enable-sctp': 'false' })].join('---'),
    probes: [...SCTP_OFF_PROBES, ['x/a', 'x/b', '9003/SCTP', false], ['x/a', 'x/b', '8080/TCP', true]],
    diagnostics: ['cilium-sctp-off'],
    explain: [
      { from: 'y/a', to: 'x/b', port: '9003/SCTP', check: mentionsSctpDrop },
      { from: 'x/c', to: 'y/c', port: '9003/SCTP', check: mentionsSctpDrop },
      {
        from: 'y/a', to: 'x/b', port: '9003/TCP',
        check: (e) => {
          assert.equal(e.allowed, true);
          assert.doesNotMatch(e.summary, /SCTP/);
        },
      },
    ],
  },
  {
    name: 'cilium-config without enable-sctp: SCTP support is off (the default)',
    source: 'cilium/cilium pkg/defaults/defaults.go (EnableSCTP = false); install/kubernetes/cilium/values.yaml (sctp.enabled: false)',
    world: xyz(),
    policies: [SCTP_PORTS_POLICY, SCTP_K8S_POLICY, ciliumConfig({ 'enable-ipv4': 'true' })].join('---'),
    probes: SCTP_OFF_PROBES,
    diagnostics: ['cilium-sctp-off'],
  },
  {
    name: 'cilium policies without cilium-config: Cilium\'s default (SCTP off) is assumed, and said',
    source: 'cilium/cilium pkg/defaults/defaults.go (EnableSCTP = false); Documentation/configuration/sctp.rst (SCTP support is opt-in)',
    world: xyz(),
    policies: [SCTP_PORTS_POLICY, SCTP_K8S_POLICY].join('---'),
    probes: SCTP_OFF_PROBES,
    diagnostics: ['cilium-sctp-assumed'],
    explain: [{ from: 'y/a', to: 'x/b', port: '9003/SCTP', check: (e) => { mentionsSctpDrop(e); assert.match(e.summary, /assumed off/); } }],
  },
  {
    name: 'cilium with enable-extended-ip-protocols: SCTP is left to the policies, and said',
    // Cilium 1.19+ lets protocols its conntrack does not track reach the policies with this
    // option (cilium/cilium#39872, #44459); meshless does not model how, so it reports the
    // policies' answer, which allows at least what Cilium does.
    source: 'cilium/cilium pull request 39872 ("Add support for VRRP and IGMP in host fw": conntrack passes such protocols, gated by a flag) and 44459',
    world: xyz(),
    policies: [SCTP_PORTS_POLICY, SCTP_K8S_POLICY, ciliumConfig({ 'enable-sctp': 'false', 'enable-extended-ip-protocols': 'true' })].join('---'),
    probes: SCTP_ON_PROBES,
    diagnostics: ['cilium-sctp-not-judged'],
  },
];

describe('Cilium and SCTP (protocol ANY, enable-sctp)', () => {
  runRows(ciliumSctpRows);
});

// deny.rst's table: allow and deny policies on the same server pod (x/b), client x/a.
const DENY_TABLE_ALLOWS = [
  cnp('allow-l7-80', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEndpoints:
  - matchLabels: {role: frontend}
  toPorts:
  - ports:
    - {port: "80", protocol: TCP}
    rules:
      http:
      - {method: GET, path: /}
`),
  cnp('allow-l4-80', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- toPorts:
  - ports:
    - {port: "80", protocol: TCP}
`),
  cnp('allow-l4-81', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- toPorts:
  - ports:
    - {port: "81", protocol: TCP}
`),
  cnp('allow-l3-client', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingress:
- fromEndpoints:
  - matchLabels: {role: frontend}
`),
];
const DENY_L4_80 = cnp('deny-l4-80', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingressDeny:
- toPorts:
  - ports:
    - {port: "80", protocol: TCP}
`);
const DENY_L3_CLIENT = cnp('deny-l3-client', 'x', `
endpointSelector:
  matchLabels: {role: backend}
ingressDeny:
- fromEndpoints:
  - matchLabels: {role: frontend}
`);
const DENY_TABLE: readonly [string, string[], boolean, boolean][] = [
  // [column, policies, curl server:81 allowed, curl server:80 allowed]
  ['1: allows only', DENY_TABLE_ALLOWS, true, true],
  ['2: allows + deny 80/TCP', [...DENY_TABLE_ALLOWS, DENY_L4_80], true, false],
  ['3: allows + deny the client', [...DENY_TABLE_ALLOWS, DENY_L3_CLIENT], false, false],
  ['4: allows + both denies', [...DENY_TABLE_ALLOWS, DENY_L4_80, DENY_L3_CLIENT], false, false],
  ['5: deny 80/TCP only (the deny policy alone turns default deny on)', [DENY_L4_80], false, false],
];
runRows(DENY_TABLE.map(([col, policies, p81, p80]): Row => ({
  name: `cilium deny table, column ${col}`,
  source: 'cilium/cilium Documentation/security/policy/deny.rst (the allow/deny enforcement table; "Pods will enter default-deny mode as soon as a single policy selects it")',
  world: xyz(),
  policies: policies.join('---'),
  probes: [['x/a', 'x/b', '81/TCP', p81], ['x/a', 'x/b', '80/TCP', p80]],
  ...(policies.includes(DENY_TABLE_ALLOWS[0]!) ? { referenceSkip: 'the layered reference refuses L7 rules' } : {}),
})));
