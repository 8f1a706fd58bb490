/**
 * NetworkPolicies: in every namespace meshless manages a default deny in both
 * directions and DNS egress, then one least-privilege policy per reason to
 * talk — each declared flow once at the destination (ingress) and once at the
 * source (egress), edge access for exposed services only, on exact ports.
 *
 * Selectors name namespaces by `kubernetes.io/metadata.name` (set by the API
 * server on every namespace, so it cannot be borrowed by labelling another
 * namespace) and pods by their labels. Traffic between the pods of one
 * service ("self") is denied like any other unless the service declares a
 * flow to itself; loopback inside a pod is never subject to NetworkPolicy.
 */
import {
  ACME_SOLVER_LABELS,
  ACME_SOLVER_PORT,
  DNS_PORTS,
  commonLabels,
  dnsUpstreamBlocks,
  edgeProfile,
  egressBlocks,
  exposed,
  ipBlockPeer,
  OAUTH2_PROXY_LABELS,
  OAUTH2_PROXY_PORT,
  podLabelsOf,
  podPeer,
  portsOf,
  type EdgeProfile,
  type Labels,
  type Obj,
  type PortSpec,
} from './platform.js';
import type { Platform, Service } from './spec.js';
import type { Doc, FilePlan } from './yaml.js';

export interface PolicyInput {
  readonly namespace: string;
  readonly name: string;
  /** Pod labels the policy selects; empty: every pod of the namespace. */
  readonly select: Labels;
  readonly ingress?: readonly Obj[];
  readonly egress?: readonly Obj[];
  /** policyTypes; by default the directions that have rules. */
  readonly types?: readonly ('Ingress' | 'Egress')[];
  readonly comment?: string;
}

/** A NetworkPolicy with policyTypes always written out (no reliance on defaulting). */
export function networkPolicy(spec: Platform, p: PolicyInput): Doc {
  const object = networkPolicyObject(p, commonLabels(spec));
  return p.comment !== undefined ? { object, comment: p.comment } : { object };
}

/** The NetworkPolicy object itself (also what the audit's and the guard's fixes propose, without platform labels). */
export function networkPolicyObject(p: PolicyInput, labels?: Labels): Obj {
  const types = p.types ?? [...(p.ingress ? ['Ingress' as const] : []), ...(p.egress ? ['Egress' as const] : [])];
  const body: Obj = { podSelector: Object.keys(p.select).length > 0 ? { matchLabels: { ...p.select } } : {}, policyTypes: [...types] };
  if (p.ingress) body['ingress'] = [...p.ingress];
  if (p.egress) body['egress'] = [...p.egress];
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: p.name, namespace: p.namespace, ...(labels !== undefined ? { labels } : {}) }, spec: body };
}

export function rule(direction: 'from' | 'to', peers: readonly Obj[], ports: readonly PortSpec[]): Obj {
  return { [direction]: [...peers], ports: portsOf(ports) };
}

/** `default-deny` and `allow-dns-egress`: the start of every managed namespace. */
export function baseline(spec: Platform, namespace: string): Doc[] {
  return [
    networkPolicy(spec, {
      namespace,
      name: 'default-deny',
      select: {},
      types: ['Ingress', 'Egress'],
      comment: `Default deny: every pod in ${namespace} is isolated for ingress and egress. The policies below open exactly the intended flows.`,
    }),
    networkPolicy(spec, {
      namespace,
      name: 'allow-dns-egress',
      select: {},
      egress: [rule('to', [podPeer(spec.cluster.dns.namespace, spec.cluster.dns.podLabels)], DNS_PORTS)],
      comment: 'Every pod may resolve names: kube-dns on 53/UDP and 53/TCP.',
    }),
  ];
}

const tcp = (port: number): PortSpec => ({ protocol: 'TCP', port });

/** The edge's pods as a peer. */
export function edgePeer(edge: EdgeProfile): Obj {
  return podPeer(edge.namespace, edge.proxyLabels);
}

/** Ingress to cert-manager's HTTP-01 solver pods from the edge, while a challenge is open. */
export function solverPolicy(spec: Platform, namespace: string, edge: EdgeProfile): Doc {
  return networkPolicy(spec, {
    namespace,
    name: 'allow-acme-http01-solver',
    select: ACME_SOLVER_LABELS,
    ingress: [rule('from', [edgePeer(edge)], [tcp(ACME_SOLVER_PORT)])],
    comment: `cert-manager starts HTTP-01 solver pods here only while a challenge is open; the edge forwards /.well-known/acme-challenge/ to them.\nAn offline audit finds that this policy selects no pod: expected.`,
  });
}

const proto = (p: string): string => p.toLowerCase();

