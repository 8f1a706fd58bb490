/**
 * The words of the exposure model: the names of the edges and of the ways in with
 * no edge, the API groups of the CRDs it reads (Traefik `traefik.io` and
 * `traefik.containo.us`, Gateway API `gateway.networking.k8s.io`, Envoy Gateway
 * `gateway.envoyproxy.io`, cert-manager `cert-manager.io`), and meshless's own
 * `meshless.dev/public` / `meshless.dev/public-reason` marking of routes public
 * on purpose.
 */
import { apiGroup, type LoadedObject } from '../model/kube.js';
import { annotationsOf } from './objects.js';

// ---------------------------------------------------------------------------
// Edge vocabulary

export const INGRESS_NGINX = 'ingress-nginx';
export const TRAEFIK = 'traefik';
export const GATEWAY_API = 'gateway-api';
/** A Service of `type: LoadBalancer`: the cloud load balancer sends connections straight to its pods. */
export const SERVICE_LOADBALANCER = 'service-loadbalancer';
/** A Service of `type: NodePort`: every node's address, that port, straight to its pods. */
export const SERVICE_NODEPORT = 'service-nodeport';
/** A pod's `hostPort` or `hostNetwork`: the node's address reaches the container directly. */
export const HOST_PORT = 'host-port';
/** Ways in with no edge proxy in front: nothing can authenticate or terminate TLS for the application. */
export const DIRECT_WAYS_IN: ReadonlySet<string> = new Set([SERVICE_LOADBALANCER, SERVICE_NODEPORT, HOST_PORT]);
/** The edges whose configuration this model understands well enough to judge. */
export const KNOWN_EDGES: ReadonlySet<string> = new Set([INGRESS_NGINX, TRAEFIK, GATEWAY_API]);

/** What `ingressEdge` answers for an Ingress with no class when the input has no default IngressClass. */
export const UNKNOWN_EDGE = 'unknown';

export const PUBLIC_ANNOTATION = 'meshless.dev/public';
export const PUBLIC_REASON_ANNOTATION = 'meshless.dev/public-reason';

export const TRAEFIK_GROUPS: ReadonlySet<string> = new Set(['traefik.io', 'traefik.containo.us']);
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const ENVOY_GATEWAY_GROUP = 'gateway.envoyproxy.io';
export const CERT_MANAGER_GROUP = 'cert-manager.io';

export function isTraefikCrd(o: LoadedObject, kind: string): boolean {
  return o.object.kind === kind && TRAEFIK_GROUPS.has(apiGroup(o.object.apiVersion));
}

export function isGatewayApi(o: LoadedObject, kind: string): boolean {
  return o.object.kind === kind && apiGroup(o.object.apiVersion) === GATEWAY_GROUP;
}

export function isCertManager(o: LoadedObject, kind: string): boolean {
  return o.object.kind === kind && apiGroup(o.object.apiVersion) === CERT_MANAGER_GROUP;
}

/** A Kubernetes Ingress (`networking.k8s.io`, or the older `extensions` group). */
export function isIngress(o: LoadedObject): boolean {
  const g = apiGroup(o.object.apiVersion);
  return o.object.kind === 'Ingress' && (g === 'networking.k8s.io' || g === 'extensions');
}

// ---------------------------------------------------------------------------
// Public marking

export interface PublicMarking {
  /** `meshless.dev/public: "true"`. */
  readonly marked: boolean;
  /** The non-empty `meshless.dev/public-reason`. */
  readonly reason?: string;
}

/** A route marked public on purpose: `meshless.dev/public: "true"` plus a reason. */
export function publicMarking(o: LoadedObject): PublicMarking {
  const a = annotationsOf(o);
  const marked = (a[PUBLIC_ANNOTATION] ?? '').trim().toLowerCase() === 'true';
  const reason = a[PUBLIC_REASON_ANNOTATION]?.trim();
  return reason ? { marked, reason } : { marked };
}
