/**
 * Property: on random small clusters the engine answers exactly what the brute-force
 * reference evaluator answers, for every ordered pod pair (self included), for pods
 * to and from external addresses, on several (port, protocol) probes.
 *
 * The clusters are VALID (the API server would accept every object), and small
 * alphabets make selectors collide often.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { buildInventory } from '../src/model/inventory.js';
import { analyze } from '../src/netpol/analysis.js';
import { reach, type ReachResult } from '../src/netpol/reach.js';
import { formatPorts, union, type PortSet } from '../src/netpol/ports.js';
import { ReferenceCluster, type Peer, type Protocol } from './reference/evaluator.js';

type Obj = Record<string, unknown>;

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
/** The empty string is a valid label value, and is not the same as a missing label. */
const VALUES = ['a', 'b', 'c', ''] as const;
const NS_KEYS = ['team', 'env'] as const;
const POD_KEYS = ['app', 'role', 'env'] as const;
const PORT_NUMBERS = [80, 81, 443, 8080, 53] as const;
const PORT_NAMES = ['http', 'dns', 'metrics'] as const;
const MAX_NS = 4;
const MAX_PODS = 4;
/**
 * Addresses outside the cluster. They stay outside the engine's default pod networks
 * (10.0.0.0/8, fd00::/8): the engine refuses to answer for an address inside them
 * that belongs to no known pod.
 */
const EXTERNAL_IPS = ['8.8.8.8', '8.8.4.4', '52.1.2.3', '2001:db8::1', '2001:db8:1::5'] as const;
const FIXED_PROBES: readonly (readonly [number, Protocol])[] = [
  [80, 'TCP'], [81, 'TCP'], [443, 'TCP'], [8080, 'TCP'], [53, 'UDP'], [53, 'TCP'], [80, 'SCTP'], [8080, 'UDP'],
];
const PROBE_PORTS = [1, 53, 79, 80, 81, 82, 442, 443, 444, 8079, 8080, 8081, 65535] as const;

/** Drops the keys whose value is undefined (a missing field, not a null one). */
function strip<T extends Obj>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** `arb` or missing (undefined), each half of the time (fast-check's freq: nil one time in `freq`). */
const opt = <T>(arb: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq });

// ---------------------------------------------------------------------------
// Addresses.

const podIpv4 = (n: number, m: number): string => `10.0.${n}.${m + 1}`;
const podIpv6 = (n: number, m: number): string => `fd00::${n}:${m + 1}`;

