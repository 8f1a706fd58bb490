/**
 * Values derived from the spec that several renderers share: the labels a
 * service's pods carry, the edge's pods and ports, the oauth2-proxy endpoint,
 * address blocks. One place, so that a selector here always matches the pods
 * described there.
 */
import { cidrWithin, parseCidr, type Cidr } from '../model/ip.js';
import { authHostOf, edgeNamespace, type Platform, type Protocol, type Service } from './spec.js';

export type Labels = Record<string, string>;
export type Obj = Record<string, unknown>;

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'meshless' } as const;
export const NS_NAME_LABEL = 'kubernetes.io/metadata.name';
/** cert-manager labels the pods it starts to answer HTTP-01 challenges. */
export const ACME_SOLVER_LABELS: Labels = { 'acme.cert-manager.io/http01-solver': 'true' };
export const ACME_SOLVER_PORT = 8089;
export const OAUTH2_PROXY_PORT = 4180;
export const OAUTH2_PROXY_NAME = 'oauth2-proxy';

/** Labels on every object meshless writes. */
export function commonLabels(spec: Platform): Labels {
  return { 'app.kubernetes.io/part-of': spec.name, ...MANAGED_BY };
}

/** The labels of a service's pods: declared, or `app.kubernetes.io/name: <service>`. */
export function podLabelsOf(s: Service): Labels {
  return s.podLabels && Object.keys(s.podLabels).length > 0 ? { ...s.podLabels } : { 'app.kubernetes.io/name': s.name };
}

export const OAUTH2_PROXY_LABELS: Labels = { 'app.kubernetes.io/name': OAUTH2_PROXY_NAME, 'app.kubernetes.io/component': 'authentication' };

/** What the edge runs, where, and with which labels and ports: facts about Envoy Gateway and ingress-nginx. */
export interface EdgeProfile {
  readonly type: 'gateway-api' | 'ingress-nginx';
  readonly namespace: string;
  /** GatewayClass or IngressClass name. */
  readonly className: string;
  /** The Gateway's name (gateway-api). */
  readonly gatewayName: string;
  /** Labels of the pods that take client traffic. */
  readonly proxyLabels: Labels;
  /** Container ports the load balancer delivers client traffic to. */
  readonly proxyPorts: readonly { readonly name: string; readonly port: number }[];
  /** The controller, when it is not the proxy (Envoy Gateway). */
  readonly controller?: { readonly name: string; readonly labels: Labels; readonly xdsPorts: readonly [number, number]; readonly webhookPort: number };
  /** Pods that the API server calls (admission webhooks) and on which port. */
  readonly webhook: { readonly labels: Labels; readonly port: number };
  /** Helm hook Jobs that only call the API server (certgen, admission certificate patch). */
  readonly hookJob: { readonly name: string; readonly labels: Labels };
}

export function edgeProfile(spec: Platform): EdgeProfile {
  const namespace = edgeNamespace(spec);
  if (spec.edge.type === 'gateway-api') {
    const controllerLabels = { 'control-plane': 'envoy-gateway', 'app.kubernetes.io/name': 'gateway-helm' };
    return {
      type: 'gateway-api',
      namespace,
      className: spec.edge.className ?? 'eg',
      gatewayName: spec.name,
      // Envoy Gateway labels the proxy pods it creates for a Gateway with these.
      proxyLabels: {
        'app.kubernetes.io/name': 'envoy',
        'app.kubernetes.io/component': 'proxy',
        'gateway.envoyproxy.io/owning-gateway-name': spec.name,
        'gateway.envoyproxy.io/owning-gateway-namespace': namespace,
      },
      // Listener ports below 1024 are shifted by 10000 inside the proxy pod (80 → 10080, 443 → 10443).
      proxyPorts: [
        { name: 'http', port: 10080 },
        { name: 'https', port: 10443 },
      ],
      controller: { name: 'envoy-gateway', labels: controllerLabels, xdsPorts: [18000, 18002], webhookPort: 9443 },
      webhook: { labels: controllerLabels, port: 9443 },
      hookJob: { name: 'eg-gateway-helm-certgen', labels: { app: 'certgen' } },
    };
  }
  const proxyLabels = { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/instance': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' };
  return {
    type: 'ingress-nginx',
    namespace,
    className: spec.edge.className ?? 'nginx',
    gatewayName: spec.name,
    proxyLabels,
    proxyPorts: [
      { name: 'http', port: 80 },
      { name: 'https', port: 443 },
    ],
    webhook: { labels: proxyLabels, port: 8443 },
    hookJob: { name: 'ingress-nginx-admission-create', labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'admission-webhook' } },
  };
}

export function authHost(spec: Platform): string {
  return authHostOf(spec);
}

