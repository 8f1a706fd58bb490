/**
 * The types the exposure model answers with: an EntryPoint (one host and path
 * routed from outside the cluster to a Service, with what authenticates it and
 * what terminates TLS) and the extra facts about it (EntryDetail), shared by the
 * builders of every technology (ingress.ts, traefik.ts, gateway-api.ts,
 * direct-ways-in.ts) and by the checks.
 */
import type { LoadedObject } from '../model/kube.js';

/** A way into the cluster from outside: one host (and path) routed to a Service. */
export interface EntryPoint {
  /** The object that routes it: Ingress, HTTPRoute, GRPCRoute, Traefik IngressRoute... */
  readonly route: LoadedObject;
  /**
   * `ingress-nginx`, `gateway-api`, `traefik`, or another controller name; for a way in
   * with no edge: `service-loadbalancer`, `service-nodeport` or `host-port`.
   */
  readonly via: string;
  readonly host: string;
  readonly path?: string;
  /**
   * The backend Service. For a `host-port` entry (no Service involved) the workload that
   * opens the port, as `kind/name` (`daemonset/node-exporter`).
   */
  readonly service: { readonly namespace: string; readonly name: string; readonly port?: number | string };
  /** Endpoint ids the Service's selector picks (empty when the Service is not in the input). */
  readonly endpoints: readonly string[];
  /** Authenticated at the edge, and by what (`oauth2-proxy via auth-url`, `SecurityPolicy shop/auth`). */
  readonly authenticated: boolean;
  readonly authBy?: string;
  /** Marked public on purpose, with the reason given. */
  readonly publicReason?: string;
  /** TLS terminated at the edge for this host, and how the certificate comes (`cert-manager ClusterIssuer letsencrypt-prod`). */
  readonly tls: boolean;
  readonly tlsBy?: string;
}

/**
 * A Gateway API listener as the model reads it (Gateway `spec.listeners[]`:
 * name, protocol, port, hostname, `tls.mode` and `tls.certificateRefs`).
 */
export interface ListenerInfo {
  readonly gateway: LoadedObject;
  readonly index: number;
  readonly name: string;
  readonly protocol: string;
  readonly port?: number;
  readonly hostname?: string;
  /** HTTPS with `tls.mode` Terminate (the default) and certificate references. */
  readonly tls: boolean;
  readonly certificateRefs: readonly { namespace: string; name: string; kind: string }[];
}

// The model

/** Extra facts about an entry point that the EntryPoint type does not carry. */
export interface EntryDetail {
  /** Field path of the host (or the rule) in the route, for file:line. */
  readonly path: string;
  /** Gateway API: the listener the route is attached to. */
  readonly listener?: ListenerInfo;
  /** Gateway API: the rule has a RequestRedirect to https (it serves no backend). */
  readonly redirectsToHttps?: boolean;
  /** The route sends this host to the authentication service itself (its sign-in endpoint). */
  readonly signIn?: boolean;
  /**
   * A direct way in (Service LoadBalancer/NodePort, host port) whose pods are themselves
   * an edge proxy (ingress-nginx, Traefik, Envoy…): the routes behind it are judged, not it.
   */
  readonly edgeProxy?: string;
  /** A direct way in: the port as the client dials it (`443/TCP`, `node port 30080/TCP`). */
  readonly port?: string;
}

/** Gateway API routes on plain-HTTP listeners that redirect to https (a `RequestRedirect` filter with `scheme: https`). */
export interface HttpsRedirect {
  route: LoadedObject;
  listener: ListenerInfo;
  hosts: string[];
}

/** What authenticates a route at the edge, as each technology's reader finds it. */
export type AuthResult = { authenticated: boolean; authBy?: string; signIn?: boolean };