function servicePolicies(spec: Platform, s: Service, edge: EdgeProfile): Doc[] {
  const labels = podLabelsOf(s);
  const byName = new Map(spec.services.map((x) => [x.name, x]));
  const docs = baseline(spec, s.name);
  if (s.expose) {
    const e = s.expose;
    docs.push(
      networkPolicy(spec, {
        namespace: s.name,
        name: 'allow-edge-ingress',
        select: labels,
        ingress: [rule('from', [edgePeer(edge)], [tcp(e.port)])],
        comment: `Exposed as https://${e.host}${e.path === '/' ? '' : e.path}: the edge proxies (${edge.namespace}) may connect on ${e.port}/TCP.`,
      }),
    );
    if (edge.type === 'ingress-nginx' && spec.tls.solver === 'http01') docs.push(solverPolicy(spec, s.name, edge));
  }
  // Ingress at the destination, one policy per declared flow, in spec order of the sources.
  for (const src of spec.services) {
    src.flows.forEach((f, j) => {
      if (f.to !== s.name) return;
      docs.push(
        networkPolicy(spec, {
          namespace: s.name,
          name: `ingress-from-${src.name}-${f.port}-${proto(f.protocol)}`,
          select: labels,
          ingress: [rule('from', [podPeer(src.name, podLabelsOf(src))], [{ protocol: f.protocol, port: f.port }])],
          comment: `Flow ${src.name} → ${s.name} on ${f.port}/${f.protocol} (declared in services[${spec.services.indexOf(src)}].flows[${j}]), ingress side.`,
        }),
      );
    });
  }
  s.flows.forEach((f, j) => {
    const dst = byName.get(f.to)!;
    docs.push(
      networkPolicy(spec, {
        namespace: s.name,
        name: `egress-to-${f.to}-${f.port}-${proto(f.protocol)}`,
        select: labels,
        egress: [rule('to', [podPeer(dst.name, podLabelsOf(dst))], [{ protocol: f.protocol, port: f.port }])],
        comment: `Flow ${s.name} → ${f.to} on ${f.port}/${f.protocol} (declared in services[${spec.services.indexOf(s)}].flows[${j}]), egress side.`,
      }),
    );
  });
  s.egress.forEach((e, j) => {
    const blocks = egressBlocks(spec, e.to);
    docs.push(
      networkPolicy(spec, {
        namespace: s.name,
        name: `egress-external-${j}`,
        select: labels,
        egress: [rule('to', blocks.map(ipBlockPeer), e.ports.map((p) => ({ protocol: e.protocol, port: p })))],
        comment: `${s.name} → ${e.to === 'internet' ? 'the internet (public addresses only)' : e.to.join(', ')}${e.host !== undefined ? ` (${e.host})` : ''} on ${e.ports.join(', ')}/${e.protocol}.`,
      }),
    );
  });
  return docs;
}

