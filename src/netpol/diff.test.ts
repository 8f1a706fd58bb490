import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { versionArb } from '../../test/support/netpol-diff-arbitraries.js';
import { inventoryFromTexts, type InputText } from '../load/text.js';
import { analyze, type Analysis, type Peer } from './analysis.js';
import { byNamespace, diffConnectivity, externalPieces, openedConnections, subtractPorts, type ConnectivityDiff, type DiffQuery } from './diff.js';
import { ALL_PORTS, EMPTY_PORTS, equals, formatPorts, hasPort, isEmpty, portRange, union, type PortSet } from './ports.js';
import type { Level } from './reach.js';

// ---- fixtures -----------------------------------------------------------------

const ns = (name: string, labels = ''): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: {${labels}}\n---\n`;
const workload = (kind: string, n: string, name: string, labels: string, ports: string): string =>
  `apiVersion: apps/v1\nkind: ${kind}\nmetadata: {name: ${name}, namespace: ${n}}\nspec:\n  template:\n    metadata: {labels: {${labels}}}\n    spec: {containers: [{name: c, ports: ${ports}}]}\n---\n`;
const np = (n: string, name: string, spec: string): string =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${n}}\nspec:\n${spec.split('\n').map((l) => `  ${l}`).join('\n')}\n---\n`;

const WORKLOADS =
  ns('web') + ns('api') + ns('payments', 'meshless.dev/data: "true"') +
  workload('Deployment', 'web', 'web', 'app: web', '[{containerPort: 8080, name: http}]') +
  workload('Deployment', 'api', 'api', 'app: api', '[{containerPort: 8080, name: http}, {containerPort: 9090, name: metrics}]') +
  workload('StatefulSet', 'payments', 'db', 'app: db', '[{containerPort: 5432, name: postgres}]');
const DB_LABELLED = WORKLOADS.replace('app: db}', 'app: db, monitoring: enabled}');

const DENY = (n: string): string => np(n, 'default-deny', 'podSelector: {}\npolicyTypes: [Ingress]');
const API_FROM_WEB = np('api', 'api-from-web', 'podSelector: {matchLabels: {app: api}}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}}\n  ports:\n  - port: http\n- from:\n  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: payments}}\n  ports:\n  - port: metrics\n  - port: 9090');
/** The same two rules, in the other order, with the ports of the second swapped. */
const API_FROM_WEB_REORDERED = np('api', 'api-from-web', 'podSelector: {matchLabels: {app: api}}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: payments}}\n  ports:\n  - port: 9090\n  - port: metrics\n- from:\n  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}}\n  ports:\n  - port: http');
const DB_FROM_API = np('payments', 'db-from-api', 'podSelector: {matchLabels: {app: db}}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: api}}\n    podSelector: {matchLabels: {app: api}}\n  ports:\n  - port: postgres');
/** Harmless until some pod carries `monitoring: enabled`: then that pod accepts anything from anywhere. */
const OPEN_FOR_MONITORING = np('payments', 'allow-monitoring', 'podSelector: {matchLabels: {monitoring: enabled}}\ningress:\n- {}');

const POLICIES = DENY('web') + DENY('api') + DENY('payments') + API_FROM_WEB + DB_FROM_API + OPEN_FOR_MONITORING;

function analysis(inputs: readonly InputText[]): Analysis {
  return analyze(inventoryFromTexts(inputs), { podCidrs: ['10.0.0.0/8'] });
}
const one = (text: string): InputText[] => [{ file: 'all.yaml', text }];

/** `from > to ports` lines, for readable expectations. */
function lines(d: ConnectivityDiff): { added: string[]; removed: string[]; changed: string[] } {
  const p = (x: PortSet): string => formatPorts(x).join(',');
  return {
    added: d.added.map((e) => `${e.from} > ${e.to} ${p(e.ports)}`),
    removed: d.removed.map((e) => `${e.from} > ${e.to} ${p(e.ports)}`),
    changed: d.changed.map((e) => `${e.from} > ${e.to} +${p(e.opened)} -${p(e.closed)}`),
  };
}

const NO_CHANGE = { added: [], removed: [], changed: [] };