function ipv4Value(s: string): bigint {
  return s.split('.').reduce((v, p) => v * 256n + BigInt(Number(p)), 0n);
}
function formatIpv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((sh) => String((v >> sh) & 255n)).join('.');
}
function ipv6Value(s: string): bigint {
  const [l = '', r = ''] = s.split('::');
  const left = l === '' ? [] : l.split(':');
  const right = r === '' ? [] : r.split(':');
  const groups = s.includes('::') ? [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.reduce((v, g) => v * 65536n + BigInt(parseInt(g, 16)), 0n);
}
/** RFC 5952 text (the longest run of two or more zero groups compressed). */
function formatIpv6(v: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j > i ? j : i + 1;
  }
  const hex = g.map((x) => x.toString(16));
  return best < 0 ? hex.join(':') : `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

const V4_ANCHORS: readonly string[] = ['0.0.0.0', '10.0.0.0', '10.0.3.200', ...EXTERNAL_IPS.filter((ip) => !ip.includes(':'))];
const V6_ANCHORS: readonly string[] = ['::', 'fd00::', 'fd00::3:c8', ...EXTERNAL_IPS.filter((ip) => ip.includes(':'))];
for (let n = 0; n < MAX_NS; n++) {
  for (let m = 0; m < MAX_PODS; m++) {
    (V4_ANCHORS as string[]).push(podIpv4(n, m));
    (V6_ANCHORS as string[]).push(podIpv6(n, m));
  }
}

interface Family {
  readonly bits: number;
  readonly anchors: readonly string[];
  readonly prefixes: readonly number[];
  readonly value: (s: string) => bigint;
  readonly format: (v: bigint) => string;
}
const V4: Family = { bits: 32, anchors: V4_ANCHORS, prefixes: [0, 8, 16, 22, 24, 30, 31, 32], value: ipv4Value, format: formatIpv4 };
const V6: Family = { bits: 128, anchors: V6_ANCHORS, prefixes: [0, 16, 32, 64, 112, 120, 126, 128], value: ipv6Value, format: formatIpv6 };

const maskTo = (v: bigint, bits: number, prefix: number): bigint => (v >> BigInt(bits - prefix)) << BigInt(bits - prefix);

/** An ipBlock whose cidr is canonical and whose every except lies strictly inside it. */
function ipBlockArb(f: Family): fc.Arbitrary<Obj> {
  return fc
    .record({
      anchor: fc.constantFrom(...f.anchors),
      prefix: fc.constantFrom(...f.prefixes),
      except: opt(fc.array(fc.record({ anchor: fc.constantFrom(...f.anchors), extra: fc.nat(f.bits) }), { maxLength: 2 })),
    })
    .map(({ anchor, prefix, except }) => {
      const start = maskTo(f.value(anchor), f.bits, prefix);
      const hostMask = (1n << BigInt(f.bits - prefix)) - 1n;
      const ex =
        prefix === f.bits || except === undefined
          ? undefined
          : except.map(({ anchor: a, extra }) => {
              // Keep the anchor's host bits inside the cidr, then a longer prefix.
              const exPrefix = prefix + 1 + (extra % (f.bits - prefix));
              return `${f.format(maskTo(start | (f.value(a) & hostMask), f.bits, exPrefix))}/${exPrefix}`;
            });
      return strip({ cidr: `${f.format(start)}/${prefix}`, except: ex });
    });
}

// ---------------------------------------------------------------------------
// Selectors, peers, ports, rules, policies.

const labelsArb = (keys: readonly string[], values: readonly string[]): fc.Arbitrary<Record<string, string>> =>
  fc.tuple(...keys.map(() => opt(fc.constantFrom(...values)))).map((vals) => {
    const out: Record<string, string> = {};
    keys.forEach((k, i) => {
      const v = vals[i];
      if (v !== undefined) out[k] = v;
    });
    return out;
  });

/** A label selector over `keys`, each key with its own value alphabet. */
function selectorArb(valuesOf: Readonly<Record<string, readonly string[]>>): fc.Arbitrary<Obj> {
  const keys = Object.keys(valuesOf);
  const pair = fc.constantFrom(...keys).chain((key) => fc.constantFrom(...(valuesOf[key] ?? VALUES)).map((v) => [key, v] as const));
  const requirement = fc.constantFrom(...keys).chain((key) =>
    fc.oneof(
      fc.record({ key: fc.constant(key), operator: fc.constantFrom('In', 'NotIn'), values: fc.uniqueArray(fc.constantFrom(...(valuesOf[key] ?? VALUES)), { minLength: 1, maxLength: 2 }) }),
      fc.record({ key: fc.constant(key), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
    ),
  );
  return fc
    .record({
      matchLabels: opt(fc.array(pair, { maxLength: 2 }).map((ps) => Object.fromEntries(ps))),
      matchExpressions: opt(fc.array(requirement, { maxLength: 2 })),
    })
    .map(strip);
}

function arbitraries(nsNames: readonly string[]): { podSelector: fc.Arbitrary<Obj>; namespaceSelector: fc.Arbitrary<Obj> } {
  const podValues: Record<string, readonly string[]> = Object.fromEntries(POD_KEYS.map((k) => [k, VALUES]));
  const nsValues: Record<string, readonly string[]> = { ...Object.fromEntries(NS_KEYS.map((k) => [k, VALUES])), 'kubernetes.io/metadata.name': nsNames };
  return { podSelector: selectorArb(podValues), namespaceSelector: selectorArb(nsValues) };
}

const protocolArb = opt(fc.constantFrom(...PROTOCOLS));

const portEntryArb: fc.Arbitrary<Obj> = fc.oneof(
  fc.record({ protocol: protocolArb }).map(strip), // protocol-only, or {} (every TCP port)
  fc.record({ port: fc.constantFrom(53, 80, 81, 443, 8080, 65535), protocol: protocolArb }).map(strip),
  fc
    .record({ port: fc.constantFrom(1, 53, 79, 80, 81, 443, 8080), span: fc.constantFrom(0, 1, 2, 362, 8000), protocol: protocolArb })
    .map(({ port, span, protocol }) => strip({ port, endPort: Math.min(65535, port + span), protocol })),
  fc.record({ port: fc.constantFrom(...PORT_NAMES, 'grpc'), protocol: protocolArb }).map(strip),
);

function ruleArb(peerField: 'from' | 'to', peer: fc.Arbitrary<Obj>): fc.Arbitrary<Obj> {
  return fc
    .record({
      peers: fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant([]) }, { weight: 5, arbitrary: fc.array(peer, { minLength: 1, maxLength: 3 }) }),
      ports: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant([]) }, { weight: 4, arbitrary: fc.array(portEntryArb, { minLength: 1, maxLength: 3 }) }),
    })
    .map(({ peers, ports }) => strip({ [peerField]: peers, ports }));
}

function sectionArb(peerField: 'from' | 'to', peer: fc.Arbitrary<Obj>): fc.Arbitrary<Obj[] | undefined> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant<Obj[]>([]) },
    { weight: 1, arbitrary: fc.constant<Obj[]>([{}]) },
    { weight: 5, arbitrary: fc.array(ruleArb(peerField, peer), { minLength: 1, maxLength: 3 }) },
  );
}

// ---------------------------------------------------------------------------
// Clusters.

interface Cluster {
  readonly objects: readonly Obj[];
  readonly probe: readonly [number, Protocol];
}

const clusterArb: fc.Arbitrary<Cluster> = fc.integer({ min: 2, max: MAX_NS }).chain((nsCount) => {
  // The first namespace is `default`, where objects may leave metadata.namespace out.
  const nsNames = Array.from({ length: nsCount }, (_, i) => (i === 0 ? 'default' : `ns${i}`));
  const { podSelector, namespaceSelector } = arbitraries(nsNames);
  const peer = fc.oneof(
    fc.record({ podSelector }),
    fc.record({ namespaceSelector }),
    fc.record({ podSelector, namespaceSelector }),
    fc.record({ ipBlock: fc.oneof({ weight: 3, arbitrary: ipBlockArb(V4) }, { weight: 1, arbitrary: ipBlockArb(V6) }) }),
  );
  const containerPort = fc.record({ port: fc.constantFrom(...PORT_NUMBERS), protocol: protocolArb, name: opt(fc.constantFrom(...PORT_NAMES)) });
  const podArb = fc.record({
    labels: labelsArb(POD_KEYS, VALUES),
    ipv6: fc.boolean(),
    ports: fc.array(containerPort, { maxLength: 3 }),
    twoContainers: fc.boolean(),
  });
  const namespaceArb = fc.record({
    declared: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    labels: labelsArb(NS_KEYS, VALUES),
    pods: fc.array(podArb, { minLength: 1, maxLength: MAX_PODS }),
  });
  const policyArb = fc.record({
    ns: fc.nat(nsCount - 1),
    // Sometimes the name of an earlier policy: the later object replaces the earlier one.
    reuseName: fc.oneof({ weight: 7, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    // {} often, so that pods are isolated often.
    podSelector: fc.oneof(fc.constant({}), podSelector, podSelector),
    policyTypes: fc.constantFrom(undefined, [], ['Ingress'], ['Egress'], ['Ingress', 'Egress'], ['Egress', 'Ingress']),
    ingress: sectionArb('from', peer),
    egress: sectionArb('to', peer),
  });
  return fc
    .record({
      namespaces: fc.array(namespaceArb, { minLength: nsCount, maxLength: nsCount }),
      policies: fc.array(policyArb, { maxLength: 5 }),
      probe: fc.tuple(fc.constantFrom(...PROBE_PORTS), fc.constantFrom(...PROTOCOLS)),
      omitDefault: fc.boolean(),
      order: fc.array(fc.nat(1000), { minLength: 40, maxLength: 40 }),
    })
    .map(({ namespaces, policies, probe, omitDefault, order }): Cluster => {
      const objects: Obj[] = [];
      const nsField = (name: string): { namespace?: string } => (name === 'default' && omitDefault ? {} : { namespace: name });
      namespaces.forEach((ns, n) => {
        const name = nsNames[n]!;
        if (ns.declared) objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: ns.labels } });
        ns.pods.forEach((p, m) => {
          // Port names are unique within a pod.
          const seen = new Set<string>();
          const ports = p.ports.map(({ port, protocol, name: portName }) => {
            const unique = portName !== undefined && !seen.has(portName) ? portName : undefined;
            if (unique) seen.add(unique);
            return strip({ containerPort: port, protocol, name: unique });
          });
          const containers = p.twoContainers
            ? [
                { name: 'c0', image: 'registry.example/app:1', ports: ports.filter((_, i) => i % 2 === 0) },
                { name: 'c1', image: 'registry.example/app:1', ports: ports.filter((_, i) => i % 2 === 1) },
              ]
            : [{ name: 'c0', image: 'registry.example/app:1', ports }];
          const ips = p.ipv6 ? [podIpv4(n, m), podIpv6(n, m)] : [podIpv4(n, m)];
          objects.push({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: `p${m}`, ...nsField(name), labels: p.labels },
            spec: { containers },
            status: { phase: 'Running', podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) },
          });
        });
      });
      policies.forEach((pol, i) => {
        objects.push({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: pol.reuseName ? 'np0' : `np${i}`, ...nsField(nsNames[pol.ns]!) },
          spec: strip({ podSelector: pol.podSelector, policyTypes: pol.policyTypes, ingress: pol.ingress, egress: pol.egress }),
        });
      });
      // Input order must not matter, except between two objects of the same name (the later wins).
      const shuffled = objects.map((o, i) => ({ o, k: order[i] ?? 0, i })).sort((a, b) => a.k - b.k || a.i - b.i);
      return { objects: shuffled.map((x) => x.o), probe };
    });
});

// ---------------------------------------------------------------------------

type EngineEndpoint = string | { ip: string };
const toEngine = (p: Peer): EngineEndpoint => ('pod' in p ? p.pod : { ip: p.ip });
const fmt = (p: Peer): string => ('pod' in p ? p.pod : p.ip);

function check({ objects, probe }: Cluster): void {
  const dump = (): string => objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: 200 })).join('---\n');
  try {
    compare(objects, probe);
  } catch (e) {
    if (e instanceof Error && e.message.includes('\n--- cluster:\n')) throw e;
    throw new Error(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n--- cluster:\n${dump()}`, { cause: e });
  }
}

