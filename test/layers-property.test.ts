/**
 * Property: on random small VALID clusters with policy layers (AdminNetworkPolicy,
 * BaselineAdminNetworkPolicy, ClusterNetworkPolicy, Calico tiers and policies and,
 * unless LAYERS_PROPERTY_CILIUM=0, Cilium policies) the engine answers exactly what the
 * brute-force layered reference (test/reference/layers-evaluator.ts) answers, for every
 * ordered pod pair (self included) and pod <-> external address, on several
 * (port, protocol) probes.
 *
 * LAYERS_PROPERTY_RUNS (default 150) sets the runs, LAYERS_PROPERTY_SEED replays one.
 * The other tests here hold the generator and the reference to account without the
 * engine: the reference answers every generated cluster, and without layer objects it
 * agrees exactly with the v1 reference (test/reference/evaluator.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { buildInventory } from '../src/model/inventory.js';
import { analyze } from '../src/netpol/analysis.js';
import { ReferenceCluster, type Peer } from './reference/evaluator.js';
import { LayeredReferenceCluster } from './reference/layers-evaluator.js';
import { CILIUM_IN_PROPERTY, EXTERNAL_IPS, FIXED_PROBES, layeredClusterArb, type LayeredCluster, type Obj, type Protocol } from './support/layers-arbitraries.js';

const RUNS = Number(process.env['LAYERS_PROPERTY_RUNS'] ?? 150);
const SEED = process.env['LAYERS_PROPERTY_SEED'];

type EngineEndpoint = string | { ip: string };
const toEngine = (p: Peer): EngineEndpoint => ('pod' in p ? p.pod : { ip: p.ip });
const fmt = (p: Peer): string => ('pod' in p ? p.pod : p.ip);
const dump = (objects: readonly Obj[]): string => objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: 200 })).join('---\n');

/** Every question asked of a cluster: ordered pod pairs, and pods to and from external addresses. */
function questions(pods: readonly string[]): [Peer, Peer][] {
  const pairs: [Peer, Peer][] = [];
  for (const a of pods) {
    for (const b of pods) pairs.push([{ pod: a }, { pod: b }]);
    for (const ip of EXTERNAL_IPS) pairs.push([{ pod: a }, { ip }], [{ ip }, { pod: a }]);
  }
  return pairs;
}

function compareWithEngine({ objects, probe }: LayeredCluster): void {
  const inv = buildInventory(objects.map((value, i) => ({ value, source: { file: 'generated', doc: i, line: 1 } })));
  const errors = inv.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`the engine reports errors on a valid cluster:\n${errors.map((d) => `  [${d.code}] ${d.path ?? ''} ${d.message}`).join('\n')}\n--- cluster:\n${dump(objects)}`);
  const analysis = analyze(inv);
  const reference = new LayeredReferenceCluster(objects);
  const pods = reference.podIds();
  assert.deepEqual(inv.endpoints.map((e) => e.id).sort(), pods, `endpoints differ\n--- cluster:\n${dump(objects)}`);
  const mismatches: string[] = [];
  for (const [port, protocol] of [...FIXED_PROBES, probe]) {
    for (const [from, to] of questions(pods)) {
      const want = reference.allowed(from, to, port, protocol);
      const got = analysis.isAllowed(toEngine(from), toEngine(to), port, protocol);
      if (got !== want) mismatches.push(`${fmt(from)} -> ${fmt(to)} ${port}/${protocol}: reference ${want ? 'allowed' : 'denied'}, engine ${got ? 'allowed' : 'denied'}`);
    }
  }
  if (mismatches.length > 0) {
    throw new Error(`engine and layered reference disagree on ${mismatches.length} question(s):\n  ${mismatches.slice(0, 12).join('\n  ')}${mismatches.length > 12 ? '\n  ...' : ''}\n--- cluster:\n${dump(objects)}`);
  }
}

