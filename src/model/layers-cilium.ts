/**
 * Cilium's policies (cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy,
 * L3/L4) in the layer form, as Cilium's policy language documents them:
 * - An endpoint selected by a policy with an `ingress` or `ingressDeny` section is
 *   default-deny for ingress (egress likewise), unless `enableDefaultDeny` says no.
 * - Allows are unioned with NetworkPolicy v1 allows; `ingressDeny`/`egressDeny` win
 *   over every allow. Both sit in the NetworkPolicy tier: deny rules first, then allows.
 * - Endpoint selectors read pod labels (a `k8s:`/`any:` prefix is the label source),
 *   the pod's namespace as `io.kubernetes.pod.namespace`, namespace labels as
 *   `io.cilium.k8s.namespace.labels.<key>` and the service account as
 *   `io.cilium.k8s.policy.serviceaccount`. A selector that does not name the
 *   namespace means the policy's own namespace in a CiliumNetworkPolicy and every
 *   namespace in a clusterwide one.
 * - Entities: `cluster` is every pod, `world` every address outside, `all` both; the
 *   others (host, remote-node, kube-apiserver, health, init, unmanaged, ingress) are
 *   not in manifests: reported, never guessed. CIDR rules never match pods.
 * - A rule with only `toPorts` admits every peer on those ports; an empty rule admits nothing.
 * - L7 rules (`rules.http`, `dns`, `kafka`) allow the L4 connection, then filter
 *   further; `toFQDNs`, `toGroups`, `toServices` and `*Requires` depend on what
 *   manifests do not hold.
 */
import { parseCidr } from './ip.js';
import { isRecord } from './json.js';
import { DEFAULT_TIER, K8S_NETWORKPOLICY_ORDER, type LayerPeer, type LayerPolicy, type LayerPort, type LayerRule, type NetBlock, type PodMatch } from './layers.js';
import { parseLabelSelector, portNameProblem, type FieldProblem, type LabelSelector, type Protocol } from './networkpolicy.js';
import type { KubeObject } from './kube.js';
import type { SourceRef } from './source.js';
import { describeLabelSelector } from './selector-text.js';

export const CILIUM_GROUP = 'cilium.io';
export const CILIUM_NAMESPACE_KEY = 'io.kubernetes.pod.namespace';
export const CILIUM_NAMESPACE_LABELS = 'io.cilium.k8s.namespace.labels.';
export const CILIUM_SERVICE_ACCOUNT_KEY = 'io.cilium.k8s.policy.serviceaccount';
/** Deny rules come before every allow in their tier. */
export const CILIUM_DENY_ORDER = Number.MIN_SAFE_INTEGER;

const PLACEABLE: Readonly<Record<string, { pods: boolean; external: boolean }>> = {
  all: { pods: true, external: true },
  cluster: { pods: true, external: false },
  world: { pods: false, external: true },
  'world-ipv4': { pods: false, external: true },
  'world-ipv6': { pods: false, external: true },
};
const UNPLACEABLE = new Set(['host', 'remote-node', 'kube-apiserver', 'health', 'init', 'unmanaged', 'ingress']);

/** Strips the label source (`k8s:`, `any:`) from a selector's keys. */
function normalizeKey(k: string): string {
  return k.startsWith('k8s:') ? k.slice(4) : k.startsWith('any:') ? k.slice(4) : k;
}

function normalizeSelector(sel: LabelSelector): LabelSelector {
  const matchLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries(sel.matchLabels)) matchLabels[normalizeKey(k)] = v;
  return { matchLabels, matchExpressions: sel.matchExpressions.map((r) => ({ ...r, key: normalizeKey(r.key) })) };
}

function selectorKeys(sel: LabelSelector): string[] {
  return [...Object.keys(sel.matchLabels), ...sel.matchExpressions.map((r) => r.key)];
}

/** Cilium's selectors may carry keys Kubernetes label syntax would refuse (`k8s:` prefixes): validate them loosely. */
function ciliumSelector(raw: unknown, path: string, problems: FieldProblem[]): LabelSelector {
  const local: FieldProblem[] = [];
  const sel = parseLabelSelector(raw, path, local);
  // Key-syntax complaints come from the source prefix; everything else stands.
  for (const p of local) if (!/label key/.test(p.message)) problems.push(p);
  return normalizeSelector(sel);
}