/** `text` with `from` replaced by `to`; throws when `from` is not there, so a case cannot silently test nothing. */
function swap(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

// ---- the table ------------------------------------------------------------------

interface Case {
  readonly name: string;
  readonly before: InputText[];
  readonly after: InputText[];
  readonly level?: Level;
  readonly expect: { added: string[]; removed: string[]; changed: string[] };
}

const CASES: readonly Case[] = [
  {
    name: 'moving a policy to another file changes nothing',
    before: one(WORKLOADS + POLICIES),
    after: [
      { file: 'workloads.yaml', text: WORKLOADS + DENY('web') + DENY('api') + DENY('payments') + OPEN_FOR_MONITORING },
      { file: 'policies/api.yaml', text: API_FROM_WEB },
      { file: 'policies/payments.yaml', text: DB_FROM_API },
    ],
    expect: NO_CHANGE,
  },
  {
    name: 'reordering policies, rules, peers and ports changes nothing',
    before: one(WORKLOADS + POLICIES),
    after: one(WORKLOADS + OPEN_FOR_MONITORING + DB_FROM_API + API_FROM_WEB_REORDERED + DENY('payments') + DENY('api') + DENY('web')),
    expect: NO_CHANGE,
  },
  {
    name: 'renaming a policy without changing its effect changes nothing',
    before: one(WORKLOADS + POLICIES),
    after: one(WORKLOADS + swap(swap(POLICIES, 'name: db-from-api', 'name: payments-db-ingress'), 'name: default-deny, namespace: web', 'name: deny-all, namespace: web')),
    expect: NO_CHANGE,
  },
  {
    name: 'splitting a policy in two with the same union, numbers for names, changes nothing',
    before: one(WORKLOADS + POLICIES),
    after: one(
      WORKLOADS + DENY('web') + DENY('api') + DENY('payments') + DB_FROM_API + OPEN_FOR_MONITORING +
        np('api', 'from-web', 'podSelector: {matchLabels: {app: api}}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}}\n  ports:\n  - port: 8080') +
        np('api', 'from-payments', 'podSelector: {matchLabels: {app: api}}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: payments}}\n  ports:\n  - port: 9090'),
    ),
    expect: NO_CHANGE,
  },
  {
    name: 'a label on the database opens it to the whole cluster and the internet',
    before: one(WORKLOADS + POLICIES),
    after: one(DB_LABELLED + POLICIES),
    expect: {
      added: [
        'ip:other > payments/statefulset/db all',
        'payments/statefulset/db > payments/statefulset/db all',
        'web/deployment/web > payments/statefulset/db all',
      ],
      removed: [],
      // api already reached the database on 5432: it is the same pair, widened to every port.
      changed: ['api/deployment/api > payments/statefulset/db +1-5431/TCP,5433-65535/TCP,UDP,SCTP -'],
    },
  },
  {
    name: 'the same label, namespace to namespace',
    before: one(WORKLOADS + POLICIES),
    after: one(DB_LABELLED + POLICIES),
    level: 'namespace',
    expect: {
      added: ['ip:other > payments all', 'payments > payments all', 'web > payments all'],
      removed: [],
      changed: ['api > payments +1-5431/TCP,5433-65535/TCP,UDP,SCTP -'],
    },
  },
  {
    name: 'widening a port to a range is a change with the opened ports',
    before: one(WORKLOADS + POLICIES),
    after: one(WORKLOADS + swap(POLICIES, '    ports:\n    - port: http\n', '    ports:\n    - port: 8080\n      endPort: 8090\n')),
    expect: { added: [], removed: [], changed: ['web/deployment/web > api/deployment/api +8081-8090/TCP -'] },
  },
  {
    name: 'moving a port: opened and closed on the same pair',
    before: one(WORKLOADS + POLICIES),
    after: one(WORKLOADS + swap(POLICIES, '    - port: metrics\n    - port: 9090', '    - port: 9091')),
    expect: { added: [], removed: [], changed: ['payments/statefulset/db > api/deployment/api +9091/TCP -9090/TCP'] },
  },
  {
    name: 'deleting an allow policy removes its connections',
    before: one(WORKLOADS + POLICIES),
    after: one(WORKLOADS + swap(POLICIES, DB_FROM_API, '')),
    expect: { added: [], removed: ['api/deployment/api > payments/statefulset/db 5432/TCP'], changed: [] },
  },
  {
    name: 'deleting a default deny opens the namespace',
    before: one(WORKLOADS + POLICIES),
    after: one(WORKLOADS + swap(POLICIES, DENY('web'), '')),
    expect: {
      added: [
        'api/deployment/api > web/deployment/web all',
        'ip:other > web/deployment/web all',
        'payments/statefulset/db > web/deployment/web all',
        'web/deployment/web > web/deployment/web all',
      ],
      removed: [],
      changed: [],
    },
  },
  {
    name: 'a new workload in a default-deny namespace reaches only what is not isolated',
    before: one(WORKLOADS + POLICIES),
    after: one(WORKLOADS + workload('Deployment', 'api', 'batch', 'app: batch', '[]') + POLICIES),
    expect: { added: ['api/deployment/batch > ip:other all'], removed: [], changed: [] },
  },
];

for (const c of CASES) {
  test(`diff: ${c.name}`, () => {
    const d = diffConnectivity(analysis(c.before), analysis(c.after), { level: c.level ?? 'workload' });
    assert.deepEqual(lines(d), c.expect);
  });
}

// ---- the parts ------------------------------------------------------------------

test('subtractPorts: what is in a and not in b', () => {
  const cases: [PortSet, PortSet, string[]][] = [
    [ALL_PORTS, portRange('TCP', 5432), ['1-5431/TCP', '5433-65535/TCP', 'UDP', 'SCTP']],
    [portRange('TCP', 8080, 8090), portRange('TCP', 8080), ['8081-8090/TCP']],
    [portRange('TCP', 80), portRange('UDP', 80), ['80/TCP']],
    [portRange('TCP', 80), ALL_PORTS, []],
    [EMPTY_PORTS, portRange('TCP', 80), []],
    [union(portRange('TCP', 1), portRange('TCP', 65535)), portRange('TCP', 2, 65534), ['1/TCP', '65535/TCP']],
  ];
  for (const [a, b, want] of cases) assert.deepEqual(formatPorts(subtractPorts(a, b)), want, `${formatPorts(a).join(',')} - ${formatPorts(b).join(',')}`);
});

test('external peers: when an ipBlock changes, both versions are compared on the pieces they share', () => {
  const egress = (except: string): string =>
    np('web', 'to-internet', `podSelector: {}\npolicyTypes: [Egress]\negress:\n- to:\n  - ipBlock: {cidr: 0.0.0.0/0, except: [${except}]}\n  ports:\n  - port: 443`);
  const before = analysis(one(WORKLOADS + egress('10.0.0.0/8')));
  const after = analysis(one(WORKLOADS + egress('10.0.0.0/8, 192.168.0.0/16')));
  const pieces = externalPieces(before.external, after.external).map((p) => [p.id, p.before?.id, p.after?.id]);
  assert.deepEqual(pieces, [
    ['ip:0.0.0.0/0 except 10.0.0.0/8, 192.168.0.0/16', 'ip:0.0.0.0/0 except 10.0.0.0/8', 'ip:0.0.0.0/0 except 10.0.0.0/8, 192.168.0.0/16'],
    ['ip:192.168.0.0/16', 'ip:0.0.0.0/0 except 10.0.0.0/8', 'ip:other'],
    ['ip:other', 'ip:other', 'ip:other'],
  ]);
  const d = diffConnectivity(before, after, { level: 'workload' });
  assert.deepEqual(lines(d), { added: [], removed: ['web/deployment/web > ip:192.168.0.0/16 443/TCP'], changed: [] });
  assert.deepEqual(d.external.find((x) => x.id === 'ip:192.168.0.0/16')?.cidrs, ['192.168.0.0/16']);
});

test('a pod whose controller changes is a different workload to each version', () => {
  const pod = (owner: string): string =>
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p1\n  namespace: web\n  labels: {app: web, pod-template-hash: abc}\n  ownerReferences: [{kind: ReplicaSet, name: ${owner}-abc, controller: true, apiVersion: apps/v1, uid: u}]\nspec: {containers: [{name: c}]}\nstatus: {podIP: 10.0.0.5}\n---\n`;
  const base = ns('web') + ns('api') + workload('Deployment', 'api', 'api', 'app: api', '[{containerPort: 8080, name: http}]') + DENY('web') + DENY('api') + API_FROM_WEB;
  const d = diffConnectivity(analysis(one(base + pod('old'))), analysis(one(base + pod('new'))), { level: 'workload' });
  assert.deepEqual(lines(d), {
    added: ['web/deployment/new > api/deployment/api 8080/TCP', 'web/deployment/new > ip:other all'],
    removed: ['web/deployment/old > api/deployment/api 8080/TCP', 'web/deployment/old > ip:other all'],
    changed: [],
  });
  assert.deepEqual(d.endpoints, { added: ['web/deployment/new'], removed: ['web/deployment/old'] });
  // At pod level it is the same pod with the same connections.
  assert.deepEqual(lines(diffConnectivity(analysis(one(base + pod('old'))), analysis(one(base + pod('new'))), { level: 'pod' })), NO_CHANGE);
});

test('a workload keeps its ports when only some of its pods lose them', () => {
  // Two pods of one Deployment; the allow policy narrows to one of them: the workload pair is unchanged.
  const pod = (name: string, extra: string): string =>
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: api\n  labels: {app: api, pod-template-hash: h1${extra}}\n  ownerReferences: [{kind: ReplicaSet, name: api-h1, controller: true, apiVersion: apps/v1, uid: u}]\nspec: {containers: [{name: c, ports: [{containerPort: 8080, name: http}]}]}\n---\n`;
  const base = ns('web') + ns('api') + workload('Deployment', 'web', 'web', 'app: web', '[]') + pod('api-1', ', canary: "yes"') + pod('api-2', '') + DENY('api');
  const allow = (sel: string): string => np('api', 'from-web', `podSelector: {matchLabels: {${sel}}}\ningress:\n- from:\n  - namespaceSelector: {}\n  ports:\n  - port: http`);
  const before = analysis(one(base + allow('app: api')));
  const after = analysis(one(base + allow('canary: "yes"')));
  assert.deepEqual(lines(diffConnectivity(before, after, { level: 'workload' })), NO_CHANGE);
  assert.deepEqual(lines(diffConnectivity(before, after, { level: 'pod' })).removed, ['api/api-2 > api/api-2 8080/TCP', 'api/api-1 > api/api-2 8080/TCP', 'web/deployment/web > api/api-2 8080/TCP'].sort());
});

test('filters and a port: the same semantics as reach', () => {
  const before = analysis(one(WORKLOADS + POLICIES));
  const after = analysis(one(DB_LABELLED + POLICIES));
  const q: DiffQuery = { level: 'workload', port: { port: 5432, protocol: 'TCP' }, from: (id) => !id.startsWith('ip:') };
  // api→db already allowed 5432: with the port, the pair is listed before and after with every port its role pairs allow.
  assert.deepEqual(lines(diffConnectivity(before, after, q)), {
    added: ['payments/statefulset/db > payments/statefulset/db all', 'web/deployment/web > payments/statefulset/db all'],
    removed: [],
    changed: ['api/deployment/api > payments/statefulset/db +1-5431/TCP,5433-65535/TCP,UDP,SCTP -'],
  });
  const toWeb = diffConnectivity(before, after, { level: 'workload', to: (id) => id.startsWith('web/') });
  assert.deepEqual(lines(toWeb), NO_CHANGE);
});

test('byNamespace sums up the opened and closed ports; openedConnections lists what a gate fails on', () => {
  const before = analysis(one(WORKLOADS + POLICIES));
  const after = analysis(one(DB_LABELLED + swap(POLICIES, DB_FROM_API, '')));
  const d = diffConnectivity(before, after, { level: 'workload' });
  const ns = byNamespace(d).map((r) => `${r.from} > ${r.to} +${formatPorts(r.opened).join(',')} -${formatPorts(r.closed).join(',')} (${r.added}/${r.removed}/${r.changed})`);
  assert.deepEqual(ns, ['api > payments +1-5431/TCP,5433-65535/TCP,UDP,SCTP - (0/0/1)', 'ip:other > payments +all - (1/0/0)', 'payments > payments +all - (1/0/0)', 'web > payments +all - (1/0/0)']);
  assert.deepEqual(openedConnections(d).map((e) => `${e.from} > ${e.to}`), ['api/deployment/api > payments/statefulset/db', 'ip:other > payments/statefulset/db', 'payments/statefulset/db > payments/statefulset/db', 'web/deployment/web > payments/statefulset/db']);
  const closing = diffConnectivity(before, analysis(one(WORKLOADS + swap(POLICIES, DB_FROM_API, ''))), { level: 'workload' });
  assert.deepEqual(openedConnections(closing), []);
});

// ---- property: the diff equals a brute-force comparison of every endpoint pair --------

/** Every endpoint pair (and outside piece) evaluated one by one with allowedPorts, summed up by level key. */
function reference(b: Analysis, a: Analysis, q: DiffQuery): Map<string, { before: PortSet; after: PortSet }> {
  const keyOf = (e: { id: string; workload: string; namespace: string }): string => (q.level === 'pod' ? e.id : q.level === 'workload' ? e.workload : e.namespace);
  interface End { id: string; keyB?: string; keyA?: string; peerB?: Peer; peerA?: Peer }
  const ends = new Map<string, End>();
  for (const [an, which] of [[b, 'B'], [a, 'A']] as const) {
    for (const c of an.classes) {
      for (const e of c.endpoints) {
        const end = ends.get(e.id) ?? { id: e.id };
        if (which === 'B') Object.assign(end, { keyB: keyOf(e), peerB: { kind: 'class', cls: c } });
        else Object.assign(end, { keyA: keyOf(e), peerA: { kind: 'class', cls: c } });
        ends.set(e.id, end);
      }
    }
  }
  // A piece of the outside world is asked about once per IP family it spans.
  for (const p of externalPieces(b.external, a.external)) {
    for (const family of [4, 6] as const) {
      if (p.set[family === 4 ? 'v4' : 'v6'].length === 0) continue;
      ends.set(`${p.id}#${family}`, {
        id: p.id,
        keyB: p.id,
        keyA: p.id,
        ...(p.before ? { peerB: { kind: 'external', atom: p.before, family } } : {}),
        ...(p.after ? { peerA: { kind: 'external', atom: p.after, family } } : {}),
      });
    }
  }
  const out = new Map<string, { before: PortSet; after: PortSet }>();
  const add = (k: string, which: 'before' | 'after', p: PortSet): void => {
    if (q.port && !hasPort(p, q.port.protocol, q.port.port)) return;
    if (isEmpty(p)) return;
    const cur = out.get(k) ?? { before: EMPTY_PORTS, after: EMPTY_PORTS };
    cur[which] = union(cur[which], p);
    out.set(k, cur);
  };
  for (const x of ends.values()) {
    if (q.from && !q.from(x.id)) continue;
    for (const y of ends.values()) {
      if (q.to && !q.to(y.id)) continue;
      if (x.peerB && y.peerB) add(`${x.keyB!} > ${y.keyB!}`, 'before', b.allowedPorts(x.peerB, y.peerB));
      if (x.peerA && y.peerA) add(`${x.keyA!} > ${y.keyA!}`, 'after', a.allowedPorts(x.peerA, y.peerA));
    }
  }
  for (const [k, v] of out) if (equals(v.before, v.after)) out.delete(k);
  return out;
}

test('property: diffConnectivity equals a brute-force comparison of every endpoint pair, at every level, with filters and ports', () => {
  fc.assert(
    fc.property(
      versionArb,
      versionArb,
      fc.constantFrom<Level>('pod', 'workload', 'namespace'),
      fc.constantFrom(undefined, { port: 80, protocol: 'TCP' as const }, { port: 8085, protocol: 'TCP' as const }, { port: 53, protocol: 'UDP' as const }),
      fc.constantFrom(undefined, 'n1/'),
      (tb, ta, level, port, toPrefix) => {
        const b = analyze(inventoryFromTexts([{ file: 'b.yaml', text: tb }]), { podCidrs: ['10.0.0.0/8', 'fd00::/8'] });
        const a = analyze(inventoryFromTexts([{ file: 'a.yaml', text: ta }]), { podCidrs: ['10.0.0.0/8', 'fd00::/8'] });
        const q: DiffQuery = { level, ...(port ? { port } : {}), ...(toPrefix ? { to: (id: string) => id.startsWith(toPrefix) } : {}) };
        const d = diffConnectivity(b, a, q);
        const got = new Map<string, { before: PortSet; after: PortSet }>();
        for (const e of d.added) got.set(`${e.from} > ${e.to}`, { before: EMPTY_PORTS, after: e.ports });
        for (const e of d.removed) got.set(`${e.from} > ${e.to}`, { before: e.ports, after: EMPTY_PORTS });
        for (const e of d.changed) {
          got.set(`${e.from} > ${e.to}`, { before: e.before, after: e.after });
          assert.ok(equals(union(e.opened, subtractPorts(e.before, e.closed)), e.after), 'opened and closed account for the change');
        }
        const want = reference(b, a, q);
        const fmt = (m: Map<string, { before: PortSet; after: PortSet }>): string[] =>
          [...m].map(([k, v]) => `${k}: ${formatPorts(v.before).join(',')} -> ${formatPorts(v.after).join(',')}`).sort();
        assert.deepEqual(fmt(got), fmt(want));
      },
    ),
    { numRuns: 150 },
  );
});
