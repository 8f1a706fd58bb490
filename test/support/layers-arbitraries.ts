/**
 * fast-check generators of small VALID clusters with policy layers, for
 * test/layers-property.test.ts: 2–4 namespaces of 1–4 pods (IPv4 10.0.<n>.<m+1>),
 * labels from small alphabets (so that selectors collide often), networking.k8s.io/v1
 * NetworkPolicies and, with `layers`, AdminNetworkPolicies, a BaselineAdminNetworkPolicy,
 * ClusterNetworkPolicies (Admin/Baseline, v1alpha2/v1beta1), Calico Tiers,
 * GlobalNetworkPolicies and NetworkPolicies and, with `cilium`, CiliumNetworkPolicies,
 * CiliumClusterwideNetworkPolicies and sometimes a cilium-config ConfigMap (enable-sctp).
 *
 * Validity choices (what the API servers / admission would refuse is never made):
 * - admin-tier and baseline-tier priorities are unique (equal priorities are undefined
 *   upstream), and never 1000 in the baseline tier (the BANP's place);
 * - Calico orders are never exactly 1000 in the default tier (the v1 NetworkPolicies'
 *   place, where a tie would be broken by Calico's internal names); Calico policies in a
 *   user tier are named `<tier>.<name>`; ports only with protocol TCP/UDP/SCTP and only
 *   on the destination; only tiers that exist are named;
 * - Cilium rules have an L3 peer, or are L4-only with toPorts, or are `{}`.
 */
import fc from 'fast-check';

export type Obj = Record<string, unknown>;
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** Cilium objects in the property test: on unless LAYERS_PROPERTY_CILIUM=0 (to tell a Cilium failure from another). */
export const CILIUM_IN_PROPERTY = !['0', 'false', 'no'].includes((process.env['LAYERS_PROPERTY_CILIUM'] ?? '').toLowerCase());

export interface LayeredCluster {
  readonly objects: readonly Obj[];
  readonly probe: readonly [number, Protocol];
}

export interface LayerOptions {
  /** Cluster-wide and Calico objects (else Namespaces, Pods and v1 NetworkPolicies only). */
  readonly layers: boolean;
  /** Cilium objects too. */
  readonly cilium: boolean;
}

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const VALUES = ['a', 'b', 'c', ''] as const;
const NS_KEYS = ['team', 'env'] as const;
const POD_KEYS = ['app', 'role', 'env'] as const;
const PORT_NUMBERS = [80, 81, 443, 8080, 53] as const;
const PORT_NAMES = ['http', 'dns', 'metrics'] as const;
const MAX_NS = 4;
const MAX_PODS = 4;

/** Addresses outside the cluster (and outside the engine's default pod network 10.0.0.0/8). */
export const EXTERNAL_IPS = ['8.8.8.8', '8.8.4.4', '52.1.2.3'] as const;
export const FIXED_PROBES: readonly (readonly [number, Protocol])[] = [
  [80, 'TCP'], [81, 'TCP'], [443, 'TCP'], [8080, 'TCP'], [53, 'UDP'], [53, 'TCP'], [80, 'SCTP'],
];
const PROBE_PORTS = [1, 53, 79, 80, 81, 82, 443, 444, 8080, 8081, 65535] as const;

/** Canonical IPv4 CIDRs that hit pods, the external addresses, both or neither. */
const CIDRS = ['0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/16', '10.0.1.0/24', '10.0.2.0/24', '10.0.0.1/32', '10.0.1.2/32', '8.0.0.0/7', '8.8.0.0/16', '8.8.8.0/24', '8.8.8.8/32', '52.0.0.0/8'] as const;

function ipv4Value(s: string): number {
  return s.split('.').reduce((v, p) => v * 256 + Number(p), 0);
}
/** Is CIDR `inner` strictly inside CIDR `outer`? */
function strictlyInside(inner: string, outer: string): boolean {
  const [ia = '', ip = '0'] = inner.split('/');
  const [oa = '', op = '0'] = outer.split('/');
  if (Number(ip) <= Number(op)) return false;
  const span = 2 ** (32 - Number(op));
  return Math.floor(ipv4Value(ia) / span) === Math.floor(ipv4Value(oa) / span);
}