/** An endpoint selector as a pod match: in the policy's namespace unless it names namespaces itself. */
function endpointMatch(sel: LabelSelector, ownNamespace: string | undefined): PodMatch {
  const keys = selectorKeys(sel);
  const namesNamespace = keys.some((k) => k === CILIUM_NAMESPACE_KEY || k.startsWith(CILIUM_NAMESPACE_LABELS));
  return {
    namespaces: ownNamespace !== undefined && !namesNamespace ? { kind: 'own', namespace: ownNamespace } : { kind: 'all' },
    pods: { kind: 'cilium', selector: sel },
  };
}

function parsePorts(raw: unknown, path: string, problems: FieldProblem[]): { ports?: LayerPort[]; l7: string[] } {
  const l7: string[] = [];
  if (raw === undefined || raw === null) return { l7 };
  if (!Array.isArray(raw)) {
    problems.push({ severity: 'error', path, message: 'toPorts must be a list' });
    return { l7 };
  }
  const ports: LayerPort[] = [];
  raw.forEach((pr: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!isRecord(pr)) return;
    const rules = pr['rules'];
    if (isRecord(rules)) for (const k of Object.keys(rules)) l7.push(k === 'l7proto' ? String(rules[k]) : k);
    // TLS server names and TLS interception filter the connection above L4, like L7 rules.
    for (const k of ['serverNames', 'terminatingTLS', 'originatingTLS']) if (pr[k] !== undefined) l7.push(k);
    const list = pr['ports'];
    if (!Array.isArray(list) || list.length === 0) {
      ports.push({});
      return;
    }
    list.forEach((e: unknown, j) => {
      const q = `${p}.ports[${j}]`;
      if (!isRecord(e)) {
        problems.push({ severity: 'error', path: q, message: 'a port entry must be an object with port and protocol' });
        return;
      }
      const protoRaw = e['protocol'] ?? 'ANY';
      if (typeof protoRaw !== 'string' || !['TCP', 'UDP', 'SCTP', 'ANY'].includes(protoRaw)) {
        problems.push({ severity: 'error', path: `${q}.protocol`, message: `protocol ${JSON.stringify(protoRaw)} is not TCP, UDP, SCTP or ANY` });
        return;
      }
      const protocol = protoRaw === 'ANY' ? undefined : (protoRaw as Protocol);
      const portRaw = e['port'];
      const endRaw = e['endPort'];
      const text = portRaw === undefined || portRaw === null ? '0' : typeof portRaw === 'number' || typeof portRaw === 'string' ? String(portRaw) : '';
      if (/^[0-9]+$/.test(text)) {
        const n = Number(text);
        if (n > 65535) {
          problems.push({ severity: 'error', path: `${q}.port`, message: `port ${text} is out of range` });
          return;
        }
        const end = typeof endRaw === 'number' ? endRaw : undefined;
        // Port 0 means every port of the protocol.
        if (n === 0) ports.push(protocol ? { protocol } : {});
        else ports.push({ ...(protocol ? { protocol } : {}), port: n, ...(end !== undefined && end > n ? { endPort: end } : {}) });
        return;
      }
      const np = portNameProblem(text);
      if (np) problems.push({ severity: 'error', path: `${q}.port`, message: `"${text}" is not a port number or a valid port name: ${np}` });
      else ports.push({ ...(protocol ? { protocol } : {}), name: text });
    });
  });
  return { ports, l7 };
}

function parseCidrs(raw: unknown, path: string, problems: FieldProblem[], withExcept: boolean): NetBlock[] {
  if (!Array.isArray(raw)) {
    problems.push({ severity: 'error', path, message: 'must be a list' });
    return [];
  }
  const out: NetBlock[] = [];
  raw.forEach((e: unknown, i) => {
    const p = `${path}[${i}]`;
    const cidrText = withExcept ? (isRecord(e) ? e['cidr'] : undefined) : e;
    if (withExcept && isRecord(e) && (e['cidrGroupRef'] !== undefined || e['cidrGroupSelector'] !== undefined)) return;
    const c = typeof cidrText === 'string' ? parseCidr(cidrText) : 'a CIDR must be a string';
    if (typeof c === 'string') {
      problems.push({ severity: 'error', path: withExcept ? `${p}.cidr` : p, message: `${JSON.stringify(cidrText)}: ${c}` });
      return;
    }
    const except = [];
    if (withExcept && isRecord(e) && Array.isArray(e['except'])) {
      for (const [j, x] of (e['except'] as unknown[]).entries()) {
        const xc = typeof x === 'string' ? parseCidr(x) : 'a CIDR must be a string';
        if (typeof xc === 'string') problems.push({ severity: 'error', path: `${p}.except[${j}]`, message: `${JSON.stringify(x)}: ${xc}` });
        else except.push(xc);
      }
    }
    out.push({ cidr: c, except });
  });
  return out;
}