function compare(objects: readonly Obj[], probe: readonly [number, Protocol]): void {
  const dump = (): string => objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: 200 })).join('---\n');
  const inv = buildInventory(objects.map((value, i) => ({ value, source: { file: 'generated', doc: i, line: 1 } })));
  const errors = inv.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`the engine reports errors on a valid cluster:\n${errors.map((d) => `  [${d.code}] ${d.path ?? ''} ${d.message}`).join('\n')}\n--- cluster:\n${dump()}`);
  const analysis = analyze(inv);
  const reference = new ReferenceCluster(objects);
  const pods = reference.podIds();
  assert.deepEqual(inv.endpoints.map((e) => e.id).sort(), pods, `endpoints differ\n--- cluster:\n${dump()}`);

  const pairs: [Peer, Peer][] = [];
  for (const a of pods) {
    for (const b of pods) pairs.push([{ pod: a }, { pod: b }]);
    for (const ip of EXTERNAL_IPS) pairs.push([{ pod: a }, { ip }], [{ ip }, { pod: a }]);
  }
  const mismatches: string[] = [];
  for (const [port, protocol] of [...FIXED_PROBES, probe]) {
    for (const [from, to] of pairs) {
      const want = reference.allowed(from, to, port, protocol);
      const got = analysis.isAllowed(toEngine(from), toEngine(to), port, protocol);
      if (got !== want) mismatches.push(`${fmt(from)} -> ${fmt(to)} ${port}/${protocol}: reference ${want ? 'allowed' : 'denied'}, engine ${got ? 'allowed' : 'denied'}`);
    }
  }
  if (mismatches.length > 0) {
    throw new Error(`engine and reference disagree on ${mismatches.length} question(s):\n  ${mismatches.slice(0, 12).join('\n  ')}${mismatches.length > 12 ? '\n  ...' : ''}\n--- cluster:\n${dump()}`);
  }
}