/** Drops the keys whose value is undefined (a missing field, not a null one). */
export function strip<T extends Obj>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** `arb` or missing (undefined), each half of the time (nil one time in `freq`). */
const opt = <T>(arb: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq });
/** `arb` one time in `oneIn`, else missing. */
const rare = <T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 1, arbitrary: arb }, { weight: oneIn - 1, arbitrary: fc.constant(undefined) });

const cidrArb = fc.constantFrom(...CIDRS);
const cidrWithExceptArb: fc.Arbitrary<{ cidr: string; except: string[] | undefined }> = cidrArb.chain((cidr) => {
  const inside = CIDRS.filter((c) => strictlyInside(c, cidr));
  return fc.record({ cidr: fc.constant(cidr), except: inside.length === 0 ? fc.constant(undefined) : opt(fc.uniqueArray(fc.constantFrom(...inside), { minLength: 1, maxLength: 2 })) });
});

// ---------------------------------------------------------------------------
// Labels and selectors.

const labelsArb = (keys: readonly string[], values: readonly string[]): fc.Arbitrary<Record<string, string>> =>
  fc.tuple(...keys.map(() => opt(fc.constantFrom(...values)))).map((vals) => {
    const out: Record<string, string> = {};
    keys.forEach((k, i) => {
      const v = vals[i];
      if (v !== undefined) out[k] = v;
    });
    return out;
  });

