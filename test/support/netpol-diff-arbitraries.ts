/**
 * Random small clusters for the diff property tests (src/netpol/diff.test.ts,
 * diff-scope.test.ts, test/diff-kept-checks.test.ts): three namespaces, up to nine pods with IPv4 and/or IPv6
 * addresses, up to four NetworkPolicies with selector, ipBlock and named-port peers.
 */
import fc from 'fast-check';

export type Obj = Record<string, unknown>;
export const LABELS = ['a', 'b'] as const;
export const BLOCKS = [
  { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] },
  { cidr: '8.8.0.0/16' },
  { cidr: '10.0.1.0/24' },
  { cidr: '0.0.0.0/0' },
  { cidr: '8.0.0.0/7', except: ['8.8.8.0/24'] },
  { cidr: '2001:db8::/32' },
  { cidr: 'fd00::/8', except: ['fd00::1:0/112'] },
] as const;
export const PORTS = [undefined, [{ port: 80 }], [{ port: 'http' }], [{ port: 8080, endPort: 8090 }], [{ port: 53, protocol: 'UDP' }], [{ port: 80 }, { port: 'http' }]] as const;

export const peerArb: fc.Arbitrary<Obj> = fc.oneof(
  fc.record({ podSelector: fc.constantFrom({}, { matchLabels: { app: 'a' } }, { matchLabels: { app: 'b' } }) }),
  fc.record({ namespaceSelector: fc.constantFrom({}, { matchLabels: { team: 'a' } }, { matchLabels: { 'kubernetes.io/metadata.name': 'n1' } }), podSelector: fc.constantFrom(undefined, { matchLabels: { app: 'a' } }) }).map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined))),
  fc.constantFrom(...BLOCKS).map((b) => ({ ipBlock: b })),
);
export const ruleArb = (dir: 'from' | 'to'): fc.Arbitrary<Obj> =>
  fc.record({ peers: fc.option(fc.array(peerArb, { minLength: 1, maxLength: 2 }), { nil: undefined }), ports: fc.constantFrom(...PORTS) }).map((r) => ({
    ...(r.peers ? { [dir]: r.peers } : {}),
    ...(r.ports ? { ports: r.ports } : {}),
  }));
export const policyArb = (i: number): fc.Arbitrary<Obj> =>
  fc.record({
    ns: fc.constantFrom('n0', 'n1', 'n2'),
    sel: fc.constantFrom({}, { matchLabels: { app: 'a' } }, { matchLabels: { app: 'b' } }),
    types: fc.constantFrom<string[]>(['Ingress'], ['Egress'], ['Ingress', 'Egress']),
    ingress: fc.array(ruleArb('from'), { maxLength: 2 }),
    egress: fc.array(ruleArb('to'), { maxLength: 2 }),
  }).map((p) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `p${i}`, namespace: p.ns },
    spec: { podSelector: p.sel, policyTypes: p.types, ...(p.types.includes('Ingress') ? { ingress: p.ingress } : {}), ...(p.types.includes('Egress') ? { egress: p.egress } : {}) },
  }));