function parseRule(raw: unknown, path: string, index: number, dir: 'ingress' | 'egress', deny: boolean, ownNamespace: string | undefined, problems: FieldProblem[]): LayerRule | undefined {
  if (!isRecord(raw)) {
    problems.push({ severity: 'error', path, message: 'a rule must be an object' });
    return undefined;
  }
  const pre = dir === 'ingress' ? 'from' : 'to';
  const peers: LayerPeer[] = [];
  let any = false;
  const eps = raw[`${pre}Endpoints`];
  if (eps !== undefined && eps !== null) {
    any = true;
    if (!Array.isArray(eps)) problems.push({ severity: 'error', path: `${path}.${pre}Endpoints`, message: 'must be a list of endpoint selectors' });
    else eps.forEach((e: unknown, i) => {
      const sel = ciliumSelector(e, `${path}.${pre}Endpoints[${i}]`, problems);
      peers.push({ path: `${pre}Endpoints[${i}]`, text: `endpoints ${describeLabelSelector(sel)}`, pods: endpointMatch(sel, ownNamespace), netsMatchPods: false });
    });
  }
  const ents = raw[`${pre}Entities`];
  if (ents !== undefined && ents !== null) {
    any = true;
    if (!Array.isArray(ents)) problems.push({ severity: 'error', path: `${path}.${pre}Entities`, message: 'must be a list of entity names' });
    else ents.forEach((e: unknown, i) => {
      const name = String(e);
      const placed = PLACEABLE[name];
      if (placed) peers.push({ path: `${pre}Entities[${i}]`, text: `entity ${name}`, netsMatchPods: false, ...(placed.pods ? { allPods: true } : {}), ...(placed.external ? { allExternal: true } : {}) });
      else if (UNPLACEABLE.has(name)) peers.push({ path: `${pre}Entities[${i}]`, text: `entity ${name}`, netsMatchPods: false, depends: `the ${name} entity (not in manifests)` });
      else problems.push({ severity: 'error', path: `${path}.${pre}Entities[${i}]`, message: `unknown entity ${JSON.stringify(e)}`, hint: `entities are ${[...Object.keys(PLACEABLE), ...UNPLACEABLE].join(', ')}` });
    });
  }
  for (const [field, withExcept] of [[`${pre}CIDR`, false], [`${pre}CIDRSet`, true]] as const) {
    const v = raw[field];
    if (v === undefined || v === null) continue;
    any = true;
    const nets = parseCidrs(v, `${path}.${field}`, problems, withExcept);
    if (nets.length > 0) peers.push({ path: field, text: `${field} ${nets.map((n) => (n.except.length > 0 ? `${n.cidr.text} except ${n.except.map((x) => x.text).join(', ')}` : n.cidr.text)).join(', ')}`, nets, netsMatchPods: false });
    if (withExcept && Array.isArray(v) && v.some((e) => isRecord(e) && (e['cidrGroupRef'] !== undefined || e['cidrGroupSelector'] !== undefined))) {
      peers.push({ path: field, text: `${field} cidrGroupRef`, netsMatchPods: false, depends: 'CiliumCIDRGroup objects (not evaluated)' });
    }
  }
  for (const [field, what] of [['toFQDNs', 'DNS'], ['toGroups', 'cloud groups'], ['toServices', 'the Service endpoints Cilium tracks (toServices not evaluated)'], [`${pre}Requires`, 'the deprecated Requires fields'], ['fromNodes', 'node labels'], ['toNodes', 'node labels']] as const) {
    const v = raw[field];
    if (v === undefined || v === null) continue;
    any = true;
    peers.push({ path: field, text: field, netsMatchPods: false, depends: what });
  }
  const { ports, l7 } = parsePorts(raw['toPorts'], `${path}.toPorts`, problems);
  const icmpOnly = raw['icmps'] !== undefined && !ports;
  if (!any && !ports && !icmpOnly) {
    // An empty rule: it selects the endpoint (default deny) and admits nobody.
    return { index, path, action: deny ? 'deny' : 'allow', peers: [] };
  }
  return {
    index,
    path,
    action: deny ? 'deny' : 'allow',
    // A rule with ports only admits every peer on them.
    ...(any ? { peers } : {}),
    ...(ports ? { ports } : {}),
    ...(icmpOnly ? { protocols: [] } : {}),
    ...(l7.length > 0 ? { note: `further filtered at L7 by ${l7.join(', ')} rules` } : {}),
  };
}