/** `http://oauth2-proxy.auth.svc.cluster.local:4180`. */
export function oauth2ProxyUrl(spec: Platform): string {
  return `http://${OAUTH2_PROXY_NAME}.${spec.auth.namespace}.svc.cluster.local:${OAUTH2_PROXY_PORT}`;
}

export function issuerName(spec: Platform): string {
  return spec.tls.acme === 'production' ? 'letsencrypt-prod' : 'letsencrypt-staging';
}

/** A Secret name for a host's certificate: `shop.example.com` → `shop-example-com-tls`. */
export function tlsSecretName(host: string): string {
  return `${host.replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9]+/g, '-')}-tls`;
}

/** `https-shop-example-com`: a Gateway listener name per host. */
export function listenerName(host: string): string {
  const n = `https-${host.replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9]+/g, '-')}`;
  return n.length <= 63 ? n : n.slice(0, 63).replace(/-+$/, '');
}

export function kubeServiceName(s: Service): string {
  return s.expose?.serviceName ?? s.name;
}

/** Exposed services in spec order. */
export function exposed(spec: Platform): (Service & { expose: NonNullable<Service['expose']> })[] {
  return spec.services.filter((s): s is Service & { expose: NonNullable<Service['expose']> } => s.expose !== undefined);
}

/** Hosts the edge serves, in first-seen order: the services' hosts, then the sign-in host. */
export function hosts(spec: Platform): string[] {
  return [...new Set([...exposed(spec).map((s) => s.expose.host), authHost(spec)])];
}

// ---------------------------------------------------------------------------
// Address blocks

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

function cidr(s: string): Cidr {
  return parseCidr(s) as Cidr;
}

export interface IpBlock {
  readonly cidr: string;
  readonly except?: readonly string[];
}

/**
 * An address block outside the cluster: the CIDR, minus the pod network when it
 * contains it (an ipBlock that covers the pod network would also match pods).
 */
export function externalBlock(spec: Platform, c: string): IpBlock {
  const outer = cidr(c);
  const pod = cidr(spec.cluster.podCidr);
  return cidrWithin(pod, outer) && outer.text !== pod.text ? { cidr: outer.text, except: [pod.text] } : { cidr: outer.text };
}

/** "The internet": every IPv4 address except the private ranges and the pod network. */
export function internetBlock(spec: Platform): IpBlock {
  const pod = cidr(spec.cluster.podCidr);
  const except = [...PRIVATE];
  if (pod.family === 4 && !except.some((p) => cidrWithin(pod, cidr(p)))) except.push(pod.text);
  return { cidr: '0.0.0.0/0', except };
}

/** Blocks for an egress entry: `internet` or its CIDRs. */
export function egressBlocks(spec: Platform, to: 'internet' | readonly string[]): IpBlock[] {
  return to === 'internet' ? [internetBlock(spec)] : to.map((c) => externalBlock(spec, c));
}

/** Where CoreDNS may forward queries: the declared upstreams, or any address outside the pod network. */
export function dnsUpstreamBlocks(spec: Platform): IpBlock[] {
  const up = spec.cluster.dns.upstream;
  return up && up.length > 0 ? up.map((c) => externalBlock(spec, c)) : [externalBlock(spec, cidr(spec.cluster.podCidr).family === 4 ? '0.0.0.0/0' : '::/0')];
}

/** The OIDC provider's blocks for oauth2-proxy's egress. */
export function oidcBlocks(spec: Platform): IpBlock[] {
  const p = spec.auth.providerCidrs;
  return p && p.length > 0 ? p.map((c) => externalBlock(spec, c)) : [internetBlock(spec)];
}

export function ipBlockPeer(b: IpBlock): Obj {
  return { ipBlock: b.except && b.except.length > 0 ? { cidr: b.cidr, except: [...b.except] } : { cidr: b.cidr } };
}

/** A pod peer in another (or the same) namespace, by namespace name and pod labels. */
export function podPeer(namespace: string, labels: Labels): Obj {
  return { namespaceSelector: { matchLabels: { [NS_NAME_LABEL]: namespace } }, podSelector: { matchLabels: { ...labels } } };
}

export interface PortSpec {
  readonly port: number;
  readonly endPort?: number;
  readonly protocol: Protocol;
}

export function portsOf(list: readonly PortSpec[]): Obj[] {
  return list.map((p) => (p.endPort !== undefined ? { protocol: p.protocol, port: p.port, endPort: p.endPort } : { protocol: p.protocol, port: p.port }));
}

export const DNS_PORTS: readonly PortSpec[] = [
  { protocol: 'UDP', port: 53 },
  { protocol: 'TCP', port: 53 },
];