/** Pods n{0..2}/p{0..2}: present or not, labels, port name, owner (workload w1 or w2 or none), IPv4, IPv6 or both. */
export const podArb = (n: number, m: number): fc.Arbitrary<Obj | undefined> =>
  fc.option(
    fc.record({ app: fc.constantFrom(...LABELS), port: fc.constantFrom(80, 8080), owner: fc.constantFrom(undefined, 'w1', 'w2'), ips: fc.constantFrom(['v4'], ['v6'], ['v4', 'v6']) }).map((p) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `p${m}`,
        namespace: `n${n}`,
        labels: { app: p.app, ...(p.owner ? { 'pod-template-hash': 'h' } : {}) },
        ...(p.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${p.owner}-h`, uid: 'u', controller: true }] } : {}),
      },
      spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: p.port }] }] },
      status: { podIPs: p.ips.map((f) => ({ ip: f === 'v4' ? `10.0.${n}.${m + 1}` : `fd00::${n}:${m + 1}` })) },
    })),
    { nil: undefined, freq: 5 },
  );
/** A cluster as objects: the three namespaces (labelled team=a|b), some pods, some policies. */
export interface RandomCluster {
  readonly namespaces: readonly Obj[];
  readonly pods: readonly Obj[];
  readonly policies: readonly Obj[];
}

export const clusterArb: fc.Arbitrary<RandomCluster> = fc
  .record({
    nsTeams: fc.tuple(fc.constantFrom(...LABELS), fc.constantFrom(...LABELS), fc.constantFrom(...LABELS)),
    pods: fc.tuple(...[0, 1, 2].flatMap((n) => [0, 1, 2].map((m) => podArb(n, m)))),
    policies: fc.integer({ min: 0, max: 4 }).chain((k) => fc.tuple(...Array.from({ length: k }, (_, i) => policyArb(i)))),
  })
  .map((v) => ({
    namespaces: v.nsTeams.map((t, i) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `n${i}`, labels: { team: t } } })),
    pods: v.pods.filter((p) => p !== undefined),
    policies: v.policies,
  }));

/** The cluster as a multi-document YAML (JSON documents) text. */
export const clusterText = (c: RandomCluster): string => [...c.namespaces, ...c.pods, ...c.policies].map((o) => JSON.stringify(o)).join('\n---\n');

export const versionArb: fc.Arbitrary<string> = clusterArb.map(clusterText);

/** New rules for a policy, each naming its peers (a rule for every peer leaves nothing to scope). */
const rulesArb = (dir: 'from' | 'to'): fc.Arbitrary<Obj[]> =>
  fc.array(fc.record({ peers: fc.array(peerArb, { minLength: 1, maxLength: 2 }), ports: fc.constantFrom(...PORTS) }).map((r) => ({ [dir]: r.peers, ...(r.ports ? { ports: r.ports } : {}) })), { maxLength: 2 });

/** The same policy (same pods, same types) with other rules: what most reviewed changes are. */
function withRules(p: Obj, ingress: Obj[], egress: Obj[]): Obj {
  const spec = p['spec'] as Obj;
  const types = spec['policyTypes'] as string[];
  return { ...p, spec: { ...spec, ...(types.includes('Ingress') ? { ingress } : {}), ...(types.includes('Egress') ? { egress } : {}) } };
}

/**
 * A second version that differs from the first in its policies (kept, given other
 * rules, dropped, rewritten, added), and now and then in a pod's labels.
 */
export const changeArb: fc.Arbitrary<[RandomCluster, RandomCluster]> = clusterArb.chain((base) =>
  fc
    .record({
      fate: fc.array(fc.constantFrom('keep', 'rules', 'rules', 'drop', 'rewrite'), { minLength: base.policies.length, maxLength: base.policies.length }),
      rules: fc.tuple(...base.policies.map(() => fc.tuple(rulesArb('from'), rulesArb('to')))),
      rewritten: fc.tuple(...base.policies.map((_, i) => policyArb(i))),
      added: fc.array(fc.nat(3), { maxLength: 1 }).chain((ids) => fc.tuple(...ids.map((i) => policyArb(10 + i)))),
      relabel: fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat(8) }),
    })
    .map(({ fate, rules, rewritten, added, relabel }) => {
      const policies: Obj[] = [];
      base.policies.forEach((p, i) => {
        if (fate[i] === 'keep') policies.push(p);
        else if (fate[i] === 'rules') policies.push(withRules(p, ...rules[i]!));
        else if (fate[i] === 'rewrite') policies.push(rewritten[i]!);
      });
      policies.push(...added);
      // A pod's labels changed now and then: then nothing is scoped, and both comparisons must still agree.
      const pods = base.pods.map((p, i) => (i === relabel ? { ...p, metadata: { ...(p['metadata'] as Obj), labels: { app: 'z' } } } : p));
      return [base, { namespaces: base.namespaces, pods, policies }];
    }),
);