/** Parses a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy into its deny and allow parts. */
export function parseCiliumPolicy(o: KubeObject, source: SourceRef, problems: FieldProblem[]): LayerPolicy[] | undefined {
  const clusterwide = o.kind === 'CiliumClusterwideNetworkPolicy';
  const ns = clusterwide ? undefined : o.metadata.namespace;
  const specs: { spec: Record<string, unknown>; path: string }[] = [];
  if (isRecord(o['spec'])) specs.push({ spec: o['spec'], path: 'spec' });
  if (Array.isArray(o['specs'])) (o['specs'] as unknown[]).forEach((sp, i) => { if (isRecord(sp)) specs.push({ spec: sp, path: `specs[${i}]` }); });
  if (specs.length === 0) {
    problems.push({ severity: 'error', path: 'spec', message: 'a Cilium policy needs spec or specs' });
    return undefined;
  }
  const before = problems.filter((p) => p.severity === 'error').length;
  const out: LayerPolicy[] = [];
  const kind = clusterwide ? 'CiliumClusterwideNetworkPolicy' : 'CiliumNetworkPolicy';
  for (const [si, { spec, path }] of specs.entries()) {
    if (spec['nodeSelector'] !== undefined) {
      problems.push({ severity: 'warning', path: `${path}.nodeSelector`, message: 'a host policy (nodeSelector) applies to nodes, not pods; it is not evaluated' });
      continue;
    }
    const sel = ciliumSelector(spec['endpointSelector'], `${path}.endpointSelector`, problems);
    let subject: PodMatch;
    if (ns !== undefined) {
      // A CiliumNetworkPolicy applies in its own namespace: Cilium sets the namespace label of
      // the endpointSelector to the policy's, replacing (with a warning) any other it names.
      const { [CILIUM_NAMESPACE_KEY]: named, ...rest } = sel.matchLabels;
      if (named !== undefined && named !== ns) problems.push({ severity: 'warning', path: `${path}.endpointSelector.matchLabels`, message: `the endpointSelector names namespace "${named}", but a CiliumNetworkPolicy applies in its own namespace "${ns}": Cilium replaces the match` });
      subject = { namespaces: { kind: 'own', namespace: ns }, pods: { kind: 'cilium', selector: { matchLabels: rest, matchExpressions: sel.matchExpressions } } };
    } else subject = endpointMatch(sel, undefined);
    const edd = isRecord(spec['enableDefaultDeny']) ? spec['enableDefaultDeny'] : {};
    const rules = (field: string, dir: 'ingress' | 'egress', deny: boolean): LayerRule[] | undefined => {
      const raw = spec[field];
      // An empty list is no section at all (the deny-all idiom is a list with one empty rule).
      if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) return undefined;
      if (!Array.isArray(raw)) {
        problems.push({ severity: 'error', path: `${path}.${field}`, message: `${field} must be a list of rules` });
        return undefined;
      }
      return raw.flatMap((r: unknown, i) => parseRule(r, `${path}.${field}[${i}]`, i, dir, deny, ns, problems) ?? []);
    };
    const allowIn = rules('ingress', 'ingress', false);
    const allowEg = rules('egress', 'egress', false);
    const denyIn = rules('ingressDeny', 'ingress', true);
    const denyEg = rules('egressDeny', 'egress', true);
    const selIn = (allowIn !== undefined || denyIn !== undefined) && edd['ingress'] !== false;
    const selEg = (allowEg !== undefined || denyEg !== undefined) && edd['egress'] !== false;
    const name = specs.length > 1 ? `${o.metadata.name}[${si}]` : o.metadata.name;
    const base = { kind, objectKind: o.kind, apiVersion: o.apiVersion, ...(ns !== undefined ? { namespace: ns } : {}), source, tier: DEFAULT_TIER, subject, staged: false } as const;
    const who = `${kind} ${ns !== undefined ? `${ns}/` : ''}${name}`;
    if (denyIn || denyEg) {
      out.push({
        ...base, name, order: CILIUM_DENY_ORDER, sortName: name,
        ...(denyIn ? { ingress: denyIn } : {}), ...(denyEg ? { egress: denyEg } : {}),
        defaultDenyIngress: selIn, defaultDenyEgress: selEg,
        label: `${who} (deny rules: before every allow)`,
      });
    }
    out.push({
      ...base, name, order: K8S_NETWORKPOLICY_ORDER, sortName: `cnp.${name}`,
      ...(allowIn || denyIn ? { ingress: allowIn ?? [] } : {}), ...(allowEg || denyEg ? { egress: allowEg ?? [] } : {}),
      defaultDenyIngress: selIn, defaultDenyEgress: selEg,
      label: `${who} (allow rules, with NetworkPolicies)`,
    });
  }
  if (problems.filter((p) => p.severity === 'error').length > before) return undefined;
  return out;
}