/** fc.check, failing with the shrunk counterexample's own message first (the reporter hides causes). */
function checkProperty(arb: fc.Arbitrary<LayeredCluster>, body: (c: LayeredCluster) => void, numRuns: number, seed: number | undefined): void {
  const details = fc.check(
    fc.property(arb, (c) => {
      try {
        body(c);
      } catch (e) {
        if (e instanceof Error && e.message.includes('\n--- cluster:\n')) throw e;
        throw new Error(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n--- cluster:\n${dump(c.objects)}`, { cause: e });
      }
    }),
    { numRuns, ...(seed !== undefined ? { seed } : {}) },
  );
  if (details.failed) {
    const err = details.errorInstance;
    assert.fail(
      `${err instanceof Error ? err.message : String(err)}\n\n` +
        `(seed ${details.seed}, path "${details.counterexamplePath ?? ''}", after ${details.numRuns} run(s) and ${details.numShrinks} shrink(s); ` +
        'replay with LAYERS_PROPERTY_SEED=<seed>)',
    );
  }
  assert.ok(details.numRuns >= numRuns, `only ${details.numRuns} runs`);
}

test(`engine agrees with the layered reference on random clusters with layers${CILIUM_IN_PROPERTY ? ' (Cilium included)' : ''}`, () => {
  checkProperty(layeredClusterArb({ layers: true, cilium: CILIUM_IN_PROPERTY }), compareWithEngine, RUNS, SEED === undefined ? undefined : Number(SEED));
});

test('the layered reference answers every question on generated clusters (Cilium included)', () => {
  checkProperty(
    layeredClusterArb({ layers: true, cilium: true }),
    ({ objects, probe }) => {
      const reference = new LayeredReferenceCluster(objects);
      for (const [port, protocol] of [...FIXED_PROBES, probe]) for (const [from, to] of questions(reference.podIds())) reference.allowed(from, to, port, protocol);
    },
    Math.max(50, Math.round(RUNS / 2)),
    21,
  );
});

test('without layer objects the layered reference agrees exactly with the v1 reference', () => {
  checkProperty(
    layeredClusterArb({ layers: false, cilium: false }),
    ({ objects, probe }) => {
      const layered = new LayeredReferenceCluster(objects);
      const v1 = new ReferenceCluster(objects);
      assert.deepEqual(layered.podIds(), v1.podIds());
      const mismatches: string[] = [];
      for (const [port, protocol] of [...FIXED_PROBES, probe]) {
        for (const [from, to] of questions(v1.podIds())) {
          const want = v1.allowed(from, to, port, protocol);
          if (layered.allowed(from, to, port, protocol) !== want) mismatches.push(`${fmt(from)} -> ${fmt(to)} ${port}/${protocol}: v1 reference ${want ? 'allowed' : 'denied'}`);
        }
      }
      if (mismatches.length > 0) throw new Error(`layered and v1 references disagree:\n  ${mismatches.slice(0, 12).join('\n  ')}\n--- cluster:\n${dump(objects)}`);
    },
    Math.max(100, RUNS),
    5,
  );
});

test('the layer generator is not degenerate: every feature shows up, answers are mixed', () => {
  const samples = fc.sample(layeredClusterArb({ layers: true, cilium: true }), { numRuns: 300, seed: 9 });
  const seen = new Map<string, number>();
  const count = (feature: string, yes: boolean): void => {
    if (yes) seen.set(feature, (seen.get(feature) ?? 0) + 1);
  };
  const probes: readonly (readonly [number, Protocol])[] = [[80, 'TCP'], [53, 'UDP']];
  let asked = 0;
  let allowed = 0;
  for (const { objects } of samples) {
    const text = yaml.dump(objects, { lineWidth: -1 });
    const kinds = new Set(objects.map((o) => `${String(o['kind'])}${o['kind'] === 'ClusterNetworkPolicy' ? `/${String((o['spec'] as Obj)['tier'])}` : ''}`));
    for (const k of ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy/Admin', 'ClusterNetworkPolicy/Baseline', 'Tier', 'GlobalNetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy']) count(k, kinds.has(k));
    count('Calico NetworkPolicy', objects.some((o) => o['kind'] === 'NetworkPolicy' && o['apiVersion'] === 'projectcalico.org/v3'));
    count('v1beta1', text.includes('policy.networking.k8s.io/v1beta1'));
    for (const f of ['action: Pass', 'action: Log', 'action: Accept', 'defaultAction: Pass', 'notSelector:', 'notNets:', 'notPorts:', 'nets:', 'portRange:', 'namedPort:', 'destinationNamedPort:', 'networks:', 'domainNames:', 'ingressDeny:', 'egressDeny:', 'toCIDRSet:', 'fromEntities:', 'k8s:io.kubernetes.pod.namespace', ' || ', ' not in {', '!has(']) {
      count(f, text.includes(f));
    }
    count('Calico port range', /- '?\d+:\d+'?\n/.test(text));
    count('Calico order missing', objects.some((o) => String(o['apiVersion']).startsWith('projectcalico.org') && o['kind'] !== 'Tier' && !('order' in (o['spec'] as Obj))));
    count('policy in a user tier', objects.some((o) => ['security', 'platform'].includes(String((o['spec'] as Obj | undefined)?.['tier']))));
    const ref = new LayeredReferenceCluster(objects);
    for (const [port, protocol] of probes) {
      for (const a of ref.podIds()) {
        for (const b of ref.podIds()) {
          asked++;
          if (ref.allowed({ pod: a }, { pod: b }, port, protocol)) allowed++;
        }
      }
    }
  }
  const rare = [...seen.keys(), 'Calico port range', 'Calico order missing', 'policy in a user tier', 'Calico NetworkPolicy', 'v1beta1'].filter((f) => (seen.get(f) ?? 0) < 10);
  assert.deepEqual([...new Set(rare)], [], `features seen in fewer than 10 of 300 clusters: ${JSON.stringify(Object.fromEntries(seen))}`);
  assert.ok(seen.size >= 30, `only ${seen.size} features seen: ${JSON.stringify(Object.fromEntries(seen))}`);
  const fraction = allowed / asked;
  assert.ok(fraction > 0.2 && fraction < 0.9, `allowed fraction ${fraction.toFixed(2)} should be mixed`);
});