test('engine agrees with the reference evaluator on random clusters', () => {
  const numRuns = Number(process.env['NETPOL_PROPERTY_RUNS'] ?? 300);
  const seed = process.env['NETPOL_PROPERTY_SEED'];
  const details = fc.check(
    fc.property(clusterArb, (c) => {
      check(c);
    }),
    { numRuns, ...(seed !== undefined ? { seed: Number(seed) } : {}) },
  );
  if (details.failed) {
    // The node test reporter does not print an error's cause: put the shrunk
    // counterexample's own message (mismatches and the cluster as YAML) first.
    const err = details.errorInstance;
    assert.fail(
      `${err instanceof Error ? err.message : String(err)}\n\n` +
        `(seed ${details.seed}, path "${details.counterexamplePath ?? ''}", after ${details.numRuns} run(s) and ${details.numShrinks} shrink(s); ` +
        'replay with NETPOL_PROPERTY_SEED=<seed>)',
    );
  }
  assert.ok(details.numRuns >= numRuns, `only ${details.numRuns} runs`);
});

test('workload and namespace levels are the pod level grouped, with and without filters', () => {
  const numRuns = Math.max(50, Math.round(Number(process.env['NETPOL_PROPERTY_RUNS'] ?? 300) / 3));
  fc.assert(
    fc.property(clusterArb, fc.integer({ min: 0, max: 3 }), ({ objects }, pick) => {
      const inv = buildInventory(objects.map((value, i) => ({ value, source: { file: 'generated', doc: i, line: 1 } })));
      const a = analyze(inv);
      const ns = [...inv.namespaces.keys()].sort();
      // Some filters keep one namespace's pods (and outside peers), some keep none of them.
      const keep = ns[pick % Math.max(1, ns.length)] ?? '';
      const filters: ({ from?: (id: string) => boolean; to?: (id: string) => boolean })[] = [{}, { from: (id) => id.startsWith(`${keep}/`) }, { to: (id) => id.startsWith(`${keep}/`) || id.startsWith('ip:') }];
      for (const f of filters) {
        const pods = reach(a, { level: 'pod', ...f });
        const groupOf = new Map(inv.endpoints.map((e) => [e.id, e]));
        for (const level of ['workload', 'namespace'] as const) {
          const key = (id: string): string => {
            const e = groupOf.get(id);
            return e ? (level === 'workload' ? e.workload : e.namespace) : id;
          };
          const want = new Map<string, PortSet>();
          for (const r of pods.allowed) {
            const k = `${key(r.from)} -> ${key(r.to)}`;
            const prev = want.get(k);
            want.set(k, prev ? union(prev, r.ports) : r.ports);
          }
          const got = reach(a, { level, ...f });
          const text = (m: ReachResult['allowed']): string[] => m.map((r) => `${r.from} -> ${r.to} ${formatPorts(r.ports).join(',')}`).sort();
          assert.deepEqual(text(got.allowed), [...want].map(([k, p]) => `${k} ${formatPorts(p).join(',')}`).sort(), level);
        }
      }
    }),
    { numRuns, seed: 11 },
  );
});

