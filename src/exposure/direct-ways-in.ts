/**
 * Ways in with no edge proxy in front: a Service of `type: LoadBalancer` (not
 * made internal by a cloud annotation) or `type: NodePort`, and a container's
 * `hostPort` or a pod on the host network. One entry point per port, never
 * authenticated; TLS only when the port says so (`appProtocol`, its name, a
 * well-known TLS port number); and when the pods behind it are themselves an
 * edge proxy (ingress-nginx, Traefik, Envoy...), that proxy named, since its
 * routes are judged instead.
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { isRecord } from '../model/json.js';
import { add, type Builder } from './builder.js';
import { INGRESS_NGINX_IMAGE } from './ingress-nginx.js';
import { indexOf } from './lookup.js';
import { field, list, nameOf, nsOf, str } from './objects.js';
import { hasInternalLbAnnotation, serviceEndpoints } from './services.js';
import type { EntryPoint } from './types.js';
import { HOST_PORT, INGRESS_NGINX, publicMarking, SERVICE_LOADBALANCER, SERVICE_NODEPORT, TRAEFIK } from './vocabulary.js';
import { containersOf, endpointsFrom, podSpecOf, workloads } from './workloads.js';

/** Images of proxies that are an edge themselves: a load balancer in front of them is how routes arrive. */
const EDGE_PROXY_IMAGES: readonly [RegExp, string][] = [
  [INGRESS_NGINX_IMAGE, INGRESS_NGINX],
  [/(^|\/)traefik(:|@|$)/, TRAEFIK],
  [/(^|\/)envoyproxy\/envoy(-[a-z]+)?(:|@|$)|(^|\/)envoy(:|@|$)/, 'envoy'],
  [/(^|\/)(nginx\/nginx-ingress|haproxytech\/kubernetes-ingress|kong|kong-gateway|contour|istio\/proxyv2)(:|@|$)/, 'edge proxy'],
];

function edgeProxyOf(inv: Inventory, endpointIds: readonly string[]): string | undefined {
  if (endpointIds.length === 0) return undefined;
  const idx = indexOf(inv);
  if (!idx.workloadOfEndpoint) {
    // One pass over the workloads instead of one per entry point: the lookup is by endpoint id.
    const m = new Map<string, LoadedObject>();
    for (const w of workloads(inv)) for (const e of endpointsFrom(inv, w)) if (!m.has(e.id)) m.set(e.id, w);
    idx.workloadOfEndpoint = m;
  }
  const owners: LoadedObject[] = [];
  for (const id of endpointIds) {
    const w = idx.workloadOfEndpoint.get(id);
    if (w && !owners.includes(w)) owners.push(w);
  }
  // In input order, as the scan over the workloads found them.
  const order = workloads(inv);
  owners.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const found = new Set<string>();
  for (const w of owners) {
    const hit = containersOf(w).map((c) => EDGE_PROXY_IMAGES.find(([re]) => re.test(c.image.toLowerCase()))?.[1]).find((x) => x !== undefined);
    if (!hit) return undefined;
    found.add(hit);
  }
  return found.size > 0 ? [...found].join(', ') : undefined;
}

const TLS_PORT_NAME = /^(https|tls|grpcs|wss|ssl|ldaps|imaps|pop3s|smtps|mqtts|amqps|postgres-?tls|mysqlx?-?tls)(-|$)/i;
const TLS_PORT_NUMBERS: ReadonlySet<number> = new Set([443, 8443, 6443, 9443, 636, 993, 995, 465, 8883, 5671]);

/**
 * Does a port speak TLS? The input cannot show what the application listens with, so
 * this goes by `appProtocol`, the port name and the well-known TLS port numbers; any other
 * port is taken as plain TCP or HTTP, as it most often is.
 */
function directTls(port: unknown, targetPort: unknown): { tls: boolean; tlsBy?: string } {
  const appProtocol = str(field(port, 'appProtocol'));
  const name = str(field(port, 'name'));
  const num = field(port, 'port');
  if (appProtocol && /^(https|tls|kubernetes\.io\/wss)$/i.test(appProtocol)) return { tls: true, tlsBy: `the application itself (appProtocol ${appProtocol})` };
  if (name && TLS_PORT_NAME.test(name)) return { tls: true, tlsBy: `the application itself (port named ${name})` };
  if (typeof num === 'number' && TLS_PORT_NUMBERS.has(num)) return { tls: true, tlsBy: `the application itself (port ${num})` };
  if (typeof targetPort === 'string' && TLS_PORT_NAME.test(targetPort)) return { tls: true, tlsBy: `the application itself (target port ${targetPort})` };
  return { tls: false };
}

/** The address clients dial: the load balancer's status, its requested IP, or any. */
function loadBalancerHost(svc: LoadedObject): string {
  const ing = field(svc.object, 'status', 'loadBalancer', 'ingress', 0);
  return str(field(ing, 'hostname')) ?? str(field(ing, 'ip')) ?? str(field(svc.object, 'spec', 'loadBalancerIP')) ?? '*';
}

/**
 * A Service of type LoadBalancer (not marked internal) or NodePort takes connections
 * from outside the cluster straight to its pods: one entry point per port.
 */