/** A Kubernetes label selector over `keys`, each key with its own value alphabet. */
function k8sSelectorArb(valuesOf: Readonly<Record<string, readonly string[]>>): fc.Arbitrary<Obj> {
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

/** A Calico selector (text) over `keys`, each key with its own value alphabet. */
function calicoSelectorArb(valuesOf: Readonly<Record<string, readonly string[]>>): fc.Arbitrary<string> {
  const keys = Object.keys(valuesOf);
  const quote = (v: string, dq: boolean): string => (dq ? `"${v}"` : `'${v}'`);
  const leaf: fc.Arbitrary<string> = fc.oneof(
    { weight: 1, arbitrary: fc.constant('all()') },
    {
      weight: 6,
      arbitrary: fc.constantFrom(...keys).chain((key) => {
        const values = valuesOf[key] ?? VALUES;
        const v = fc.constantFrom(...values);
        return fc.oneof(
          fc.tuple(v, fc.boolean()).map(([x, dq]) => `${key} == ${quote(x, dq)}`),
          fc.tuple(v, fc.boolean()).map(([x, dq]) => `${key} != ${quote(x, dq)}`),
          fc.tuple(fc.uniqueArray(v, { minLength: 1, maxLength: 2 }), fc.boolean()).map(([xs, dq]) => `${key} in {${xs.map((x) => quote(x, dq)).join(', ')}}`),
          fc.tuple(fc.uniqueArray(v, { minLength: 1, maxLength: 2 }), fc.boolean()).map(([xs, dq]) => `${key} not in {${xs.map((x) => quote(x, dq)).join(',')}}`),
          fc.constant(`has(${key})`),
          fc.constant(`!has(${key})`),
        );
      }),
    },
  );
  const { expr } = fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 4, arbitrary: leaf },
      { weight: 1, arbitrary: tie('expr').map((e) => `!(${e})`) },
      { weight: 1, arbitrary: fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a}) && (${b})`) },
      { weight: 1, arbitrary: fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `${a} || ${b}`) },
    ),
  }));
  return expr;
}

// ---------------------------------------------------------------------------
// Pieces shared by the policy kinds.

interface Alphabets {
  readonly nsNames: readonly string[];
  readonly podSelector: fc.Arbitrary<Obj>;
  readonly namespaceSelector: fc.Arbitrary<Obj>;
  readonly calicoPodSelector: fc.Arbitrary<string>;
  readonly calicoNamespaceSelector: fc.Arbitrary<string>;
}

function alphabets(nsNames: readonly string[]): Alphabets {
  const podValues: Record<string, readonly string[]> = Object.fromEntries(POD_KEYS.map((k) => [k, VALUES]));
  const nsValues: Record<string, readonly string[]> = { ...Object.fromEntries(NS_KEYS.map((k) => [k, VALUES])), 'kubernetes.io/metadata.name': nsNames };
  return {
    nsNames,
    podSelector: k8sSelectorArb(podValues),
    namespaceSelector: k8sSelectorArb(nsValues),
    calicoPodSelector: calicoSelectorArb({ ...podValues, 'projectcalico.org/namespace': nsNames }),
    calicoNamespaceSelector: calicoSelectorArb({ ...nsValues, 'projectcalico.org/name': nsNames }),
  };
}

const protocolArb = opt(fc.constantFrom(...PROTOCOLS));

// --- networking.k8s.io/v1 ---------------------------------------------------

function k8sPolicyArb(a: Alphabets): fc.Arbitrary<{ ns: number; spec: Obj }> {
  const peer = fc.oneof(
    fc.record({ podSelector: a.podSelector }),
    fc.record({ namespaceSelector: a.namespaceSelector }),
    fc.record({ podSelector: a.podSelector, namespaceSelector: a.namespaceSelector }),
    fc.record({ ipBlock: cidrWithExceptArb.map(strip) }),
  );
  const portEntry: fc.Arbitrary<Obj> = fc.oneof(
    fc.record({ protocol: protocolArb }).map(strip),
    fc.record({ port: fc.constantFrom(53, 80, 81, 443, 8080), protocol: protocolArb }).map(strip),
    fc.record({ port: fc.constantFrom(53, 79, 80, 443), span: fc.constantFrom(1, 2, 8000), protocol: protocolArb }).map(({ port, span, protocol }) => strip({ port, endPort: port + span, protocol })),
    fc.record({ port: fc.constantFrom(...PORT_NAMES), protocol: protocolArb }).map(strip),
  );
  const rule = (field: 'from' | 'to'): fc.Arbitrary<Obj> =>
    fc
      .record({ peers: opt(fc.array(peer, { minLength: 1, maxLength: 2 }), 3), ports: opt(fc.array(portEntry, { minLength: 1, maxLength: 2 })) })
      .map(({ peers, ports }) => strip({ [field]: peers, ports }));
  const section = (field: 'from' | 'to'): fc.Arbitrary<Obj[] | undefined> =>
    fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant<Obj[]>([{}]) }, { weight: 4, arbitrary: fc.array(rule(field), { minLength: 1, maxLength: 2 }) });
  return fc
    .record({
      ns: fc.nat(a.nsNames.length - 1),
      podSelector: fc.oneof(fc.constant({}), a.podSelector),
      policyTypes: fc.constantFrom(undefined, ['Ingress'], ['Egress'], ['Ingress', 'Egress']),
      ingress: section('from'),
      egress: section('to'),
    })
    .map(({ ns, podSelector, policyTypes, ingress, egress }) => ({ ns, spec: strip({ podSelector, policyTypes, ingress, egress }) }));
}

// --- AdminNetworkPolicy / BaselineAdminNetworkPolicy / ClusterNetworkPolicy ---

function npapiSubjectArb(a: Alphabets): fc.Arbitrary<Obj> {
  return fc.oneof(
    fc.record({ namespaces: fc.oneof(fc.constant({}), a.namespaceSelector) }),
    fc.record({ pods: fc.record({ namespaceSelector: fc.oneof(fc.constant({}), a.namespaceSelector), podSelector: fc.oneof(fc.constant({}), a.podSelector) }) }),
  );
}

function npapiPeerArb(a: Alphabets, direction: 'ingress' | 'egress'): fc.Arbitrary<Obj> {
  const common = [
    { weight: 3, arbitrary: fc.record({ namespaces: fc.oneof(fc.constant({}), a.namespaceSelector) }) },
    { weight: 3, arbitrary: fc.record({ pods: fc.record({ namespaceSelector: fc.oneof(fc.constant({}), a.namespaceSelector), podSelector: fc.oneof(fc.constant({}), a.podSelector) }) }) },
  ];
  if (direction === 'ingress') return fc.oneof(...common);
  return fc.oneof(
    ...common,
    { weight: 3, arbitrary: fc.record({ networks: fc.uniqueArray(cidrArb, { minLength: 1, maxLength: 2 }) }) },
    { weight: 1, arbitrary: fc.constant({ nodes: { matchLabels: { 'node-role.kubernetes.io/control-plane': '' } } }) },
    { weight: 1, arbitrary: fc.constant({ domainNames: ['example.com', '*.example.org'] }) },
  );
}

/** v1alpha1 `ports` entries. */
const anpPortArb: fc.Arbitrary<Obj> = fc.oneof(
  fc.record({ portNumber: fc.record({ protocol: fc.constantFrom(...PROTOCOLS), port: fc.constantFrom(...PORT_NUMBERS) }) }),
  fc.record({ namedPort: fc.constantFrom(...PORT_NAMES) }),
  // The CRDs require start < end (CEL: self.start < self.end).
  fc
    .record({ protocol: fc.constantFrom(...PROTOCOLS), start: fc.constantFrom(1, 53, 80, 443), span: fc.constantFrom(1, 2, 8000) })
    .map(({ protocol, start, span }) => ({ portRange: { protocol, start, end: start + span } })),
);

/** v1alpha2 / v1beta1 `protocols` entries. */
const cnpProtocolArb: fc.Arbitrary<Obj> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ destinationNamedPort: fc.constantFrom(...PORT_NAMES) }) },
  {
    weight: 4,
    arbitrary: fc
      .record({
        protocol: fc.constantFrom('tcp', 'udp', 'sctp'),
        port: fc.oneof(
          { weight: 1, arbitrary: fc.constant(undefined) },
          { weight: 3, arbitrary: fc.constantFrom(...PORT_NUMBERS).map((number) => ({ number })) },
          { weight: 2, arbitrary: fc.record({ start: fc.constantFrom(1, 53, 80, 443), span: fc.constantFrom(1, 2, 8000) }).map(({ start, span }) => ({ range: { start, end: start + span } })) },
        ),
      })
      .map(({ protocol, port }) => ({ [protocol]: strip({ destinationPort: port }) })),
  },
);

function npapiRulesArb(a: Alphabets, direction: 'ingress' | 'egress', actions: readonly string[], portField: 'ports' | 'protocols'): fc.Arbitrary<Obj[] | undefined> {
  const rule = fc.record({
    action: fc.constantFrom(...actions),
    peers: fc.array(npapiPeerArb(a, direction), { minLength: 1, maxLength: 2 }),
    ports: opt(fc.array(portField === 'ports' ? anpPortArb : cnpProtocolArb, { minLength: 1, maxLength: 2 })),
  });
  return opt(fc.array(rule, { minLength: 1, maxLength: 3 }), 3).map((rules) =>
    rules?.map((r, i) => strip({ name: `r${i}`, action: r.action, [direction === 'ingress' ? 'from' : 'to']: r.peers, [portField]: r.ports })),
  );
}

// --- Calico -----------------------------------------------------------------

const CALICO_ORDERS = [1, 5, 10, 100, 500, 999, 1001, 2000, 5000] as const;
const TIER_NAMES = ['security', 'platform'] as const;
/** Before the admin tier, between it and the default tier, between default and baseline, after baseline. */
const TIER_ORDERS = [50, 100, 5000, 2_000_000, 20_000_000] as const;

const calicoPortArb = fc.oneof(
  fc.constantFrom(...PORT_NUMBERS),
  fc.constantFrom('80:81', '1:100', '400:9000', '8080:8080'),
  fc.constantFrom(...PORT_NAMES),
);

function calicoEntityArb(a: Alphabets, isDestination: boolean, withPorts: boolean): fc.Arbitrary<Obj | undefined> {
  return opt(
    fc
      .record({
        selector: opt(a.calicoPodSelector),
        notSelector: rare(a.calicoPodSelector, 6),
        namespaceSelector: rare(a.calicoNamespaceSelector, 4),
        nets: rare(fc.uniqueArray(cidrArb, { minLength: 1, maxLength: 2 }), 5),
        notNets: rare(fc.uniqueArray(cidrArb, { minLength: 1, maxLength: 2 }), 6),
        ports: isDestination && withPorts ? opt(fc.array(calicoPortArb, { minLength: 1, maxLength: 2 })) : fc.constant(undefined),
        notPorts: isDestination && withPorts ? rare(fc.array(calicoPortArb, { minLength: 1, maxLength: 2 }), 6) : fc.constant(undefined),
      })
      .map(strip),
  );
}

function calicoRuleArb(a: Alphabets): fc.Arbitrary<Obj> {
  return fc
    .record({
      action: fc.oneof({ weight: 5, arbitrary: fc.constant('Allow') }, { weight: 2, arbitrary: fc.constant('Deny') }, { weight: 2, arbitrary: fc.constant('Pass') }, { weight: 1, arbitrary: fc.constant('Log') }),
      protocol: protocolArb,
    })
    .chain(({ action, protocol }) =>
      fc
        .record({ source: calicoEntityArb(a, false, false), destination: calicoEntityArb(a, true, protocol !== undefined) })
        .map(({ source, destination }) => strip({ action, protocol, source, destination })),
    );
}

// --- Cilium -----------------------------------------------------------------

function ciliumSelectorArb(a: Alphabets, clusterwide: boolean): fc.Arbitrary<Obj> {
  const prefixed = fc.tuple(a.podSelector, fc.boolean()).map(([sel, k8s]) => {
    if (!k8s) return sel;
    const ml = sel['matchLabels'] as Record<string, string> | undefined;
    return strip({ ...sel, matchLabels: ml === undefined ? undefined : Object.fromEntries(Object.entries(ml).map(([k, v]) => [`k8s:${k}`, v])) });
  });
  const withNamespace = fc
    .tuple(prefixed, fc.constantFrom(...a.nsNames), fc.boolean())
    .map(([sel, ns, k8s]) => ({ ...sel, matchLabels: { ...((sel['matchLabels'] as Record<string, string> | undefined) ?? {}), [`${k8s ? 'k8s:' : ''}io.kubernetes.pod.namespace`]: ns } }));
  return clusterwide ? fc.oneof(prefixed, withNamespace, fc.constant({})) : fc.oneof({ weight: 3, arbitrary: prefixed }, { weight: 1, arbitrary: withNamespace });
}

function ciliumRuleArb(a: Alphabets, clusterwide: boolean, direction: 'ingress' | 'egress'): fc.Arbitrary<Obj> {
  const pre = direction === 'ingress' ? 'from' : 'to';
  const toPorts = fc.array(
    fc
      .record({ port: fc.constantFrom(...PORT_NUMBERS), endPort: rare(fc.constantFrom(82, 444, 9000), 4), protocol: opt(fc.constantFrom('TCP', 'UDP', 'SCTP', 'ANY')) })
      .map(({ port, endPort, protocol }) => strip({ port: String(port), endPort: endPort !== undefined && endPort > port ? endPort : undefined, protocol })),
    { minLength: 1, maxLength: 2 },
  ).map((ports) => [{ ports }]);
  const l3 = fc.oneof(
    { weight: 4, arbitrary: fc.array(ciliumSelectorArb(a, clusterwide), { minLength: 1, maxLength: 2 }).map((s) => ({ [`${pre}Endpoints`]: s })) },
    { weight: 2, arbitrary: fc.uniqueArray(fc.constantFrom('cluster', 'world', 'all', 'host'), { minLength: 1, maxLength: 2 }).map((e) => ({ [`${pre}Entities`]: e })) },
    { weight: 1, arbitrary: fc.uniqueArray(cidrArb, { minLength: 1, maxLength: 2 }).map((c) => ({ [`${pre}CIDR`]: c })) },
    { weight: 1, arbitrary: fc.array(cidrWithExceptArb.map(strip), { minLength: 1, maxLength: 2 }).map((c) => ({ [`${pre}CIDRSet`]: c })) },
  );
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(l3, opt(toPorts)).map(([peers, ports]) => strip({ ...peers, toPorts: ports })) },
    { weight: 1, arbitrary: toPorts.map((ports) => ({ toPorts: ports })) }, // L4-only
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

// ---------------------------------------------------------------------------
// The cluster.

export function layeredClusterArb(options: LayerOptions): fc.Arbitrary<LayeredCluster> {
  return fc.integer({ min: 2, max: MAX_NS }).chain((nsCount) => {
    const nsNames = Array.from({ length: nsCount }, (_, i) => (i === 0 ? 'default' : `ns${i}`));
    const a = alphabets(nsNames);
    const containerPort = fc.record({ port: fc.constantFrom(...PORT_NUMBERS), protocol: protocolArb, name: opt(fc.constantFrom(...PORT_NAMES)) });
    const podArb = fc.record({ labels: labelsArb(POD_KEYS, VALUES), ports: fc.array(containerPort, { maxLength: 3 }) });
    const namespaceArb = fc.record({
      declared: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      labels: labelsArb(NS_KEYS, VALUES),
      pods: fc.array(podArb, { minLength: 1, maxLength: MAX_PODS }),
    });
    /** Up to `maxLength` of `arb` when `on`, else none. */
    const some = <T>(arb: fc.Arbitrary<T>, maxLength: number, on: boolean): fc.Arbitrary<T[]> => (on ? fc.array(arb, { maxLength }) : fc.constant<T[]>([]));
    const anpArb = fc.record({
      subject: npapiSubjectArb(a),
      ingress: npapiRulesArb(a, 'ingress', ['Allow', 'Allow', 'Deny', 'Pass', 'Pass'], 'ports'),
      egress: npapiRulesArb(a, 'egress', ['Allow', 'Allow', 'Deny', 'Pass', 'Pass'], 'ports'),
    });
    const banpArb = fc.record({ subject: npapiSubjectArb(a), ingress: npapiRulesArb(a, 'ingress', ['Allow', 'Allow', 'Deny'], 'ports'), egress: npapiRulesArb(a, 'egress', ['Allow', 'Allow', 'Deny'], 'ports') });
    const cnpArb = fc.constantFrom('Admin', 'Baseline').chain((tier) => {
      const actions = tier === 'Admin' ? ['Accept', 'Accept', 'Deny', 'Pass', 'Pass'] : ['Accept', 'Accept', 'Deny'];
      return fc.record({
        tier: fc.constant(tier),
        apiVersion: fc.constantFrom('v1alpha2', 'v1beta1'),
        subject: npapiSubjectArb(a),
        ingress: npapiRulesArb(a, 'ingress', actions, 'protocols'),
        egress: npapiRulesArb(a, 'egress', actions, 'protocols'),
      });
    });
    interface TierSpec {
      readonly name: string;
      readonly order: number;
      readonly defaultAction: string | undefined;
    }
    const tiersArb: fc.Arbitrary<TierSpec[]> = fc.uniqueArray(fc.record({ name: fc.constantFrom(...TIER_NAMES), order: fc.constantFrom(...TIER_ORDERS), defaultAction: fc.constantFrom(undefined, 'Deny', 'Pass', 'Pass') }), { maxLength: 2, selector: (t) => t.name });
    const calicoArb = fc.record({
      global: fc.boolean(),
      ns: fc.nat(nsCount - 1),
      tier: fc.constantFrom(undefined, 'default', ...TIER_NAMES), // a tier that does not exist is dropped below
      order: opt(fc.constantFrom(...CALICO_ORDERS), 4),
      selector: opt(a.calicoPodSelector),
      namespaceSelector: opt(a.calicoNamespaceSelector),
      types: opt(fc.constantFrom(['Ingress'], ['Egress'], ['Ingress', 'Egress'])),
      ingress: opt(fc.array(calicoRuleArb(a), { minLength: 1, maxLength: 3 }), 4),
      egress: opt(fc.array(calicoRuleArb(a), { minLength: 1, maxLength: 3 }), 4),
    });
    const ciliumArb = fc.boolean().chain((clusterwide) =>
      fc.record({
        clusterwide: fc.constant(clusterwide),
        ns: fc.nat(nsCount - 1),
        endpointSelector: fc.oneof(fc.constant({}), ciliumSelectorArb(a, clusterwide)),
        ingress: opt(fc.array(ciliumRuleArb(a, clusterwide, 'ingress'), { minLength: 1, maxLength: 2 })),
        ingressDeny: rare(fc.array(ciliumRuleArb(a, clusterwide, 'ingress'), { minLength: 1, maxLength: 2 }), 4),
        egress: rare(fc.array(ciliumRuleArb(a, clusterwide, 'egress'), { minLength: 1, maxLength: 2 }), 3),
        egressDeny: rare(fc.array(ciliumRuleArb(a, clusterwide, 'egress'), { minLength: 1, maxLength: 2 }), 5),
      }),
    );
    return fc
      .record({
        namespaces: fc.array(namespaceArb, { minLength: nsCount, maxLength: nsCount }),
        k8s: fc.array(k8sPolicyArb(a), { maxLength: 3 }),
        anps: some(anpArb, 2, options.layers),
        banp: options.layers ? opt(banpArb) : fc.constant(undefined),
        cnps: some(cnpArb, 2, options.layers),
        priorities: fc.uniqueArray(fc.integer({ min: 0, max: 999 }), { minLength: 4, maxLength: 4 }),
        tiers: options.layers ? tiersArb : fc.constant<TierSpec[]>([]),
        calico: some(calicoArb, 3, options.layers),
        cilium: some(ciliumArb, 2, options.cilium),
        // Cilium's enable-sctp (no ConfigMap: Cilium's default, off): SCTP is dropped before the policies unless on.
        ciliumSctp: options.cilium ? fc.constantFrom(undefined, undefined, 'true', 'true', 'True', 'false') : fc.constant(undefined),
        probe: fc.tuple(fc.constantFrom(...PROBE_PORTS), fc.constantFrom(...PROTOCOLS)),
        order: fc.array(fc.nat(1000), { minLength: 60, maxLength: 60 }),
      })
      .map((g): LayeredCluster => {
        const objects: Obj[] = [];
        g.namespaces.forEach((ns, n) => {
          const name = nsNames[n]!;
          if (ns.declared) objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: ns.labels } });
          ns.pods.forEach((p, m) => {
            const seen = new Set<string>();
            const ports = p.ports.map(({ port, protocol, name: portName }) => {
              const unique = portName !== undefined && !seen.has(portName) ? portName : undefined;
              if (unique) seen.add(unique);
              return strip({ containerPort: port, protocol, name: unique });
            });
            const ip = `10.0.${n}.${m + 1}`;
            objects.push({
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name: `p${m}`, namespace: name, labels: p.labels },
              spec: { containers: [{ name: 'c0', image: 'registry.example/app:1', ports }] },
              status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
            });
          });
        });
        g.k8s.forEach((pol, i) => {
          objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `np${i}`, namespace: nsNames[pol.ns]! }, spec: pol.spec });
        });
        // Unique priorities: the admin tier's from the front, the baseline tier's from the back.
        let nextAdmin = 0;
        let nextBaseline = g.priorities.length - 1;
        g.anps.forEach((p, i) => {
          objects.push({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: `anp${i}` }, spec: strip({ priority: g.priorities[nextAdmin++]!, ...p }) });
        });
        if (g.banp) objects.push({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' }, spec: strip({ ...g.banp }) });
        g.cnps.forEach((p, i) => {
          const priority = p.tier === 'Admin' ? g.priorities[nextAdmin++]! : g.priorities[nextBaseline--]!;
          objects.push({
            apiVersion: `policy.networking.k8s.io/${p.apiVersion}`,
            kind: 'ClusterNetworkPolicy',
            metadata: { name: `cnp${i}` },
            spec: strip({ tier: p.tier, priority, subject: p.subject, ingress: p.ingress, egress: p.egress }),
          });
        });
        for (const t of g.tiers) objects.push({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: t.name }, spec: strip({ order: t.order, defaultAction: t.defaultAction }) });
        const tierNames = new Set<string>(g.tiers.map((t) => t.name));
        g.calico.forEach((c, i) => {
          const tier = c.tier !== undefined && c.tier !== 'default' && !tierNames.has(c.tier) ? undefined : c.tier;
          const name = tier !== undefined && tier !== 'default' ? `${tier}.cp${i}` : `cp${i}`;
          const spec = strip({ tier, order: c.order, selector: c.selector, namespaceSelector: c.global ? c.namespaceSelector : undefined, types: c.types, ingress: c.ingress, egress: c.egress });
          objects.push(
            c.global
              ? { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec }
              : { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name, namespace: nsNames[c.ns]! }, spec },
          );
        });
        g.cilium.forEach((c, i) => {
          const spec = strip({ endpointSelector: c.endpointSelector, ingress: c.ingress, ingressDeny: c.ingressDeny, egress: c.egress, egressDeny: c.egressDeny });
          objects.push(
            c.clusterwide
              ? { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: `ccnp${i}` }, spec }
              : { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: `cnp${i}`, namespace: nsNames[c.ns]! }, spec },
          );
        });
        if (g.ciliumSctp !== undefined) objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cilium-config', namespace: nsNames[0]! }, data: { 'enable-sctp': g.ciliumSctp } });
        // Input order must not matter.
        const shuffled = objects.map((o, i) => ({ o, k: g.order[i % g.order.length] ?? 0, i })).sort((x, y) => x.k - y.k || x.i - y.i);
        return { objects: shuffled.map((x) => x.o), probe: g.probe };
      });
  });
}