test('the generator is not degenerate: every feature shows up, answers are mixed', () => {
  const samples = fc.sample(clusterArb, { numRuns: 300, seed: 7 });
  const seen = new Map<string, number>();
  const count = (feature: string, yes: boolean): void => {
    if (yes) seen.set(feature, (seen.get(feature) ?? 0) + 1);
  };
  let questions = 0;
  let allowed = 0;
  for (const { objects } of samples) {
    const text = yaml.dump(objects);
    for (const op of ['In', 'NotIn', 'Exists', 'DoesNotExist']) count(`operator ${op}`, text.includes(`operator: ${op}\n`));
    count('named port in a policy', /\n\s+(- )?port: (http|dns|metrics)\n/.test(text));
    count('endPort', text.includes('endPort:'));
    count('except', text.includes('except:'));
    count('IPv6 ipBlock', /cidr: [0-9a-f]*::?[0-9a-f:]*\//.test(text));
    count('podSelector + namespaceSelector', /podSelector:[\s\S]*?namespaceSelector:/.test(text));
    count('policyTypes missing', objects.some((o) => o['kind'] === 'NetworkPolicy' && !('policyTypes' in (o['spec'] as Obj))));
    count('egress: []', text.includes('egress: []'));
    count('ingress: [{}]', /ingress:\n\s+- \{\}/.test(text));
    count('dual-stack pod', objects.some((o) => o['kind'] === 'Pod' && ((o['status'] as { podIPs: unknown[] }).podIPs.length > 1)));
    count('undeclared namespace', new ReferenceCluster(objects).podIds().some((id) => !objects.some((o) => o['kind'] === 'Namespace' && (o['metadata'] as Obj)['name'] === id.split('/')[0])));
    count('empty label value', text.includes(": ''"));
    count('namespace left out (default)', objects.some((o) => o['kind'] !== 'Namespace' && !('namespace' in (o['metadata'] as Obj))));
    count('policy name reused', new Set(objects.filter((o) => o['kind'] === 'NetworkPolicy').map((o) => JSON.stringify(o['metadata']))).size < objects.filter((o) => o['kind'] === 'NetworkPolicy').length);
    const ref = new ReferenceCluster(objects);
    for (const a of ref.podIds()) {
      for (const b of ref.podIds()) {
        questions++;
        if (ref.allowed({ pod: a }, { pod: b }, 80, 'TCP')) allowed++;
      }
    }
  }
  const rare = [...new Set([
    'operator In', 'operator NotIn', 'operator Exists', 'operator DoesNotExist', 'named port in a policy', 'endPort', 'except', 'IPv6 ipBlock',
    'podSelector + namespaceSelector', 'policyTypes missing', 'egress: []', 'ingress: [{}]', 'dual-stack pod', 'undeclared namespace',
    'empty label value', 'namespace left out (default)', 'policy name reused',
  ])].filter((f) => (seen.get(f) ?? 0) < 10);
  assert.deepEqual(rare, [], `features seen in fewer than 10 of 300 clusters: ${JSON.stringify(Object.fromEntries(seen))}`);
  const fraction = allowed / questions;
  assert.ok(fraction > 0.2 && fraction < 0.9, `allowed fraction ${fraction.toFixed(2)} should be mixed`);
});