export function addExposedService(b: Builder, svc: LoadedObject): void {
  const type = str(field(svc.object, 'spec', 'type'));
  if (type !== 'LoadBalancer' && type !== 'NodePort') return;
  if (type === 'LoadBalancer' && hasInternalLbAnnotation(svc.object.metadata.annotations)) return;
  const ns = nsOf(svc);
  const endpoints = serviceEndpoints(b.inv, ns, nameOf(svc)).map((e) => e.id);
  const edgeProxy = edgeProxyOf(b.inv, endpoints);
  const via = type === 'LoadBalancer' ? SERVICE_LOADBALANCER : SERVICE_NODEPORT;
  const host = type === 'LoadBalancer' ? loadBalancerHost(svc) : '*';
  const pub = publicMarking(svc);
  list(field(svc.object, 'spec', 'ports')).forEach((p, pi) => {
    const num = field(p, 'port');
    const nodePort = field(p, 'nodePort');
    const proto = str(field(p, 'protocol')) ?? 'TCP';
    if (typeof num !== 'number') return;
    const dial = type === 'LoadBalancer' ? `${num}/${proto}` : `node port ${typeof nodePort === 'number' ? String(nodePort) : '(assigned)'}/${proto}`;
    const portTls = directTls(p, field(p, 'targetPort'));
    // An edge proxy terminates TLS per route (its routes are entry points of their own).
    const tls = edgeProxy !== undefined && portTls.tls ? { tls: true, tlsBy: `the edge proxy (${edgeProxy}), per route` } : portTls;
    const ep: EntryPoint = {
      route: svc,
      via,
      host,
      service: { namespace: ns, name: nameOf(svc), port: num },
      endpoints,
      authenticated: false,
      ...(pub.marked && pub.reason !== undefined ? { publicReason: pub.reason } : {}),
      ...tls,
    };
    add(b, ep, { path: `spec.ports[${pi}]`, port: dial, ...(edgeProxy !== undefined ? { edgeProxy } : {}) });
  });
}

/** Does a container (or init container) of the pod spec declare a numeric `hostPort`? */
function declaresHostPort(spec: Record<string, unknown>): boolean {
  for (const f of ['containers', 'initContainers'] as const) {
    const cs = spec[f];
    if (!Array.isArray(cs)) continue;
    for (const c of cs) {
      const ports = isRecord(c) ? c['ports'] : undefined;
      if (Array.isArray(ports) && ports.some((p) => isRecord(p) && typeof p['hostPort'] === 'number')) return true;
    }
  }
  return false;
}

/**
 * A container's `hostPort`, or a pod on the host network, listens on the node's own
 * address: whoever reaches the node reaches the container, with no Service and no edge.
 */
export function addHostPorts(b: Builder, w: LoadedObject): void {
  const ps = podSpecOf(w);
  if (!ps) return;
  const hostNetwork = ps.spec['hostNetwork'] === true;
  // Most workloads open no port on the node: they are told apart without building their containers' paths.
  if (!hostNetwork && !declaresHostPort(ps.spec)) return;
  const ports: { port?: number; proto: string; raw?: unknown; path: string }[] = [];
  for (const c of containersOf(w)) {
    list(c.container['ports']).forEach((p, pi) => {
      const hp = field(p, 'hostPort');
      const cp = field(p, 'containerPort');
      const proto = str(field(p, 'protocol')) ?? 'TCP';
      const path = `${c.path}.ports[${pi}]`;
      if (typeof hp === 'number') ports.push({ port: hp, proto, raw: { ...(isRecord(p) ? p : {}), port: hp }, path });
      else if (hostNetwork && typeof cp === 'number') ports.push({ port: cp, proto, raw: { ...(isRecord(p) ? p : {}), port: cp }, path });
    });
  }
  if (hostNetwork && ports.length === 0) ports.push({ proto: 'TCP', path: `${ps.path}.hostNetwork` });
  // Most workloads open no port on the node: nothing more to look up for them.
  if (ports.length === 0) return;
  const endpoints = endpointsFrom(b.inv, w).map((e) => e.id);
  // A Pod owned by a controller in the input is counted with that controller.
  if (endpoints.length === 0) return;
  const edgeProxy = edgeProxyOf(b.inv, endpoints);
  const pub = publicMarking(w);
  const ns = nsOf(w);
  for (const p of ports) {
    const tls = p.raw !== undefined ? directTls(p.raw, undefined) : { tls: false };
    const ep: EntryPoint = {
      route: w,
      via: HOST_PORT,
      host: '*',
      service: { namespace: ns, name: `${w.object.kind.toLowerCase()}/${nameOf(w)}`, ...(p.port !== undefined ? { port: p.port } : {}) },
      endpoints,
      authenticated: false,
      ...(pub.marked && pub.reason !== undefined ? { publicReason: pub.reason } : {}),
      ...tls,
    };
    const dial = p.port !== undefined ? `${hostNetwork ? 'host network' : 'host port'} ${p.port}/${p.proto}` : 'host network, every port the process opens';
    add(b, ep, { path: p.path, port: dial, ...(edgeProxy !== undefined ? { edgeProxy } : {}) });
  }
}