function edgePolicies(spec: Platform, edge: EdgeProfile): Doc[] {
  const ns = edge.namespace;
  const docs = baseline(spec, ns);
  const apiServer = spec.cluster.apiServer.map((c) => ipBlockPeer({ cidr: c }));
  const apiPort = [tcp(spec.cluster.apiServerPort)];
  const backends = exposed(spec).map((s) => rule('to', [podPeer(s.name, podLabelsOf(s))], [tcp(s.expose.port)]));
  const toAuth = rule('to', [podPeer(spec.auth.namespace, OAUTH2_PROXY_LABELS)], [tcp(OAUTH2_PROXY_PORT)]);
  const http01 = spec.tls.solver === 'http01';
  docs.push(
    networkPolicy(spec, {
      namespace: ns,
      name: 'allow-internet-to-proxy',
      select: edge.proxyLabels,
      ingress: [rule('from', [ipBlockPeer({ cidr: '0.0.0.0/0' })], edge.proxyPorts.map((p) => tcp(p.port)))],
      comment:
        edge.type === 'gateway-api'
          ? 'The load balancer delivers client traffic to the proxies\' listener ports (Gateway port 80 → 10080, 443 → 10443). Port 80 only redirects to https and answers HTTP-01 challenges.'
          : 'The load balancer delivers client traffic to the controller on 80 (redirects to https, HTTP-01 challenges) and 443.',
    }),
  );
  if (edge.controller) {
    const c = edge.controller;
    const solverRule = http01 ? [rule('to', [podPeer(ns, ACME_SOLVER_LABELS)], [tcp(ACME_SOLVER_PORT)])] : [];
    docs.push(
      networkPolicy(spec, {
        namespace: ns,
        name: 'proxy-egress',
        select: edge.proxyLabels,
        egress: [...backends, toAuth, rule('to', [podPeer(ns, c.labels)], [{ protocol: 'TCP', port: c.xdsPorts[0], endPort: c.xdsPorts[1] }]), ...solverRule],
        comment: `Where the proxies may connect: the exposed services on their ports, oauth2-proxy (extAuth and the sign-in route), their controller (xDS ${c.xdsPorts[0]}–${c.xdsPorts[1]})${http01 ? ' and cert-manager\'s HTTP-01 solver pods' : ''}.`,
      }),
      networkPolicy(spec, {
        namespace: ns,
        name: 'envoy-gateway-controller',
        select: c.labels,
        ingress: [rule('from', [edgePeer(edge)], [{ protocol: 'TCP', port: c.xdsPorts[0], endPort: c.xdsPorts[1] }]), rule('from', apiServer, [tcp(c.webhookPort)])],
        egress: [rule('to', apiServer, apiPort)],
        comment: `The Envoy Gateway controller: xDS from its proxies, the topology-injector webhook (${c.webhookPort}) from kube-apiserver, and its own calls to kube-apiserver.`,
      }),
    );
    if (http01) docs.push(solverPolicy(spec, ns, edge));
  } else {
    const solverNs = [...exposed(spec).map((s) => s.name), spec.auth.namespace];
    const solverRule = http01
      ? [rule('to', [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: solverNs }] }, podSelector: { matchLabels: { ...ACME_SOLVER_LABELS } } }], [tcp(ACME_SOLVER_PORT)])]
      : [];
    docs.push(
      networkPolicy(spec, {
        namespace: ns,
        name: 'allow-apiserver-to-admission-webhook',
        select: edge.webhook.labels,
        ingress: [rule('from', apiServer, [tcp(edge.webhook.port)])],
        comment: 'kube-apiserver calls the controller\'s admission webhook, which validates Ingresses.',
      }),
      networkPolicy(spec, {
        namespace: ns,
        name: 'controller-egress',
        select: edge.proxyLabels,
        egress: [...backends, toAuth, ...solverRule, rule('to', apiServer, apiPort)],
        comment: `Where the controller may connect: the exposed services on their ports, oauth2-proxy (auth-url and the sign-in host)${http01 ? ', cert-manager\'s HTTP-01 solver pods in the namespaces of the Ingresses' : ''} and kube-apiserver.`,
      }),
    );
  }
  docs.push(
    networkPolicy(spec, {
      namespace: ns,
      name: 'hook-jobs-apiserver-egress',
      select: edge.hookJob.labels,
      egress: [rule('to', apiServer, apiPort)],
      comment: `The Helm hook Jobs of the edge (${edge.hookJob.name}) only call kube-apiserver.`,
    }),
  );
  return docs;
}

function dnsPolicies(spec: Platform): Doc[] {
  const ns = spec.cluster.dns.namespace;
  const docs: Doc[] = spec.cluster.isolateKubeSystem ? [networkPolicy(spec, { namespace: ns, name: 'default-deny', select: {}, types: ['Ingress', 'Egress'], comment: `Default deny in ${ns}. Components here other than CoreDNS (metrics-server, CSI and cloud controllers...) need their own policies: add them beside this file, or remove cluster.isolateKubeSystem: true from the spec.` })] : [];
  docs.push(
    networkPolicy(spec, {
      namespace: ns,
      name: 'coredns',
      select: spec.cluster.dns.podLabels,
      ingress: [rule('from', [{ namespaceSelector: {} }], DNS_PORTS)],
      egress: [rule('to', dnsUpstreamBlocks(spec).map(ipBlockPeer), DNS_PORTS), rule('to', spec.cluster.apiServer.map((c) => ipBlockPeer({ cidr: c })), [tcp(spec.cluster.apiServerPort)])],
      comment: 'Every pod in every namespace may resolve names; CoreDNS may forward to its upstream resolvers and watch kube-apiserver.',
    }),
  );
  return docs;
}

/** One file per namespace: the services', the edge's and the DNS namespace's (oauth2-proxy's come from auth.ts). */
export function renderPolicies(spec: Platform): FilePlan[] {
  const edge = edgeProfile(spec);
  const out: FilePlan[] = spec.services.map((s) => ({
    path: `network-policies/${s.name}.yaml`,
    title: `NetworkPolicies of namespace ${s.name}: default deny, DNS, and the flows declared for service ${s.name}.`,
    docs: servicePolicies(spec, s, edge),
  }));
  out.push({
    path: `network-policies/${edge.namespace}.yaml`,
    title: `NetworkPolicies of namespace ${edge.namespace}: the edge (${edge.type === 'gateway-api' ? 'Envoy Gateway' : 'ingress-nginx'}).`,
    docs: edgePolicies(spec, edge),
  });
  out.push({
    path: `network-policies/${spec.cluster.dns.namespace}.yaml`,
    title: `NetworkPolicies of namespace ${spec.cluster.dns.namespace}: CoreDNS${spec.cluster.isolateKubeSystem ? ' and a default deny' : ''}.`,
    docs: dnsPolicies(spec),
  });
  return out;
}
